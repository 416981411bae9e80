"""Hostile SOP values in a real browser: `javascript:` links, very long values,
right-to-left and zero-width characters. Nothing may execute and the layout must hold."""

from __future__ import annotations

import pytest
import sitekit

LONG = "x" * 400
RLO, ZWSP, ZWJ = "\u202e", "\u200b", "\u200d"

HOSTILE = f"""---
id: hostile-values
title: "Restart{ZWSP} {RLO}srekrow{ZWJ} javascript:alert(1) {'y' * 150}"
owner: "team-{'z' * 95}"
backup_owner: "javascript:alert(2)"
escalation: ["javascript:alert(3)", "{RLO}evil{ZWSP}"]
status: approved
version: "{'9' * 50}"
tags: [{'t' * 50}]
last_reviewed: 2026-11-01
preconditions:
  - "[click me](javascript:alert(4)) and {LONG}"
rollback:
  - text: "[undo](javascript:alert(5))"
    command: "echo {LONG}"
---

# Hostile

A [link](javascript:alert(6)) and <a href="javascript:alert(7)">raw html</a> and {LONG}.

## Steps

1. Step with a [link](JaVaScRiPt:alert(8)) and {RLO}reversed text{ZWJ}.

   ```bash
   echo "{LONG}"
   ```
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    project = sitekit.make_project(root / "project", {"hostile-values.md": HOSTILE})
    result = sitekit.run_build(project, root / "site")
    assert result.returncode == 0, result.stderr
    with sitekit.SiteServer(root / "site") as server:
        yield root / "site", server.url


def test_hostile_values_run_nothing_and_keep_the_layout(browser, hostile_site):
    site, base = hostile_site
    html = (site / "hostile-values" / "index.html").read_text(encoding="utf-8")
    assert 'href="javascript:' not in html.lower()
    assert "<a href=\"javascript" not in html.lower()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for path in ("hostile-values/", "", "search/", "owners/"):
            page.goto(f"{base}/{path}")
            page.wait_for_timeout(200)
            # Nothing scrolls sideways: long values wrap instead of widening the page.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path}: page is {overflow}px wider than the window"
        page.goto(f"{base}/hostile-values/")
        for link in page.locator("a").all():
            href = (link.get_attribute("href") or "").strip().lower()
            assert not href.startswith("javascript:"), href
        # The hostile text is shown as text, direction controls included.
        assert "javascript:alert(2)" in page.locator(".sop-header").inner_text()
        assert "reversed text" in page.locator(".sop-steps").inner_text()
        # markdown-it refuses `javascript:` links (any case): the text stays, the link does not.
        assert page.locator(".sop-steps a").count() == 0
        assert "[link](JaVaScRiPt:alert(8))" in page.locator(".sop-steps").inner_text()
        assert not dialogs, dialogs
        assert not errors, errors
    finally:
        context.close()
