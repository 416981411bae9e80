"""`sopdocs export --target github-actions`: every SOP of content/ compiles to a
workflow that SchemaStore's schema and `check-jsonschema` accept, with no key the schema
does not define, and that keeps the SOP's semantics."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from exportkit import content_ids, github_root, github_unknown_keys, github_validator, load, schema_errors

EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
INPUT_REF = re.compile(r"^\$\{\{ inputs\.([a-z][a-z0-9_]*) \}\}$")
SECRET_REF = re.compile(r"^\$\{\{ secrets\.(SOP_[A-Z0-9_]+) \}\}$")


@pytest.fixture(scope="module")
def pairs(manifests_dir, github_dir):
    return {sop_id: (load(manifests_dir / f"{sop_id}.json"), load(github_dir / f"{sop_id}.yml")) for sop_id in content_ids()}


def step_jobs(manifest, workflow):
    """The job of each SOP step, by step id."""
    return {s["id"]: workflow["jobs"][s["id"] if s["id"][0].isalpha() else f"step-{s['id']}"] for s in manifest["steps"]}


def test_every_content_sop_compiles(github_dir):
    assert sorted(p.stem for p in github_dir.iterdir()) == content_ids()


@pytest.mark.parametrize("sop_id", content_ids())
def test_validates_against_the_schemastore_schema(github_dir, sop_id):
    workflow = load(github_dir / f"{sop_id}.yml")
    # `on` is quoted: a YAML 1.1 loader (PyYAML) must not read it as True.
    assert "on" in workflow and True not in workflow
    assert schema_errors(github_validator(), workflow) == []


@pytest.mark.parametrize("sop_id", content_ids())
def test_no_key_unknown_to_the_schema(github_dir, sop_id):
    assert github_unknown_keys(load(github_dir / f"{sop_id}.yml")) == []


def test_unknown_key_check_catches_typos(github_dir):
    workflow = load(github_dir / "service-canary-abort.yml")
    job = next(iter(workflow["jobs"].values()))
    job["timeout-minute"] = job.pop("timeout-minutes")
    assert github_unknown_keys(workflow) == [f"jobs.{next(iter(workflow['jobs']))}.timeout-minute"]


def test_check_jsonschema_accepts_every_workflow(github_dir):
    """The real tool, with the schema it ships (YAML 1.2 loader, like GitHub's)."""
    tool = Path(sys.executable).parent / "check-jsonschema"
    files = sorted(str(p) for p in github_dir.iterdir())
    proc = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_check_jsonschema_rejects_a_broken_workflow(github_dir, tmp_path):
    text = (github_dir / "service-canary-abort.yml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("timeout-minutes:", "timeout-minute:", 1), encoding="utf-8")
    tool = Path(sys.executable).parent / "check-jsonschema"
    proc = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1


def test_schema_is_the_published_one():
    assert github_root()["$id"].startswith("https://json.schemastore.org/github-workflow")


def test_dispatch_inputs_are_the_parameters(pairs):
    for sop_id, (manifest, workflow) in pairs.items():
        inputs = workflow["on"]["workflow_dispatch"].get("inputs", {})
        plain = [p for p in manifest["parameters"] if not p["secret"]]
        assert list(inputs) == [p["name"] for p in plain], sop_id
        for parameter in plain:
            entry = inputs[parameter["name"]]
            assert entry["required"] == parameter["required"]
            if "enum" in parameter:
                assert entry["type"] == "choice" and entry["options"] == [str(v) for v in parameter["enum"]]
            else:
                assert entry["type"] == {"string": "string", "integer": "number", "boolean": "boolean"}[parameter["type"]]
            for step in command_steps(workflow):
                assert step["env"][parameter["env"]] == "${{ inputs." + parameter["name"] + " }}", sop_id
        assert workflow["on"]["workflow_call"].get("inputs", {}).keys() == inputs.keys()


def command_steps(workflow):
    """Every step that runs an SOP command (not the checkout, approval or secrets check)."""
    return [
        step
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step and "SOP_APPROVED" not in step.get("env", {}) and step["name"] != "Check the secrets"
    ]


def test_parameters_are_step_env_only(pairs):
    """Not workflow or job env: act-based engines evaluate expressions in those values
    again (tests/conformance, parameters/hostile)."""
    for sop_id, (manifest, workflow) in pairs.items():
        assert "env" not in workflow, sop_id
        assert all("env" not in job for job in workflow["jobs"].values()), sop_id
        if manifest["parameters"]:
            assert all(p["env"] in step["env"] for step in command_steps(workflow) for p in manifest["parameters"]), sop_id


def test_secret_parameters_come_from_github_secrets(pairs):
    seen = 0
    for sop_id, (manifest, workflow) in pairs.items():
        for parameter in manifest["parameters"]:
            if not parameter["secret"]:
                continue
            seen += 1
            name = f"SOP_{parameter['env']}"
            assert parameter["name"] not in workflow["on"]["workflow_dispatch"].get("inputs", {})
            assert name in workflow["on"]["workflow_call"]["secrets"]
            for step in command_steps(workflow):
                assert step["env"][parameter["env"]] == "${{ secrets." + name + " }}", sop_id
    assert seen >= 3


def test_every_job_and_step_has_a_timeout(pairs):
    for sop_id, (_manifest, workflow) in pairs.items():
        for job_id, job in workflow["jobs"].items():
            if "uses" in job:
                continue  # a reusable-workflow call cannot have one; the called jobs do
            assert isinstance(job["timeout-minutes"], int) and job["timeout-minutes"] >= sum(
                s["timeout-minutes"] for s in job["steps"]
            ), (sop_id, job_id)
            assert all(isinstance(s["timeout-minutes"], int) and s["timeout-minutes"] >= 1 for s in job["steps"]), (
                sop_id,
                job_id,
            )


def test_step_timeouts_round_up_to_minutes(pairs):
    for manifest, workflow in pairs.values():
        for step_id, job in step_jobs(manifest, workflow).items():
            step = next(s for s in manifest["steps"] if s["id"] == step_id)
            if step["kind"] == "command" and not step["retries"]:
                run = next(s for s in job["steps"] if s.get("run") == step["command"])
                assert run["timeout-minutes"] == -(-step["timeout_seconds"] // 60)


def test_manual_and_confirm_steps_are_gated_by_the_approval_environment(pairs):
    gated = 0
    for sop_id, (manifest, workflow) in pairs.items():
        environment = f"sop-{sop_id}-approval"
        for step_id, job in step_jobs(manifest, workflow).items():
            step = next(s for s in manifest["steps"] if s["id"] == step_id)
            if step["confirm"]:
                assert job["environment"] == environment
                gated += 1
            else:
                assert "environment" not in job
        if manifest["verification"]["checks"]:
            assert workflow["jobs"]["verify-checks"]["environment"] == environment
    assert gated > 20


def test_jobs_run_in_order(pairs):
    for sop_id, (manifest, workflow) in pairs.items():
        ids = list(workflow["jobs"])
        main = [j for j in ids if not workflow["jobs"][j].get("if")]
        for before, after in itertools.pairwise(main):
            assert workflow["jobs"][after]["needs"] == [before], sop_id
        positions = [main.index(j) for j in step_jobs(manifest, workflow) if j in main]
        assert positions == sorted(positions)


def test_retries_only_for_idempotent_steps(pairs):
    retried = 0
    for sop_id, (manifest, workflow) in pairs.items():
        for step_id, job in step_jobs(manifest, workflow).items():
            step = next(s for s in manifest["steps"] if s["id"] == step_id)
            loops = [s for s in job["steps"] if "SOP_COMMAND" in s.get("env", {})]
            if step["idempotent"] and step["retries"]:
                assert len(loops) == 1 and loops[0]["env"]["SOP_COMMAND"] == step["command"]
                assert f"$(seq 1 {step['retries'] + 1})" in loops[0]["run"]
                retried += 1
            else:
                assert loops == [], (sop_id, step_id)
    assert retried >= 10


def test_rollback_job_runs_on_failure_after_every_step(pairs):
    for sop_id, (manifest, workflow) in pairs.items():
        rollback = [j for j, job in workflow["jobs"].items() if "failure()" in str(job.get("if", ""))]
        assert rollback, sop_id
        first = workflow["jobs"][rollback[0]]
        main = [j for j in workflow["jobs"] if j not in rollback]
        assert first["needs"] == main
        assert set(step_jobs(manifest, workflow)) <= {j if j[0].isalpha() else j[5:] for j in main} | set(main)
        if "sop" in manifest["rollback"]:
            assert first["uses"] == f"./.github/workflows/{manifest['rollback']['sop']['id']}.yml"


def test_concurrency_group_is_the_run_lock(pairs):
    for sop_id, (manifest, workflow) in pairs.items():
        concurrency = workflow["concurrency"]
        assert concurrency["group"].startswith(f"sop-{sop_id}")
        assert concurrency["cancel-in-progress"] is False
        for parameter in manifest["parameters"]:
            if parameter["resource"]:
                assert "${{ inputs." + parameter["name"] + " }}" in concurrency["group"]


def test_commands_never_contain_expressions(pairs):
    for sop_id, (manifest, workflow) in pairs.items():
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", "") and "{{" not in step.get("run", ""), sop_id
                for name, value in step.get("env", {}).items():
                    # a parameter's variable is exactly one reference; SOP_COMMAND is the command itself
                    assert INPUT_REF.match(value) or SECRET_REF.match(value) or "${{" not in value, (sop_id, name)
        # The only expressions anywhere are references to inputs and secrets.
        text = str(workflow)
        assert {m for m in EXPRESSION.findall(text) if not (INPUT_REF.match(m) or SECRET_REF.match(m))} == set()


def test_commands_are_the_manifest_commands(pairs):
    for manifest, workflow in pairs.values():
        runs = {s.get("run") for job in workflow["jobs"].values() for s in job.get("steps", [])}
        runs |= {
            value
            for job in workflow["jobs"].values()
            for s in job.get("steps", [])
            for name, value in s.get("env", {}).items()
            if name == "SOP_COMMAND" or name.startswith("SOP_VERIFY_")
        }
        for step in manifest["steps"]:
            if step["kind"] == "command":
                assert step["command"] in runs
                assert all(p["command"] in runs for p in step["verify"])
