"""Fixtures for the catalog-site tests.

One build per test session (per xdist worker): content/*.md plus the SOPs of
tests/fixtures/site/, built by a real `sopdocs build --today 2026-11-26` subprocess
into a temporary project, served over HTTP on 127.0.0.1, and one headless Chromium
shared by every browser test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitekit


@pytest.fixture(scope="session")
def site_build(tmp_path_factory) -> sitekit.Build:
    """The catalog site, built once: content/ + fixture SOPs, as of 2026-11-26."""
    build = sitekit.build_catalog(tmp_path_factory.mktemp("site-build"))
    if build.result.returncode != 0:
        pytest.fail(
            f"sopdocs build failed with exit code {build.result.returncode}\n"
            f"--- stdout\n{build.result.stdout}\n--- stderr\n{build.result.stderr}",
            pytrace=False,
        )
    return build


@pytest.fixture(scope="session")
def site_server(site_build):
    with sitekit.SiteServer(site_build.site) as server:
        yield server


# --- browser ------------------------------------------------------------------------------


@dataclass
class Tab:
    """A page plus everything it reported: console errors, uncaught errors, dialogs and
    the URL of every request."""

    page: object
    context: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def goto(self, path: str, **options):
        response = self.page.goto(self.base_url + path, **options)
        assert response is not None and response.ok, f"GET {path}: {response and response.status}"
        return response

    def foreign_requests(self) -> list[str]:
        local = urlsplit(self.base_url).netloc
        return [url for url in self.requests if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != local]

    def assert_clean(self) -> None:
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.page_errors, f"uncaught page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.foreign_requests(), f"requests to other hosts: {self.foreign_requests()}"


@pytest.fixture
def new_tab(browser, site_server):
    """``new_tab(**context_options)`` -> :class:`Tab` in a fresh browser context (own
    localStorage, clock and permissions). Contexts are closed after the test."""
    contexts = []

    def make(**options) -> Tab:
        options.setdefault("timezone_id", "UTC")
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1400, "height": 1000})
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        tab = Tab(page, context, site_server.url)
        page.on("console", lambda msg: tab.console_errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda error: tab.page_errors.append(f"{page.url}: {error}"))

        def on_dialog(dialog):
            tab.dialogs.append(f"{page.url}: {dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("request", lambda request: tab.requests.append(request.url))
        return tab

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tab(new_tab) -> Tab:
    return new_tab()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    sitekit.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return sitekit.ARTIFACTS
