"""Progress of long runs: a line on a terminal, nothing in logs and CI."""

from __future__ import annotations

import io

import pytest
from lintkit import SIZE

from sopdocs.core import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def immediate(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)


def run(stream, total=1000, **kwargs):
    with progress.Progress("linting", total, stream=stream, **kwargs) as bar:
        for _ in range(total):
            bar.advance()
    return stream.getvalue()


def test_a_terminal_sees_a_line_that_is_erased_at_the_end():
    out = run(Terminal())
    assert "\rlinting 1/1,000" in out
    assert "\rlinting 1,000/1,000" in out
    assert out.endswith("\r" + " " * len("linting 1,000/1,000") + "\r")
    assert "\n" not in out


def test_nothing_when_not_a_terminal():
    assert run(io.StringIO()) == ""


def test_nothing_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert run(Terminal()) == ""


def test_nothing_on_a_dumb_terminal(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    assert run(Terminal()) == ""


def test_nothing_for_short_runs():
    assert run(Terminal(), total=progress.MIN_ITEMS - 1) == ""


def test_nothing_before_the_delay(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 3600.0)
    assert run(Terminal()) == ""


def test_can_be_forced_off():
    assert run(Terminal(), enabled=False) == ""


def test_a_closed_stream_is_not_an_error():
    stream = Terminal()
    bar = progress.Progress("linting", 500, stream=stream)
    stream.close()
    bar.advance()
    bar.close()


def test_cli_lint_is_quiet_when_piped(catalog):
    from helpers import cli

    proc = cli("lint", "--today", "2026-11-26", "--format", "json", "-o", "report.json", cwd=catalog, timeout=180)
    assert proc.returncode == 1
    assert "\r" not in proc.stderr
    assert proc.stderr.count("\n") == 1  # the summary line only


@pytest.mark.parametrize("jobs", [1, 2])
def test_lint_shows_progress_on_a_terminal(catalog, monkeypatch, jobs):
    import datetime as dt

    from sopdocs.core.config import load_config
    from sopdocs.lint.fast import Options
    from sopdocs.lint.files import lint_paths

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    config = load_config(catalog / "sopdocs.yml")
    options = Options(jobs=jobs, cache=False, parallel_min=0)
    lint_paths(None, config, dt.date(2026, 11, 26), cwd=catalog, fast=options)
    out = terminal.getvalue()
    assert f"\rlinting {SIZE}/{SIZE}" in out
    assert out.endswith("\r")


def test_parse_paths_shows_progress_on_a_terminal(catalog, monkeypatch):
    """Export and the other callers that read whole documents."""
    from sopdocs.core.config import load_config
    from sopdocs.core.discover import discover
    from sopdocs.core.parser import parse_files

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    config = load_config(catalog / "sopdocs.yml")
    parse_files(discover([catalog / "sops"], config, catalog), config, catalog)
    assert f"\rreading {SIZE}/{SIZE}" in terminal.getvalue()
