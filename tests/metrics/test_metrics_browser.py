"""The reliability page and an SOP page with run figures, in headless Chromium."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from helpers import axe_violations, describe_violations
from metricskit import SITE_TODAY


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(metrics_site):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(metrics_site.site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture
def page(browser, server):
    """A fresh page; after the test: no console errors, uncaught errors, dialogs or
    requests to other hosts."""
    context = browser.new_context(timezone_id="UTC", locale="en-US", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.base = server
    yield page
    foreign = [
        u for u in requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != urlsplit(server).netloc
    ]
    context.close()
    assert not problems, problems
    assert not foreign, foreign


def test_reliability_page_ranks_and_lists(page, scenario, tmp_path):
    page.goto(page.base + "/")
    page.get_by_role("link", name="Reliability").first.click()
    page.wait_for_url("**/reliability/")
    assert page.locator("h1").inner_text().startswith("Reliability")
    rows = page.locator("[data-sop-ranking] tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.id)") == ["alpha", "beta", "gamma", "ghost-sop"]
    first = rows.nth(0).inner_text()
    assert "Alpha procedure" in first and "*" not in first
    assert rows.nth(0).locator('[data-sop-figure="failure-rate"]').inner_text() == "57% (of 7 runs)"
    assert rows.nth(0).locator('[data-sop-figure="rollback-rate"]').inner_text() == "57% (of 7 runs)"
    second = rows.nth(1)  # beta: 3 finished runs, so every rate is marked
    assert second.locator('[data-sop-figure="rollback-rate"]').inner_text() == "33% (of 3 runs)*"
    marks = second.locator("[data-sop-low-confidence]")
    assert marks.count() == 2 and marks.first.is_visible()
    assert marks.first.get_attribute("title") == "low confidence: fewer than 5 runs"
    assert "(not in the catalog)" in rows.nth(3).inner_text()
    assert "<img src=x onerror=alert(1)>" in rows.nth(3).inner_text()  # shown as text

    assert page.locator("[data-sop-never-run] li").all_inner_texts() == ["Delta never run delta · team-data"]
    stale = page.locator("[data-sop-stale] tbody tr")
    last_runs = {
        sop_id: scenario.records(label).start["time"] for sop_id, label in (("alpha", "a8"), ("beta", "b4"), ("gamma", "g1"))
    }
    # Oldest last run first.
    assert stale.evaluate_all("rows => rows.map(r => r.dataset.id)") == sorted(last_runs, key=last_runs.get)
    days = (dt.date.fromisoformat(SITE_TODAY) - dt.date.fromisoformat(last_runs["alpha"][:10])).days
    assert page.locator('[data-sop-stale] tr[data-id="alpha"] [data-days]').inner_text() == str(days)
    totals = page.locator("[data-sop-owner-totals] tbody tr")
    assert totals.evaluate_all("rows => rows.map(r => r.dataset.owner)") == sorted(
        ["team-sre", "team-data", "<img src=x onerror=alert(1)>"]
    )
    assert page.locator("[data-sop-broken-trails]").is_visible()
    page.screenshot(path=str(tmp_path / "reliability.png"), full_page=True)


def test_sop_page_shows_figures_and_trend(page, scenario):
    page.goto(page.base + "/alpha/")
    box = page.locator("[data-sop-metrics]")
    assert box.is_visible()
    assert box.locator('[data-sop-figure="success-rate"]').inner_text() == "43% (of 7 runs)"
    assert box.locator('[data-sop-figure="rollback-rate"]').inner_text() == "57% (of 7 runs)"
    last = scenario.records("a8").start["time"][:10]
    assert box.locator('[data-sop-figure="last-run"]').inner_text().split() == [last, "success"]
    trend = box.locator("svg[data-sop-trend]")
    assert trend.is_visible()
    bars = trend.locator("rect")
    assert bars.count() == 8
    assert bars.evaluate_all("bars => bars.map(b => b.getAttribute('data-result'))")[2:4] == ["failure", "timeout"]
    tooltip = bars.nth(3).locator("title").text_content()
    assert scenario.records("a4").start["time"][:10] in tooltip and "timeout" in tooltip and "rollback success" in tooltip
    box_height = trend.bounding_box()["height"]
    assert 20 <= box_height <= 40
    # The checklist still works beside the figures.
    page.locator("input[data-sop-item]").first.check()
    assert page.locator("[data-sop-progress]").inner_text().startswith("1 of")


def test_low_confidence_is_marked_on_the_page(page):
    page.goto(page.base + "/beta/")
    rate = page.locator('[data-sop-metrics] [data-sop-figure="success-rate"]')
    assert rate.inner_text() == "67% (of 3 runs) low confidence"
    assert rate.locator("[data-sop-low-confidence]").get_attribute("title") == "low confidence: fewer than 5 runs"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/reliability/", "/alpha/"])
def test_axe_finds_nothing_on_the_reliability_page_and_a_page_with_figures(page, path, scheme):
    """The reliability page and an SOP page with its figures and trend: no axe-core
    violation (WCAG A/AA and best practices) in the light and the dark scheme."""
    page.emulate_media(color_scheme=scheme)
    page.goto(page.base + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == ("slate" if scheme == "dark" else "default")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations, f"{path} ({scheme})")


@pytest.mark.parametrize("width", [360, 390])
def test_the_reliability_page_and_figures_do_not_scroll_sideways_on_a_phone(page, width):
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/reliability/", "/alpha/"):
        page.goto(page.base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls {overflow}px sideways at {width}px"
