"""`sopdocs build` starts MkDocs having imported only what it needs to start it: the
sopdocs process waits for MkDocs, so whatever it imports first delays every build (the
site itself, the linter and the config reader were a tenth of a second at 1,000 SOPs).
Checked in a fresh interpreter, with the engine call recorded instead of run."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import REPO, cli_env

# What MkDocs' process imports anyway: the sopdocs process need not.
NOT_BEFORE_THE_ENGINE = ("sopdocs.site.build", "sopdocs.site.search", "sopdocs.site.reliability", "sopdocs.core.config",
                         "sopdocs.lint", "yaml", "markdown_it", "mkdocs")  # fmt: skip

PROBE = """
import json, sys
from sopdocs.site import engine
seen = {}
def call_engine(name, verb, mkdocs_file, args, env):
    seen.update(engine=[name, verb, str(mkdocs_file), *args], today=env.get("SOPDOCS_TODAY"), modules=sorted(sys.modules))
    return 0
engine.call_engine = call_engine
from sopdocs.cli import main
try:
    main(sys.argv[1:], own_process=False)
except SystemExit:
    pass
print(json.dumps(seen))
"""


def _started(tmp_path, *args: str) -> dict:
    (tmp_path / "mkdocs.yml").write_text("site_name: SOPs\nplugins: [sopdocs]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, env=cli_env({"PYTHONPATH": str(REPO)}),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in NOT_BEFORE_THE_ENGINE))


def test_build_starts_mkdocs_before_importing_the_site(tmp_path):
    seen = _started(tmp_path, "build", "-f", "mkdocs.yml", "-d", "out", "--today", "2026-11-26")
    assert seen["engine"] == ["mkdocs", "build", "mkdocs.yml", "-d", "out"]
    assert seen["today"] == "2026-11-26"
    assert _heavy(seen["modules"]) == []


def test_serve_starts_its_server_before_importing_the_site(tmp_path):
    seen = _started(tmp_path, "serve", "-f", "mkdocs.yml", "--today", "2026-11-26")
    assert seen["engine"][:2] == ["sopdocs.site.live", "serve"]
    assert _heavy(seen["modules"]) == []
