from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers


@pytest.fixture
def lint_text(tmp_path):
    """``lint_text(text, files=None, config=None, today="2026-11-26")`` -> sorted
    ``[(line, column, rule), ...]`` for the text, linted in ``tmp_path``."""
    return functools.partial(helpers.lint_text, directory=tmp_path / "sops")


@pytest.fixture
def lint_findings(tmp_path):
    """Like ``lint_text`` but returns every :class:`~sopdocs.lint.Finding` of the run."""
    return functools.partial(helpers.lint_findings, directory=tmp_path / "sops")


@pytest.fixture
def lint_all(tmp_path):
    """``lint_all({name: text, ...})`` -> sorted ``[(path, line, column, rule), ...]``."""
    return functools.partial(helpers.lint_all, directory=tmp_path / "sops")


# --- the browser: one Playwright and one Chromium per test process ---------------------
# (two sync Playwright instances cannot live in one process, and tests/site and
# tests/metrics both drive the browser)

CHROMIUM = Path(os.environ.get("SOPDOCS_TEST_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def browser_missing(reason: str):
    """Browser tests fail, never skip, without their browser: a skip would hide them."""
    pytest.fail(
        f"{reason}. The browser tests need it: `scripts/setup test` installs Debian's chromium and Playwright "
        "(or leave these tests out on purpose with -m 'not browser').",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        browser_missing(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        browser_missing(f"Playwright for Python is not installed ({exc})")
    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Tests whose outcome could depend on the machine's clock (trail times, git dates, "days
# since"): marked `clock`, and run again with the clock moved years forward and back by
# tests/runner/test_run_clock.py. (The metrics browser tests show in a browser what
# test_metrics_site checks in the HTML.)
CLOCK_DEPENDENT = (
    "metrics/test_metrics_figures.py",
    "metrics/test_metrics_site.py",
    "metrics/test_metrics_trails.py",
    "metrics/test_metrics_exposition.py",
    "runner/test_run_audit.py",
    "runner/test_run_clock.py::test_runs_fall_on_the_tests_day",
    "adoption/test_report.py",
    "adoption/test_rubber_stamp.py",
)


# The longest tests (tens of seconds each, much of it waiting on other processes) start
# first, so that two test processes (`pytest -n 2`) do not end with one of them alone
# on a long test.
LONGEST_FIRST = (
    "runner/test_run_clock.py::test_clock_dependent_tests_pass_with_the_clock_moved",
    "adoption/test_precommit.py::test_try_repo_with_the_real_manifest",
    "adoption/test_action.py::test_every_step_including_the_install",
    "site/test_browser.py::test_no_errors_and_no_foreign_requests_on_any_page",
)


# The language-server tests run pygls under asyncio.run(), which refuses to start in a
# process where the browser tests' sync Playwright already runs its event loop (the
# browser is session-wide): they go first, before any browser test in the same test
# process, even the longest ones (one of which drives the browser).
BEFORE_THE_BROWSER = ("lsp/",)


def pytest_collection_modifyitems(items):
    tests = Path(__file__).resolve().parent

    def rank(item) -> int:
        where = item.path.relative_to(tests).as_posix() + "::" + item.name
        return 0 if where.startswith(BEFORE_THE_BROWSER) else 1 if where.startswith(LONGEST_FIRST) else 2

    items.sort(key=rank)
    for item in items:
        # Every test that drives the browser is marked, so `-m "not browser"` leaves
        # them out on purpose; nothing leaves them out silently.
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        where = item.path.relative_to(tests).as_posix() + "::" + item.name
        if where.startswith(CLOCK_DEPENDENT):
            item.add_marker(pytest.mark.clock)
