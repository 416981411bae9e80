"""`sopdocs export --target argo`: every SOP of content/ compiles to a WorkflowTemplate
that the published Argo schema accepts, with no key that schema does not define, and
that keeps the SOP's semantics (order, confirmations, timeouts, retries, rollback, lock,
secrets, no expressions in commands)."""

from __future__ import annotations

import re

import pytest
from exportkit import (
    argo_unknown_keys,
    argo_validator,
    content_ids,
    load,
    schema_errors,
)

ON_FAILURE = "{{workflow.status}} != Succeeded"
PARAMETER_REF = re.compile(r"^\{\{workflow\.parameters\.([a-z][a-z0-9_]*)\}\}$")


@pytest.fixture(scope="module")
def pairs(manifests_dir, argo_dir):
    return {sop_id: (load(manifests_dir / f"{sop_id}.json"), load(argo_dir / f"{sop_id}.yaml")) for sop_id in content_ids()}


def templates(document):
    return {t["name"]: t for t in document["spec"]["templates"]}


def main_sequence(document):
    steps = templates(document)["main"]["steps"]
    assert all(len(group) == 1 for group in steps), "steps run one after the other"
    return [group[0]["template"] for group in steps]


def test_every_content_sop_compiles(argo_dir):
    assert sorted(p.stem for p in argo_dir.iterdir()) == content_ids()


@pytest.mark.parametrize("sop_id", content_ids())
def test_validates_against_the_workflow_template_schema(argo_dir, sop_id):
    document = load(argo_dir / f"{sop_id}.yaml")
    assert schema_errors(argo_validator(), document) == []
    assert document["kind"] == "WorkflowTemplate"


@pytest.mark.parametrize("sop_id", content_ids())
def test_no_key_unknown_to_the_schema(argo_dir, sop_id):
    assert argo_unknown_keys(load(argo_dir / f"{sop_id}.yaml")) == []


def test_unknown_key_check_catches_typos(argo_dir):
    """The Argo schema has no additionalProperties:false; our own check must catch it."""
    document = load(argo_dir / "service-canary-rollout.yaml")
    script = next(t for t in document["spec"]["templates"] if "script" in t)
    script["activeDeadlineSecond"] = script.pop("activeDeadlineSeconds")
    document["spec"]["synchronization"]["mutex"] = {"name": "legacy"}
    assert schema_errors(argo_validator(), document) == []  # the schema alone lets them pass
    index = document["spec"]["templates"].index(script)
    assert sorted(argo_unknown_keys(document)) == ["spec.synchronization.mutex", f"spec.templates[{index}].activeDeadlineSecond"]


def test_schema_check_catches_int_or_string_as_number(argo_dir):
    document = load(argo_dir / "service-canary-rollout.yaml")
    script = next(t for t in document["spec"]["templates"] if "script" in t)
    script["activeDeadlineSeconds"] = int(script["activeDeadlineSeconds"])
    assert schema_errors(argo_validator(), document) != []


def test_steps_run_in_order_with_confirmations_and_probes(pairs):
    for sop_id, (manifest, document) in pairs.items():
        expected = []
        for action in manifest["preconditions"]:
            if action["kind"] == "command" and action["confirm"]:
                expected.append(f"{action['id']}-confirm")
            expected.append(action["id"])
        for step in manifest["steps"]:
            if step["kind"] == "command" and step["confirm"]:
                expected.append(f"{step['id']}-confirm")
            expected.append(step["id"])
            expected += [probe["id"] for probe in step["verify"]]
        expected += [probe["id"] for probe in manifest["verification"]["probes"]]
        expected += [check["id"] for check in manifest["verification"]["checks"]]
        assert main_sequence(document) == expected, sop_id


def test_manual_and_confirm_steps_are_suspend_steps(pairs):
    seen_manual = seen_confirm = 0
    for manifest, document in pairs.values():
        by_name = templates(document)
        for unit in [*manifest["preconditions"], *manifest["steps"]]:
            if unit["kind"] == "manual":
                assert by_name[unit["id"]]["suspend"] == {}
                seen_manual += 1
            else:
                assert "script" in by_name[unit["id"]]
                if unit["confirm"]:
                    assert by_name[f"{unit['id']}-confirm"]["suspend"] == {}
                    seen_confirm += 1
        for check in manifest["verification"]["checks"]:
            assert by_name[check["id"]]["suspend"] == {}
    assert seen_manual > 10 and seen_confirm > 10


def test_every_command_has_its_timeout(pairs):
    for manifest, document in pairs.values():
        by_name = templates(document)
        units = [*manifest["preconditions"], *manifest["steps"], *manifest["verification"]["probes"]]
        units += [p for s in manifest["steps"] for p in s["verify"]]
        if "steps" in manifest["rollback"]:
            units += manifest["rollback"]["steps"]
        for unit in units:
            if "command" in unit:
                assert by_name[unit["id"]]["activeDeadlineSeconds"] == str(unit["timeout_seconds"])
        assert all("activeDeadlineSeconds" in t for t in by_name.values() if "script" in t)


def test_retries_only_for_idempotent_steps(pairs):
    retried = 0
    for sop_id, (manifest, document) in pairs.items():
        allowed = {s["id"]: s["retries"] for s in manifest["steps"] if s["idempotent"] and s["retries"]}
        for name, template in templates(document).items():
            if "retryStrategy" in template:
                assert name in allowed, f"{sop_id}: {name} is retried but not an idempotent step with retries"
                assert template["retryStrategy"]["limit"] == str(allowed[name])
                retried += 1
            else:
                assert name not in allowed, f"{sop_id}: {name} should be retried"
    assert retried >= 10


def test_rollback_is_an_exit_handler_that_runs_on_failure(pairs):
    for sop_id, (manifest, document) in pairs.items():
        spec = document["spec"]
        handler = templates(document)[spec["onExit"]]
        entries = [entry for group in handler["steps"] for entry in group]
        assert entries and all(entry["when"] == ON_FAILURE for entry in entries), sop_id
        if "sop" in manifest["rollback"]:
            other = manifest["rollback"]["sop"]["id"]
            assert entries == [
                {"name": "rollback", "templateRef": {"name": f"sop-{other}", "template": "main"}, "when": ON_FAILURE}
            ]
        else:
            names = [entry["template"] for entry in entries]
            assert [n for n in names if not n.endswith("-confirm")] == [a["id"] for a in manifest["rollback"]["steps"]]


def test_rollback_sop_parameters_reach_the_workflow(pairs):
    _manifest, document = pairs["service-canary-rollout"]
    other, _ = pairs["service-canary-abort"]
    arguments = {p["name"] for p in document["spec"]["arguments"]["parameters"]}
    assert {p["name"] for p in other["parameters"] if not p["secret"]} <= arguments


def test_mutex_is_the_run_lock(pairs):
    for sop_id, (manifest, document) in pairs.items():
        mutexes = document["spec"]["synchronization"]["mutexes"]
        assert len(mutexes) == 1
        name = mutexes[0]["name"]
        assert name.startswith(f"sop-{sop_id}"), name
        for parameter in manifest["parameters"]:
            if parameter["resource"]:
                assert "{{workflow.parameters." + parameter["name"] + "}}" in name


def test_secret_parameters_come_from_a_kubernetes_secret(pairs):
    secrets_seen = 0
    for sop_id, (manifest, document) in pairs.items():
        arguments = {p["name"] for p in document["spec"].get("arguments", {}).get("parameters", [])}
        for parameter in manifest["parameters"]:
            if not parameter["secret"]:
                continue
            secrets_seen += 1
            assert parameter["name"] not in arguments
            for template in templates(document).values():
                if "script" not in template:
                    continue
                env = {e["name"]: e for e in template["script"]["env"]}
                assert env[parameter["env"]] == {
                    "name": parameter["env"],
                    "valueFrom": {"secretKeyRef": {"name": f"sop-{sop_id}-secrets", "key": parameter["name"]}},
                }
    assert secrets_seen >= 3


def test_commands_read_parameters_only_from_the_environment(pairs):
    for sop_id, (manifest, document) in pairs.items():
        commands = {}
        for unit in [*manifest["preconditions"], *manifest["steps"], *manifest["verification"]["probes"]]:
            commands[unit["id"]] = unit.get("command")
        for step in manifest["steps"]:
            commands.update({p["id"]: p["command"] for p in step["verify"]})
        for name, template in templates(document).items():
            if "script" not in template:
                continue
            script = template["script"]
            assert "{{" not in script["source"], f"{sop_id}: {name}"
            if commands.get(name):
                assert script["source"] == commands[name]
            names = {p["name"] for p in manifest["parameters"]}
            for entry in script["env"]:
                if "value" in entry:
                    match = PARAMETER_REF.match(entry["value"])
                    assert match and match.group(1) in names, entry


def test_image_is_configurable(tmp_path):
    from exportkit import REPO, export

    proc = export(
        "content/service-canary-abort.md",
        "--argo-image",
        "registry.example/sre-toolbox:1.4",
        cwd=REPO,
        target="argo",
        out=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    document = load(tmp_path / "service-canary-abort.yaml")
    images = {t["script"]["image"] for t in document["spec"]["templates"] if "script" in t}
    assert images == {"registry.example/sre-toolbox:1.4"}
