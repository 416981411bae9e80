"""The export core and the engine compilers on purpose-made SOPs: expressions in SOP
text, parameter types, secrets with defaults, working directories, name clashes,
rollback SOPs with lint errors, YAML that reads the same in YAML 1.1 and 1.2."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import yaml
from exportkit import (
    SUFFIX,
    argo_unknown_keys,
    argo_validator,
    export,
    github_unknown_keys,
    github_validator,
    load,
    schema_errors,
)
from helpers import MINIMAL

from sopdocs.core.config import config_from_dict
from sopdocs.export.engines import dump_yaml
from sopdocs.export.writer import ManifestInvalid, export_paths

TYPED = """---
id: typed-params
title: Scale a worker pool
owner: team-sre
last_reviewed: 2026-10-01
parameters:
  pool:
    description: Worker pool
    resource: true
    enum: [blue, green]
  replicas:
    type: integer
    default: 3
  dry_run:
    type: boolean
    default: true
  version_tag:
    default: "1.10"
  api_token:
    description: Token of the scaling API
    secret: true
    default: hunter2-not-for-export
preconditions:
  - text: The pool exists
    command: kubectl get deploy "$POOL"
    confirm: true
    idempotent: true
rollback:
  - Scale the pool back by hand.
  - text: Restore the replica count
    command: kubectl scale deploy "$POOL" --replicas "$REPLICAS"
    confirm: true
  - text: Check the pool
    command: kubectl get deploy "$POOL"
---

# Scale a worker pool

## Steps

1. Scale the pool.

   ```sh timeout=90s workdir=deploy/k8s idempotent retries=2
   ./scale.sh "$POOL" "$REPLICAS"
   ```

   ```bash verify timeout=20s
   kubectl get deploy "$POOL" -o name
   ```

2. Tell the channel.
"""


def project_with(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "content").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / "content" / f"{name}.md").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def typed(tmp_path):
    project = project_with(tmp_path, **{"typed-params": TYPED})
    outputs = {}
    for target in SUFFIX:
        proc = export(cwd=project, target=target, out=project / target)
        assert proc.returncode == 0, proc.stderr
        outputs[target] = project / target / f"typed-params{SUFFIX[target]}"
    return outputs


def test_typed_sop_validates_everywhere(typed):
    argo = load(typed["argo"])
    github = load(typed["github-actions"])
    assert schema_errors(argo_validator(), argo) == [] and argo_unknown_keys(argo) == []
    assert schema_errors(github_validator(), github) == [] and github_unknown_keys(github) == []


def test_parameter_types(typed):
    argo = {p["name"]: p for p in load(typed["argo"])["spec"]["arguments"]["parameters"]}
    assert argo["pool"] == {"name": "pool", "enum": ["blue", "green"], "description": "Worker pool"}
    assert argo["replicas"]["value"] == "3"
    assert argo["dry_run"]["value"] == "true"
    assert argo["version_tag"]["value"] == "1.10"
    inputs = load(typed["github-actions"])["on"]["workflow_dispatch"]["inputs"]
    assert inputs["pool"] == {"description": "Worker pool", "required": True, "type": "choice", "options": ["blue", "green"]}
    assert inputs["replicas"] == {"required": False, "type": "number", "default": 3}
    assert inputs["dry_run"] == {"required": False, "type": "boolean", "default": True}
    assert inputs["version_tag"] == {"required": False, "type": "string", "default": "1.10"}
    call = load(typed["github-actions"])["on"]["workflow_call"]["inputs"]
    assert call["pool"]["type"] == "string"


def test_secret_default_is_never_exported(typed):
    for target in ("argo", "github-actions"):
        text = typed[target].read_text(encoding="utf-8")
        assert "hunter2" not in text, target
    argo = load(typed["argo"])
    assert "api_token" not in {p["name"] for p in argo["spec"]["arguments"]["parameters"]}
    script = next(t for t in argo["spec"]["templates"] if "script" in t)
    token = next(e for e in script["script"]["env"] if e["name"] == "API_TOKEN")
    assert token["valueFrom"]["secretKeyRef"] == {"name": "sop-typed-params-secrets", "key": "api_token", "optional": True}
    github = load(typed["github-actions"])
    assert github["on"]["workflow_call"]["secrets"] == {
        "SOP_API_TOKEN": {"description": "Token of the scaling API", "required": False}
    }


def test_working_directory_and_shell(typed):
    argo = {t["name"]: t for t in load(typed["argo"])["spec"]["templates"]}
    script = argo["step-1"]["script"]
    assert script["command"] == ["sh", "-e"]
    assert script["source"] == 'cd -- "$SOP_WORKDIR"\n./scale.sh "$POOL" "$REPLICAS"'
    assert {"name": "SOP_WORKDIR", "value": "deploy/k8s"} in script["env"]
    assert argo["step-1"]["activeDeadlineSeconds"] == "90"
    assert argo["step-1"]["retryStrategy"]["limit"] == "2"
    assert argo["step-1-verify-1"]["activeDeadlineSeconds"] == "20"
    assert "retryStrategy" not in argo["pre-1"]  # idempotent precondition: no retries count, no retry
    job = load(typed["github-actions"])["jobs"]["step-1"]
    run = next(s for s in job["steps"] if "SOP_COMMAND" in s.get("env", {}))
    assert run["working-directory"] == "deploy/k8s"
    assert run["shell"] == "sh"
    assert "timeout --kill-after=10s 90s sh -e -c" in run["run"]
    # an attempt is the command and then its probe (as in `sopdocs run`): 3 attempts of
    # 90 s + 20 s (+10 s grace to kill each) + 2 pauses of 10 s
    assert '&& timeout --kill-after=10s 20s bash --noprofile --norc -e -o pipefail -c "$SOP_VERIFY_1"' in run["run"]
    assert run["env"]["SOP_VERIFY_1"] and not any(s["name"].startswith("Verify:") for s in job["steps"])
    assert run["timeout-minutes"] == 7


def test_manual_rollback_entries_gate_their_jobs(typed):
    jobs = load(typed["github-actions"])["jobs"]
    assert [j for j in jobs if j.startswith("rollback")] == ["rollback-1", "rollback-2"]
    first, second = jobs["rollback-1"], jobs["rollback-2"]
    assert first["environment"] == second["environment"] == "sop-typed-params-approval"
    assert first["if"] == "failure() && needs.pre-1.result == 'success'"
    assert first["needs"] == ["pre-1", "step-1", "step-2"]
    assert [s["name"] for s in first["steps"]] == ["Approval: Scale the pool back by hand."]
    assert second["needs"] == ["rollback-1"]
    assert second["if"] == "failure() && needs.rollback-1.result == 'success'"
    # A command without `confirm` joins the job of the confirmed entry before it.
    assert [s["name"] for s in second["steps"]][1:] == [
        "Approval: Restore the replica count",
        "Restore the replica count",
        "Check the pool",
    ]


def test_yaml_reads_the_same_in_yaml_1_1_and_1_2(typed, argo_dir, github_dir):
    from ruamel.yaml import YAML

    strict = YAML(typ="safe", pure=True)
    strict.version = (1, 2)
    files = [typed["argo"], typed["github-actions"], *argo_dir.iterdir(), *github_dir.iterdir()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.safe_load(text) == strict.load(io.StringIO(text)), path.name


def test_dump_yaml_quotes_what_could_change_type():
    document = {"on": {"x": "yes"}, "limit": "3", "version": "1.10", "octal": "0o17", "text": 'say "hi"', "lines": "a\nb\n"}
    text = dump_yaml(document, ["header"])
    assert text.startswith("# header\n")
    assert yaml.safe_load(text) == document
    assert '"on":' in text and 'limit: "3"' in text and 'octal: "0o17"' in text


# --- refusals -------------------------------------------------------------------------

GO_TEMPLATE = MINIMAL.replace(
    "kubectl rollout restart deploy/api -n shop", "kubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'"
)
GITHUB_EXPRESSION = MINIMAL.replace("kubectl rollout restart deploy/api -n shop", 'echo "${{ github.token }}"')


def test_argo_refuses_text_it_would_expand(tmp_path):
    project = project_with(tmp_path, **{"restart-api": GO_TEMPLATE})
    proc = export(cwd=project, target="argo", out=project / "argo")
    assert proc.returncode == 1
    assert "content/restart-api.md: not exported: cannot compile to argo: `{{` in spec.templates[" in proc.stderr
    assert "(step-1).script.source" in proc.stderr
    assert not (project / "argo").exists()
    # GitHub Actions expands only ${{ ... }}; the manifest has no expressions at all.
    for target in ("github-actions", "manifest"):
        proc = export(cwd=project, target=target, out=project / target)
        assert proc.returncode == 0, proc.stderr


def test_github_actions_refuses_text_it_would_expand(tmp_path):
    project = project_with(tmp_path, **{"restart-api": GITHUB_EXPRESSION})
    proc = export(cwd=project, target="github-actions", out=project / "gha")
    assert proc.returncode == 1
    assert "cannot compile to github-actions: `${{` in jobs.step-1.steps[1](1. Restart the API pods.).run" in proc.stderr


def test_step_id_clashing_with_a_generated_name_is_refused(tmp_path):
    clash = MINIMAL.replace("```bash\n", "```bash id=pre-1\n")
    project = project_with(tmp_path, **{"restart-api": clash})
    for target in ("argo", "github-actions"):
        proc = export(cwd=project, target=target, out=project / target)
        assert proc.returncode == 1
        assert "would be named `pre-1`; give the step another `id=`" in proc.stderr


ROLLS_BACK_WITH = MINIMAL.replace("rollback:\n  - Start the previous release again.\n", "rollback:\n  sop: restart-api-undo\n")
UNDO = MINIMAL.replace("id: restart-api", "id: restart-api-undo").replace(
    "last_reviewed: 2026-10-01\n", "last_reviewed: 2026-10-01\nparameters:\n  release:\n    description: Release to return to\n"
)


def test_rollback_sop_parameters_join_the_workflow(tmp_path):
    project = project_with(tmp_path, **{"restart-api": ROLLS_BACK_WITH, "restart-api-undo": UNDO})
    for target in ("argo", "github-actions"):
        proc = export("content/restart-api.md", cwd=project, target=target, out=project / target)
        assert proc.returncode == 0, proc.stderr
    argo = load(project / "argo" / "restart-api.yaml")
    assert argo["spec"]["arguments"]["parameters"] == [
        {"name": "release", "description": "Release to return to (for the rollback SOP restart-api-undo)"}
    ]
    github = load(project / "github-actions" / "restart-api.yml")
    assert github["jobs"]["rollback"]["with"] == {"release": "${{ inputs.release }}"}
    assert "release" in github["on"]["workflow_dispatch"]["inputs"]
    assert schema_errors(github_validator(), github) == [] and github_unknown_keys(github) == []


def test_rollback_sop_with_lint_errors_blocks_the_engine_export(tmp_path):
    broken_undo = UNDO.replace("```bash\n", "```bash confrim\n")
    project = project_with(tmp_path, **{"restart-api": ROLLS_BACK_WITH, "restart-api-undo": broken_undo})
    proc = export("content/restart-api.md", cwd=project, target="argo", out=project / "argo")
    assert proc.returncode == 1
    assert "content/restart-api.md: not exported: cannot compile to argo: its rollback SOP restart-api-undo" in proc.stderr
    # The manifest only names the rollback SOP's manifest: it is exported.
    proc = export("content/restart-api.md", cwd=project, target="manifest", out=project / "manifest")
    assert proc.returncode == 0, proc.stderr


def test_invalid_manifest_is_a_bug_not_an_output(tmp_path, monkeypatch):
    import sopdocs.export.writer as core

    project = project_with(tmp_path, **{"restart-api": MINIMAL})
    real = core.build_manifest
    monkeypatch.setattr(core, "build_manifest", lambda doc: {**real(doc), "format": "v0"})
    config = config_from_dict({}, root=project)
    with pytest.raises(ManifestInvalid, match="content/restart-api.md: the manifest does not match .* at format"):
        export_paths(None, config, dt.date(2026, 11, 26), project / "out", cwd=project)
    assert not (project / "out").exists()
