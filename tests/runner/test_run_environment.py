"""A parameter's name cannot change which code a step runs, and a step's shell reads no
start-up file, whatever the caller's environment holds (core/environment.py)."""

from __future__ import annotations

import json

import pytest
from runkit import command_step, sop_text

from sopdocs.core.parser import parse_file
from sopdocs.export.manifest import build_manifest, dumps

EVIL = "touch evil-ran\n"


@pytest.fixture
def evil(project):
    script = project.root / "evil.sh"
    script.write_text(EVIL, encoding="utf-8")
    return script


@pytest.mark.parametrize("name", ["bash_env", "path", "ld_preload"])
def test_an_sop_with_a_reserved_parameter_is_refused_before_anything_runs(project, evil, name):
    extra = f"parameters:\n  {name}:\n    description: a trap\n    default: {evil}\n"
    project.write(sop_text([command_step("One.", "echo 1 >> log")], extra=extra))
    proc = project.run("sops/demo.md", "--yes", "-p", f"{name}={evil}")
    assert proc.returncode == 2
    assert "refusing to run an SOP with lint errors" in proc.stderr and "SOP106 parameter-name-reserved" in proc.stderr
    assert project.log() == [] and not (project.root / "evil-ran").exists() and not project.trail().exists()


def test_a_manifest_with_a_reserved_parameter_is_refused(project, evil):
    sop = project.write(sop_text([command_step("One.", "echo 1 >> log")], extra="parameters:\n  target:\n    default: x\n"))
    manifest = json.loads(dumps(build_manifest(parse_file(sop, "sops/demo.md"))))
    manifest["parameters"][0].update(name="bash_env", env="BASH_ENV", default=str(evil))
    (project.root / "demo.json").write_text(json.dumps(manifest), encoding="utf-8")
    proc = project.run("demo.json", "--yes")
    assert proc.returncode == 2
    assert "parameter 'bash_env' would set $BASH_ENV" in proc.stderr and "parameter-name-reserved" in proc.stderr
    assert project.log() == [] and not (project.root / "evil-ran").exists()


@pytest.mark.parametrize(("variable", "shell"), [("BASH_ENV", "bash"), ("ENV", "sh")])
def test_a_step_shell_reads_no_start_up_file_from_the_callers_environment(project, evil, variable, shell):
    project.write(sop_text([command_step("One.", "echo 1 >> log").replace("```bash", f"```{shell}")]))
    proc = project.run("sops/demo.md", "--yes", env={variable: str(evil)})
    assert proc.returncode == 0, proc.stderr
    assert project.log() == ["1"]
    assert not (project.root / "evil-ran").exists(), f"the step's {shell} ran ${variable}"
