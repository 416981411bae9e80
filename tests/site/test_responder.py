"""The SOP page as a responder uses it at 3 a.m., in a real browser: what the first
screen shows, parameters carried into the commands (as data, never as code), the run
log, a new run that asks first and can be undone, checkbox names, and pages that never
scroll sideways on a phone."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
import sitekit

pytestmark = pytest.mark.browser

BUILD_DAY = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
ROTATION = "postgres-credential-rotation"  # content/: long title, parameters, a secret, escalation
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def at(new_tab, **options):
    tab = new_tab(**options)
    tab.page.clock.set_fixed_time(BUILD_DAY)
    return tab


def bottom(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"] + box["height"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("sop", [ROTATION, sitekit.QUOKKA_ID])
def test_first_screen_has_title_badges_owner_escalation_rollback_and_the_checklist(new_tab, viewport, sop):
    tab = at(new_tab, viewport=viewport)
    tab.goto(f"/{sop}/")
    page = tab.page
    height = viewport["height"]
    for selector in ("h1", ".sop-header .sop-badges", ".sop-people a[href*='owners/']", ".sop-jump--rollback", "input[data-sop-item]"):
        assert bottom(page, selector) <= height, f"{selector} is below the first screen ({bottom(page, selector)} > {height})"
    assert page.locator(".sop-run").is_visible()
    if sop == ROTATION:
        assert page.locator(".sop-jump--rollback").inner_text() == "Rollback (3 steps)"
        assert bottom(page, ".sop-people a.sop-contact") <= height
    page.locator(".sop-jump--rollback").click()
    page.wait_for_function("() => location.hash === '#rollback'")
    top = page.locator("h2#rollback").bounding_box()["y"]
    run_bar = page.locator(".sop-run").bounding_box()
    assert top >= run_bar["y"] + run_bar["height"] - 1, "the sticky run bar hides the Rollback heading"
    tab.assert_clean()


def test_escalation_entries_are_links_by_the_sites_patterns(new_tab):
    tab = at(new_tab)
    tab.goto(f"/{ROTATION}/")
    links = tab.page.eval_on_selector_all(".sop-people a.sop-contact", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    assert links == [
        ["#security-oncall", "https://chat.example.com/channels/security-oncall"],
        ["#data-platform-oncall", "https://chat.example.com/channels/data-platform-oncall"],
        ["pagerduty:security-primary", "https://example.pagerduty.com/escalation_policies?query=security-primary"],
    ]
    # The secondary facts are there, folded.
    details = tab.page.locator("details.sop-details")
    assert not details.evaluate("d => d.open")
    assert "1.4.0" in details.locator("summary").inner_text()
    details.locator("summary").click()
    assert tab.page.locator(".sop-facts dt", has_text="Approvers").is_visible()
    tab.assert_clean()


def test_each_checkbox_is_named_by_its_steps_text(new_tab):
    tab = at(new_tab)
    tab.goto(f"/{sitekit.QUOKKA_ID}/")
    page = tab.page
    for box in page.locator("input[data-sop-item]").all():
        item = box.get_attribute("data-sop-item")
        text = page.locator(f"#{item}-text")
        name = " ".join(text.inner_text().split()) if text.count() else None
        if name:
            assert box.get_attribute("aria-labelledby") == f"{item}-text"
            assert page.get_by_role("checkbox", name=name, exact=True).count() == 1, name
        else:  # an item that starts with a code block
            assert box.get_attribute("aria-label").split()[0] in ("Precondition", "Step", "Check", "Rollback")
    tab.assert_clean()


# A parameter field is one line (an <input>): quotes, $(), backticks, ${...} and ; are
# the ways a value could turn into code.
HOSTILE = "it's $(touch PWNED) `touch PWNED2` \"q\" ${HOME}; rm -rf nothing \\ '"


def test_parameters_reach_the_commands_as_data_and_survive_a_reload(new_tab, tmp_path):
    tab = at(new_tab, viewport=DESKTOP)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab.goto(f"/{ROTATION}/")
    page = tab.page
    params = page.locator("details[data-sop-params]")
    assert params.is_visible()
    params.locator("summary").click()
    assert page.locator("#sop-param-aws_region").input_value() == "eu-west-1"  # the default, prefilled
    assert page.locator("#sop-param-admin_dsn").count() == 0  # a secret is never asked for
    assert "ADMIN_DSN" in params.locator(".sop-param-secrets").inner_text()
    page.locator("#sop-param-secret_id").fill(HOSTILE)
    assert "secret_id" not in page.url.lower() and "PWNED" not in page.url

    # The precondition that reads $SECRET_ID now starts with its export line.
    code = page.locator("#pre-4 .sop-code pre > code")
    shown = code.inner_text()
    assert shown.startswith("export SECRET_ID='it'\\''s $(touch PWNED)"), shown
    assert "export AWS_REGION" not in shown  # only the values the command uses
    page.locator("#pre-4 [data-sop-copy]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == code.text_content()

    # Run as the reader would: the value arrives as data, nothing runs.
    prefix = copied.split("\n! aws", 1)[0]
    result = subprocess.run(
        ["bash", "-c", prefix + '\nprintf %s "$SECRET_ID"'], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout == HOSTILE
    assert not list(tmp_path.iterdir()), "the value ran as code"

    page.reload()
    assert page.locator("#sop-param-secret_id").input_value() == HOSTILE
    assert page.locator("#pre-4 .sop-code pre > code").inner_text().startswith("export SECRET_ID=")
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "ADMIN_DSN" not in stored
    tab.assert_clean()


def test_run_log_is_a_markdown_timeline(new_tab):
    tab = at(new_tab, viewport=DESKTOP)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab.goto(f"/{ROTATION}/")
    page = tab.page
    page.locator("details[data-sop-params] summary").click()
    page.locator("#sop-param-database").fill("orders")
    page.locator("#sop-run-by").fill("Ana (on call)")
    page.check("input[data-sop-item=pre-1]")
    page.check("input[data-sop-item=pre-3]")  # pre-2 skipped
    page.click("[data-sop-log]")
    page.wait_for_function("() => document.querySelector('[data-sop-note]').textContent.startsWith('Run log copied')")
    log = page.evaluate("navigator.clipboard.readText()")
    lines = log.splitlines()
    assert lines[0].startswith("### Run log: Rotate an application")
    assert f"- SOP: `{ROTATION}` version 1.4.0" in lines
    assert "- Run by: Ana (on call)" in lines
    assert "DATABASE='orders'" in log and "AWS_REGION='eu-west-1'" in log
    assert "- Secrets (not recorded): ADMIN_DSN" in lines
    ticked = [line for line in lines if line.startswith("- [x] ")]
    assert [line.split(" ", 4)[3:] for line in ticked][0][0] == "12:00:00Z"
    assert ticked[0].startswith("- [x] 2026-11-26 12:00:00Z Precondition 1: The application pair of roles exists")
    assert ticked[1].startswith("- [x] 2026-11-26 12:00:00Z Precondition 3: Statement logging")
    assert [line for line in lines if "SKIPPED" in line] == ["- [ ] SKIPPED Precondition 2: psql 15 or newer is installed (the password is passed with \\getenv, never on the command line)"]
    assert "- Progress: 2 of 13 done, 1 skipped, 10 not reached" in lines
    tab.assert_clean()


def test_a_new_run_asks_first_and_can_be_undone(new_tab):
    tab = at(new_tab)
    tab.goto(f"/{sitekit.QUOKKA_ID}/")
    page = tab.page
    page.check("input[data-sop-item=step-1]")
    page.check("input[data-sop-item=step-2]")
    page.click("[data-sop-reset]")
    confirm = page.locator("[data-sop-confirm]")
    assert confirm.is_visible() and confirm.get_attribute("role") == "alertdialog"
    assert "2 ticks" in confirm.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-sop-confirm-yes')")
    page.keyboard.press("Escape")  # cancel: nothing lost
    assert not confirm.is_visible() and page.is_checked("input[data-sop-item=step-2]")

    page.click("[data-sop-reset]")
    page.click("[data-sop-confirm-yes]")
    assert not page.is_checked("input[data-sop-item=step-1]")
    assert page.locator("[data-sop-progress]").inner_text() == "0 of 5 done"
    page.check("input[data-sop-item=step-3]")  # a tick in the new run
    page.click("[data-sop-undo]")
    assert page.is_checked("input[data-sop-item=step-1]") and page.is_checked("input[data-sop-item=step-2]")
    assert not page.is_checked("input[data-sop-item=step-3]")
    page.reload()
    assert page.is_checked("input[data-sop-item=step-1]") and page.locator("[data-sop-progress]").inner_text() == "2 of 5 done"
    tab.assert_clean()


PAGES = ["", "search/?q=rollback", "owners/", "owners/team-platform/", "tags/", "tags/kubernetes/", f"{ROTATION}/", f"{sitekit.XSS_ID}/"]


@pytest.mark.parametrize("width", [360, 390])
def test_no_page_scrolls_sideways_on_a_phone(new_tab, width):
    tab = at(new_tab, viewport={"width": width, "height": 800})
    page = tab.page
    for path in PAGES:
        tab.goto(f"/{path}")
        if path.startswith("search/"):
            page.wait_for_function("() => document.querySelector('[data-sop-search] .sop-search-input')?.getAttribute('data-sop-searched') === 'rollback'")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"/{path} scrolls {overflow}px sideways at {width}px"
    tab.assert_clean()


def test_catalog_is_cards_on_a_phone_and_a_wide_table_on_a_desktop(new_tab):
    phone = at(new_tab, viewport=PHONE)
    phone.goto("/")
    row = phone.page.locator("tr[data-sop-row]").first
    assert row.evaluate("r => getComputedStyle(r).display") == "grid"
    assert phone.page.locator("thead").first.is_hidden()
    for cell in (".sop-col-title", ".sop-col-owner", ".sop-col-status", ".sop-col-review", ".sop-col-tags"):
        assert row.locator(cell).is_visible(), cell
    for cell in (".sop-col-layer", ".sop-col-risk", ".sop-col-reviewed"):
        assert row.locator(cell).is_hidden(), cell
    phone.assert_clean()

    desk = at(new_tab, viewport=DESKTOP)
    desk.goto("/")
    table = desk.page.locator("table.sop-table").bounding_box()
    assert table["width"] > 900, table  # the width the table of contents would take
    # No word is broken inside: every cell's words fit on their lines.
    broken = desk.page.evaluate(
        """() => Array.from(document.querySelectorAll('.sop-col-layer, .sop-col-owner a, .sop-tag'))
             .filter(el => el.scrollWidth > el.clientWidth + 1 || el.getClientRects().length > 1 && !/[-\\s]/.test(el.textContent))
             .map(el => el.textContent)"""
    )
    assert broken == []
    desk.assert_clean()
