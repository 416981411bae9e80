"""The Hypothesis profiles (tests/fuzz/hypothesis_profiles.py): under $CI the examples are the same
on every run, so a failure there reproduces; elsewhere each run explores new ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis_profiles import profile_name

PROPERTY = '''
import os
from hypothesis import given, strategies as st


@given(st.lists(st.integers()))
def test_record(values):
    with open(os.environ["EXAMPLES_OUT"], "a", encoding="utf-8") as out:
        out.write(repr(values) + "\\n")
'''


def examples(tmp_path: Path, run: int, ci: bool) -> str:
    out = tmp_path / f"examples-{run}.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HYPOTHESIS_")) and k != "CI"}
    env["EXAMPLES_OUT"] = str(out)
    if ci:
        env["CI"] = "true"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "test_property.py"]
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out.read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("conftest.py", "hypothesis_profiles.py"):
        shutil.copy(Path(__file__).with_name(name), tmp_path / name)
    (tmp_path / "test_property.py").write_text(PROPERTY, encoding="utf-8")
    return tmp_path


def test_ci_runs_the_same_examples_every_time(project):
    first, second = examples(project, 1, ci=True), examples(project, 2, ci=True)
    assert first.count("\n") >= 50
    assert first == second


def test_local_runs_explore(project):
    assert examples(project, 1, ci=False) != examples(project, 2, ci=False)


def test_profile_choice():
    assert profile_name({"CI": "true"}) == "ci"
    assert profile_name({}) == "explore"
    assert profile_name({"CI": "true", "HYPOTHESIS_PROFILE": "long"}) == "long"
