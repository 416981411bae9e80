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

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def browser_unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: browser tests must run there)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        browser_unavailable(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        browser_unavailable(f"Playwright for Python is not installed: {exc}")
    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
