"""Adding a rule is adding its module: with one new file in a copy of the package (and
nothing else edited), the rule is listed, documented, configurable and run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from helpers import MINIMAL, REPO, cli_env

RULE = '''"""A step still says TBD.

## What it does
Reports a step whose title contains `TBD`.

## Why is this bad?
A responder cannot follow a step that was never written.

## Example
```markdown
1. TBD
```

## Use instead
```markdown
1. Drain the node before the restart.
```
"""

ID = "step-tbd"
CODE = "SOP499"
SEVERITY = "warning"
SCOPE = "document"
FIX = "none (the step is the author's to write)"


def check(doc, conf, ctx):
    for step in doc.steps:
        if "TBD" in step.title:
            yield step.position, f"step {step.number} still says TBD; write it"
'''


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    root = tmp_path_factory.mktemp("package")
    shutil.copytree(REPO / "sopdocs", root / "sopdocs", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "sopdocs" / "lint" / "rules" / "step_tbd.py").write_text(RULE, encoding="utf-8")
    return root


def sopdocs(package, cwd, *args):
    env = cli_env({"PYTHONPATH": str(package)})
    return subprocess.run([sys.executable, "-m", "sopdocs", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_new_rule_is_listed_and_documented(package, tmp_path):
    listed = sopdocs(package, tmp_path, "rules", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {"code": "SOP499", "id": "step-tbd", "severity": "warning", "scope": "document", "fixable": False, "summary": "A step still says TBD."} in rows
    assert [row["code"] for row in rows] == sorted(row["code"] for row in rows)
    explained = sopdocs(package, tmp_path, "rules", "explain", "SOP499")
    assert explained.stdout.startswith("SOP499 step-tbd (default severity: warning, scope: document)")
    assert "## Use instead" in explained.stdout
    reference = sopdocs(package, tmp_path, "rules", "--format", "markdown").stdout
    assert "| SOP499 | [`step-tbd`](#step-tbd) | warning | document |  | A step still says TBD. |" in reference
    assert "\n## step-tbd\n" in reference


def test_the_new_rule_runs_and_is_configured_like_any_other(package, tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "restart-api.md").write_text(MINIMAL.replace("1. Restart", "1. TBD restart"), encoding="utf-8")
    found = sopdocs(package, tmp_path, "lint", "--today", "2026-11-26", "--no-cache")
    assert found.returncode == 0, found.stdout + found.stderr  # a warning
    assert "content/restart-api.md:16:1: warning SOP499 step-tbd: step 1 still says TBD; write it" in found.stdout
    (tmp_path / "sopdocs.yml").write_text("rules:\n  SOP499: error\n", encoding="utf-8")
    assert sopdocs(package, tmp_path, "lint", "--today", "2026-11-26", "--no-cache").returncode == 1
    (tmp_path / "sopdocs.yml").write_text("rules:\n  step-tbd: {days: 3}\n", encoding="utf-8")
    bad = sopdocs(package, tmp_path, "lint", "--today", "2026-11-26", "--no-cache")
    assert bad.returncode == 2 and "step-tbd: unknown option `days`; it has no options, only `severity`" in bad.stderr


def test_this_checkout_has_no_such_rule():
    from sopdocs.lint import rules

    assert "step-tbd" not in rules.RULES  # the copy above, not the package under test, has it
