"""Accessibility of the catalog site in headless Chromium: axe-core (WCAG 2.x A/AA and
best practices) finds nothing on any kind of page, in the light and the dark scheme, and
every control shows where the keyboard focus is. (The reliability page, built only with
metrics, is checked in tests/metrics/test_metrics_browser.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import sitekit
from helpers import axe_violations, describe_violations

# A day on which the catalog holds current, due-soon and overdue SOPs.
LATER_DAY = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)

PAGES = {
    "catalog": "/",
    "sop": "/batched-data-backfill/",
    "sop-due-soon": f"/{sitekit.DUE_SOON_ID}/",
    "sop-hostile": f"/{sitekit.XSS_ID}/",
    "sop-parameters": "/postgres-credential-rotation/",
    "search": "/search/",
    "owners": "/owners/",
    "owner": "/owners/team-platform/",
    "tags": "/tags/",
    "tag": "/tags/kubernetes/",
}
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's scheme


def open_page(new_tab, path: str, scheme: str):
    tab = new_tab(color_scheme=scheme)
    tab.page.clock.set_fixed_time(LATER_DAY)
    tab.goto(path)
    page = tab.page
    page.wait_for_load_state("networkidle")
    if path == "/search/":
        # The results and the filters are part of the page: axe checks them too.
        page.locator("[data-sop-search] .sop-search-input").fill("postgres")
        page.locator("[data-sop-search] a.sop-result-link").first.wait_for()
        page.wait_for_function("() => document.querySelectorAll('[data-sop-search-filter]').length === 4")
    if path == "/postgres-credential-rotation/":
        # Open what a responder opens: the details, the parameters, the header's results,
        # and the new-run confirmation.
        page.locator("details.sop-details summary").click()
        page.locator("details[data-sop-params] summary").click()
        page.check("input[data-sop-item=pre-1]")
        page.click("[data-sop-reset]")
        page.locator("[data-sop-confirm]").wait_for()
        page.locator("#sop-hsearch-input").fill("rollback")
        page.locator("#sop-hsearch-panel a.sop-result-link").first.wait_for()
    return tab


def assert_no_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations, where)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", PAGES)
def test_axe_finds_nothing(new_tab, kind, scheme):
    tab = open_page(new_tab, PAGES[kind], scheme)
    page = tab.page
    # The palette follows the system setting.
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == SCHEMES[scheme]
    assert_no_violations(page, f"{PAGES[kind]} ({scheme})")
    tab.assert_clean()


def palette_scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def test_the_toggle_switches_to_dark_and_the_choice_stays(new_tab):
    """Light system setting; the header's toggle cycles automatic -> light -> dark; the
    dark choice holds on the next page and after a reload, and axe finds nothing there."""
    tab = open_page(new_tab, PAGES["sop"], "light")
    page = tab.page
    toggle = page.locator("form[data-md-component=palette] label:visible")
    assert palette_scheme(page) == "default"
    assert toggle.get_attribute("title") == "Switch to light mode"
    toggle.click()
    assert palette_scheme(page) == "default"
    assert page.locator("form[data-md-component=palette] label:visible").get_attribute("title") == "Switch to dark mode"
    page.locator("form[data-md-component=palette] label:visible").click()
    assert palette_scheme(page) == "slate"
    assert_no_violations(page, f"{PAGES['sop']} (dark by the toggle)")
    page.reload()
    assert palette_scheme(page) == "slate"
    tab.goto("/")
    page.wait_for_load_state("networkidle")
    assert palette_scheme(page) == "slate"
    assert_no_violations(page, "/ (dark by the toggle)")
    # Back to the system setting (light here).
    page.locator("form[data-md-component=palette] label:visible").click()
    assert palette_scheme(page) == "default"
    tab.assert_clean()


FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), cls: String(el.className || ''), type: el.type || '',
            text: (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40),
            style: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0, color: style.outlineColor,
            body: el === document.body};
}"""


def tab_through(page, *, until=None, limit: int = 120) -> list[dict]:
    """Press Tab from the top of the page, recording the focused element each time, until
    ``until(focused)`` holds or focus leaves the page's controls (then it is on <body>)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["body"]:
            break
        seen.append(focused)
        if until and until(focused):
            break
    return seen


def unringed(seen: list[dict]) -> list[dict]:
    return [f for f in seen if f["style"] == "none" or f["width"] <= 0]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_tab_reaches_a_checklist_box_and_shows_a_focus_ring(new_tab, scheme, artifacts):
    tab = open_page(new_tab, PAGES["sop"], scheme)
    page = tab.page
    seen = tab_through(page, until=lambda f: f["tag"] == "input" and "sop-checkbox" in f["cls"])
    assert seen and "sop-checkbox" in seen[-1]["cls"], f"Tab never reached a checklist box: {seen}"
    box = seen[-1]
    assert box["style"] != "none" and box["width"] > 0, f"no focus ring on the checklist box: {box}"
    page.screenshot(path=str(artifacts / f"focus-checkbox-{scheme}.png"))
    assert not unringed(seen), f"controls without a visible focus ring: {unringed(seen)}"
    tab.assert_clean()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", ["catalog", "sop", "owner"])
def test_every_control_shows_its_focus(new_tab, kind, scheme):
    tab = open_page(new_tab, PAGES[kind], scheme)
    page = tab.page
    seen = tab_through(page, limit=400)
    assert len(seen) >= 5, seen
    assert not unringed(seen), f"controls without a visible focus ring on {PAGES[kind]} ({scheme}): {unringed(seen)}"
    tab.assert_clean()
