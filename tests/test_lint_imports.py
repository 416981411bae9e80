"""`sopdocs lint` imports only what it uses: not the site (MkDocs, Material, Python-Markdown),
the exporters, the runner, the language server, nor the Python JSON Schema validator or
markdown-it-py when every file is valid and read by the fast body parse. Checked in a
fresh interpreter (the test process has imported everything already)."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import REPO, cli_env

FORBIDDEN = (
    "mkdocs", "material", "markdown", "markdown_it", "jsonschema", "pygls", "lsprotocol", "playwright", "pagefind",
    "cbor2", "sopdocs.site", "sopdocs.export", "sopdocs.run", "sopdocs.health", "sopdocs.lsp", "sopdocs.author",
    "sopdocs.cli.site", "sopdocs.cli.export", "sopdocs.cli.run", "sopdocs.cli.health", "sopdocs.cli.lsp", "sopdocs.cli.author",
)

PROBE = """
import json, sys
from sopdocs.cli import main
try:
    main(sys.argv[1:], own_process=False)
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

SOP = """---
id: restart-api
title: Restart the API
owner: team-platform
last_reviewed: 2026-10-01
preconditions: [You are on call.]
rollback: [Start it again.]
---

# Restart the API

See [the runbook](restart-api.md).

## Steps

1. Restart it.

   ```bash timeout=5m
   systemctl restart api
   ```
"""


def imported(tmp_path, *args: str) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, env=cli_env({"PYTHONPATH": str(REPO)}),
                          capture_output=True, text=True, timeout=120)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def test_lint_imports_only_what_it_uses(tmp_path):
    (tmp_path / "restart-api.md").write_text(SOP, encoding="utf-8")
    code, modules = imported(tmp_path, "lint", "restart-api.md", "--today", "2026-11-26", "--no-cache")
    assert code in (0, None)
    assert "sopdocs.lint.fast" in modules and "pyromark" in modules  # the probe ran the lint
    assert heavy(modules) == []


def test_the_probe_sees_heavy_imports(tmp_path):
    """The same probe on a command that needs the exporters: they show up (the check above can fail)."""
    (tmp_path / "restart-api.md").write_text(SOP, encoding="utf-8")
    code, modules = imported(tmp_path, "export", "restart-api.md", "--today", "2026-11-26", "-o", str(tmp_path / "out"))
    assert "sopdocs.export" in heavy(modules)


def test_a_lint_the_last_run_answers_imports_no_parser_nor_rules(tmp_path):
    """The second lint of unchanged files is answered from the run record
    (sopdocs.lint.snapshot): it needs neither the parser, the rules nor worker processes."""
    import os
    import time

    (tmp_path / "restart-api.md").write_text(SOP, encoding="utf-8")
    old = time.time() - 60  # old enough for its stat to stand for its content
    os.utime(tmp_path / "restart-api.md", (old, old))
    time.sleep(2.1)  # the change time too (STAT_SLACK_NS)
    args = ("lint", "restart-api.md", "--today", "2026-11-26")
    code, first = imported(tmp_path, *args)
    assert code in (0, None) and "sopdocs.lint.rules" in first and "pyromark" in first  # the full lint
    code, modules = imported(tmp_path, *args)
    assert code in (0, None)
    assert "sopdocs.lint.snapshot" in modules
    lazy = ("pyromark", "sopdocs.core.parser", "sopdocs.lint.rules", "multiprocessing", "importlib.metadata")
    assert sorted(m for m in modules if m.split(".")[0] in lazy or any(m == p or m.startswith(p + ".") for p in lazy)) == []
    assert heavy(modules) == []
