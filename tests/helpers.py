"""Test helpers: lint SOP text written into a temporary directory and state the expected
problems by position, yamllint style: ``[(line, column, rule_id), ...]``."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sopdocs.core import clock
from sopdocs.core.config import config_from_dict
from sopdocs.lint.engine import Finding
from sopdocs.lint.files import lint_paths

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
# The day every test judges review dates by (and runs its runs on).
TODAY = "2026-11-26"
TODAY_DATE = dt.date.fromisoformat(TODAY)
# Runs made by tests happen on TODAY, whatever the machine's date: the runner's clock is
# shifted (test-only $SOPDOCS_TEST_CLOCK_SHIFT) so that it reads 09:00 UTC on TODAY when
# this module is imported, and runs on from there.
TEST_CLOCK_START = dt.datetime.fromisoformat(f"{TODAY}T09:00:00+00:00")
CLOCK_SHIFT = clock.shift_to(TEST_CLOCK_START)

# Material every developer has beside the checkout (../shared): real handbooks and the
# engines' published schemas. Tests that read it fail, never skip, when it is missing.
SHARED = Path(os.environ.get("SOPDOCS_SHARED") or REPO.parent / "shared")
CORPORA = SHARED / "corpora"
ENGINE_SCHEMAS = SHARED / "engine-schemas"


def installed_tool(name: str, install: str, purpose: str) -> str:
    """The path of a command-line tool the tests run (installed beside the interpreter, or
    on PATH), or a failed test that says what it is for and how to get it (never a skip).
    $SOPDOCS_TEST_<NAME> names another path: the suite-guard tests name a missing one."""
    chosen = os.environ.get("SOPDOCS_TEST_" + name.upper().replace("-", "_"))
    beside = Path(sys.executable).parent / name
    if chosen:
        found = chosen if Path(chosen).is_file() else None
    else:
        found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: {purpose}. scripts/setup test installs it (pyproject.toml's test extra): {install}", pytrace=False)
    return found


def require_shared(path: Path) -> Path:
    """``path`` (under SHARED), or a failed test that says what is missing and what to do."""
    if not path.exists():
        pytest.fail(
            f"{path} is missing: this test reads the shared developer material "
            f"({path.relative_to(SHARED) if path.is_relative_to(SHARED) else path}) from {SHARED}. "
            "Put the shared folder beside the checkout, or set SOPDOCS_SHARED to where it is.",
            pytrace=False,
        )
    return path


# The name `lint_text` gives to the text under test; other files sit beside it.
MAIN = "sop.md"

MINIMAL = (FIXTURES / "valid" / "minimal.md").read_text(encoding="utf-8")
FULL = (FIXTURES / "valid" / "postgres-add-column.md").read_text(encoding="utf-8")

# The front matter of MINIMAL (lines 1-9); a body appended to it starts on line 10.
FRONT = MINIMAL[: MINIMAL.index("---\n", 4) + 4]
# The body of MINIMAL; a front matter of N lines (delimiters included) puts it on line N+1.
BODY = MINIMAL[len(FRONT) :]


def sop(front_matter: str, body: str = BODY) -> str:
    """An SOP from front-matter keys (without the `---` lines): key lines start on line 2."""
    return "---\n" + front_matter + "---\n" + body


Problem = tuple[int, int, str]


def lint_findings(
    text: str | bytes | None,
    directory: Path,
    files: dict[str, str | bytes] | None = None,
    config: dict[str, Any] | None = None,
    today: str = TODAY,
    catalog_checks: bool = True,
) -> list[Finding]:
    """Write ``text`` to ``directory/sop.md`` (and ``files`` beside it), lint the
    directory with a config built from ``config``, and return every finding."""
    directory.mkdir(parents=True, exist_ok=True)
    written = dict(files or {})
    if text is not None:
        written[MAIN] = text
    for name, content in written.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    conf = config_from_dict(config or {}, root=directory)
    result = lint_paths([directory], conf, dt.date.fromisoformat(today), cwd=directory, catalog_checks=catalog_checks)
    return result.findings


def lint_text(
    text: str | bytes,
    directory: Path,
    files: dict[str, str | bytes] | None = None,
    config: dict[str, Any] | None = None,
    today: str = TODAY,
    catalog_checks: bool = True,
) -> list[Problem]:
    """Problems in ``text`` (the file `sop.md`) as sorted ``(line, column, rule)``."""
    findings = lint_findings(text, directory, files, config, today, catalog_checks)
    return sorted((f.line, f.column, f.rule) for f in findings if f.path == MAIN)


def lint_all(
    files: dict[str, str | bytes],
    directory: Path,
    config: dict[str, Any] | None = None,
    today: str = TODAY,
    catalog_checks: bool = True,
) -> list[tuple[str, int, int, str]]:
    """Problems in every file as sorted ``(path, line, column, rule)``."""
    findings = lint_findings(None, directory, files, config, today, catalog_checks)
    return sorted((f.path, f.line, f.column, f.rule) for f in findings)


def sopdocs_command() -> list[str]:
    """The installed `sopdocs` entry point of the interpreter running the tests."""
    script = Path(sys.executable).parent / "sopdocs"
    if script.is_file():
        return [str(script)]
    found = shutil.which("sopdocs")
    return [found] if found else [sys.executable, "-m", "sopdocs"]


def runner_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `sopdocs run` subprocess in a test: no SOPDOCS_/SOP_PARAM_
    settings from the caller, no colours, the tests' fixed today and clock."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SOPDOCS_", "SOP_PARAM_"))}
    base.update({"NO_COLOR": "1", "SOPDOCS_TODAY": TODAY, clock.SHIFT_ENV: CLOCK_SHIFT})
    base.update(extra or {})
    return base


def cli_env(env: dict[str, str] | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a CLI call in a test sees: the caller's, without its SOPDOCS_
    settings, no colours, the tests' clock, then ``env``."""
    found = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("SOPDOCS_")}
    found.update({"NO_COLOR": "1", clock.SHIFT_ENV: CLOCK_SHIFT})
    found.update(env or {})
    return found


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None, **_: object) -> subprocess.CompletedProcess:
    """Run the command line in this process (sopdocs.cli.main, as the console script
    does), in ``cwd``, with the environment of :func:`cli_env`. For tests where the
    process boundary is not what is tested: about a third of a second faster a call.
    `build` and `serve` run MkDocs in a child process, whose output only a subprocess
    can capture: they go through :func:`cli_process`."""
    if args and args[0] in ("build", "serve"):
        return cli_process(*args, cwd=cwd, env=env, input=input, timeout=600)
    from click.testing import CliRunner

    from sopdocs.cli import main

    wanted = cli_env(env)
    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in wanted}
    overrides.update(wanted)
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with CliRunner().isolation(input=input, env=overrides) as (stdout, stderr, _):
            try:
                main(list(args), own_process=False)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            out, err = stdout.getvalue(), stderr.getvalue()
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["sopdocs", *args], code, out.decode("utf-8"), err.decode("utf-8", "replace"))


def cli_process(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real `sopdocs` console script in a subprocess: for tests of what only a
    process shows (exit codes from signals, the installed entry point, output that
    another program reads), with the environment of :func:`cli_env`."""
    return subprocess.run(
        [*sopdocs_command(), *args],
        cwd=cwd,
        env=cli_env(env),
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@dataclass
class RunnerProject:
    """A temporary project whose SOPs the real runner runs (`sopdocs run` subprocesses,
    with the tests' day and clock); what the runner and metrics tests share."""

    root: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return runner_env(extra)

    def trail(self, sop_id: str = "demo") -> Path:
        return self.root / ".sopdocs" / "audit" / f"{sop_id}.jsonl"

    def records(self, sop_id: str = "demo", path: Path | None = None) -> list[dict]:
        return [json.loads(line) for line in (path or self.trail(sop_id)).read_text(encoding="utf-8").splitlines() if line.strip()]

    def sopdocs(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Any other command (audit verify, metrics, build...) in this process."""
        return cli(*args, cwd=self.root, env={"SOPDOCS_TODAY": TODAY, **(env or {})})


# --- accessibility: axe-core in a Playwright page -------------------------------------------

# The WCAG 2.x A and AA rules and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (axe-playwright-python)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return results.response["violations"]


def describe_violations(violations: list[dict], where: str = "") -> str:
    """axe's violations, one rule a paragraph: rule, impact, help, and each element with
    what to fix."""
    out = [f"{len(violations)} axe rule(s) violated{' on ' + where if where else ''}:"]
    for rule in violations:
        out.append(f"\n{rule['id']} ({rule['impact']}): {rule['help']} [{len(rule['nodes'])} element(s)]")
        for node in rule["nodes"][:8]:
            summary = " ".join((node.get("failureSummary") or "").split())
            out.append(f"  - {' '.join(map(str, node['target']))}\n      {summary}")
        if len(rule["nodes"]) > 8:
            out.append(f"  ... and {len(rule['nodes']) - 8} more")
    return "\n".join(out)
