"""The catalog site in a real browser (headless Chromium through Playwright), served over
HTTP from the session build."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sitekit

from sopdocs.core.text import slugify
from sopdocs.site import index_pages

BUILD_DAY = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
LATER_DAY = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)

ROWS = "[data-sop-table] tbody tr[data-sop-row]"
SEARCH_INPUT = "#sop-hsearch-input"  # the header's box, on every page
PAGE_INPUT = "[data-sop-search] .sop-search-input"  # the Search page's box
SEARCH_RESULT = ".sop-result"


@pytest.fixture(scope="module")
def sops(site_build) -> list[dict]:
    return json.loads((site_build.site / "sops.json").read_text(encoding="utf-8"))["sops"]


def at(new_tab, when: dt.datetime, **options):
    """A tab whose clock reads ``when`` from the first script on (set before navigation)."""
    tab = new_tab(**options)
    tab.page.clock.set_fixed_time(when)
    return tab


def visible_rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        ROWS,
        """rows => rows.filter(r => !r.hidden).map(r => ({
            id: r.dataset.id, owner: r.dataset.owner, reviewed: r.dataset.reviewed,
            risk: r.dataset.risk, staleness: r.dataset.staleness}))""",
    )


def shown_text(page) -> str:
    return page.locator("[data-sop-shown]").inner_text().strip()


def search(page, words: str, box: str = SEARCH_INPUT) -> list[str]:
    """Type into a search box like a user; returns the result links (hrefs) of the search
    for the whole of ``words``, once every result has loaded."""
    input_ = page.locator(box)
    input_.wait_for(state="visible")
    input_.fill("")
    input_.press_sequentially(words, delay=15)
    return results_for(page, words, box)


def results_for(page, words: str, box: str = SEARCH_INPUT) -> list[str]:
    """The result links of the search for ``words`` once it has ended and every result
    has loaded (the box marks the query it has finished showing)."""
    # The box searches while the user types: wait for the final search, not a prefix's.
    page.wait_for_function(
        "([box, words]) => document.querySelector(box).getAttribute('data-sop-searched') === words", arg=[box, words]
    )
    panel = "#sop-hsearch-panel" if box == SEARCH_INPUT else "[data-sop-search]"
    return page.eval_on_selector_all(f"{panel} .sop-result-link", "links => links.map(a => a.getAttribute('href'))")


# --- catalog: filters and sorting ------------------------------------------------------------


def test_owner_filter_shows_only_that_owners_rows(new_tab, sops, artifacts):
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/")
    page = tab.page
    total = len(sops)
    assert shown_text(page) == f"Showing {total} of {total}"
    assert len(visible_rows(page)) == total
    page.screenshot(path=str(artifacts / "catalog.png"), full_page=True)

    for owner in ("team-platform", sitekit.QUOKKA_OWNER):
        page.select_option("select[data-sop-filter=owner]", owner)
        expected = sorted(s["id"] for s in sops if s["owner"] == owner)
        rows = visible_rows(page)
        assert sorted(r["id"] for r in rows) == expected
        assert {r["owner"] for r in rows} == {owner}
        assert shown_text(page) == f"Showing {len(expected)} of {total}"
    page.select_option("select[data-sop-filter=owner]", "")
    assert shown_text(page) == f"Showing {total} of {total}"
    tab.assert_clean()


def expected_text_matches(sops: list[dict], words: str) -> list[str]:
    """The catalog's text filter: every word is in title, id, owner, backup owner, tags or layer."""
    found = []
    for s in sops:
        haystack = " ".join(
            [s["title"], s["id"], s["owner"] or "", s["backup_owner"] or "", *s["tags"], s["layer"] or ""]
        ).lower()
        if all(word in haystack for word in words.lower().split()):
            found.append(s["id"])
    return sorted(found)


@pytest.mark.parametrize("words", ["quokka", "postgres", "Canary  KUBERNETES", "no-such-word"])
def test_text_filter(new_tab, sops, words):
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/")
    tab.page.fill("input[data-sop-filter=text]", words)
    expected = expected_text_matches(sops, words)
    assert sorted(r["id"] for r in visible_rows(tab.page)) == expected
    assert shown_text(tab.page) == f"Showing {len(expected)} of {len(sops)}"
    if words == "quokka":
        assert expected == [sitekit.QUOKKA_ID]
    if words == "no-such-word":
        assert expected == []
    tab.assert_clean()


def test_staleness_filter_and_url_parameters(new_tab, sops):
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/")
    page = tab.page
    page.select_option("select[data-sop-filter=staleness]", "due-soon")
    assert [r["id"] for r in visible_rows(page)] == [sitekit.DUE_SOON_ID]
    assert shown_text(page) == f"Showing 1 of {len(sops)}"
    page.select_option("select[data-sop-filter=staleness]", "overdue")
    assert visible_rows(page) == []
    assert shown_text(page) == f"Showing 0 of {len(sops)}"
    # Filters combine, and a link can carry them.
    tab.goto("/?owner=team-edge&staleness=current")
    expected = sorted(s["id"] for s in sops if s["owner"] == "team-edge" and s["review_state"] == "current")
    assert sorted(r["id"] for r in visible_rows(page)) == expected and expected
    assert page.locator("select[data-sop-filter=owner]").input_value() == "team-edge"
    tab.assert_clean()


def with_row_limit(tab, limit: int) -> None:
    """Serve the catalog page with a table that shows ``limit`` rows before "Show all"
    (the real limit needs a catalog of hundreds of SOPs)."""

    def rewrite(route):
        response = route.fetch()
        html = response.text()
        assert f'data-sop-limit="{index_pages.TABLE_ROWS}"' in html
        route.fulfill(response=response, body=html.replace(f'data-sop-limit="{index_pages.TABLE_ROWS}"', f'data-sop-limit="{limit}"'))

    tab.page.route(lambda url: url.endswith("/") and url.count("/") == 3, rewrite)


def test_a_long_table_shows_its_first_rows_and_every_row_on_request(new_tab, sops):
    tab = at(new_tab, BUILD_DAY)
    with_row_limit(tab, 3)
    tab.goto("/")
    page = tab.page
    total = len(sops)
    by_title = [s["id"] for s in sorted(sops, key=lambda s: (s["title"].lower(), s["id"]))]
    assert [r["id"] for r in visible_rows(page)] == by_title[:3]
    assert shown_text(page) == f"Showing the first 3 of {total}"
    show_all = page.locator("[data-sop-show-all]")
    assert show_all.is_visible() and show_all.inner_text() == f"Show all {total}"

    # A filter counts every match and shows the first three of them.
    current = [i for i in by_title if next(s for s in sops if s["id"] == i)["review_state"] == "current"]
    assert len(current) > 3
    page.select_option("select[data-sop-filter=staleness]", "current")
    assert [r["id"] for r in visible_rows(page)] == current[:3]
    assert shown_text(page) == f"Showing the first 3 of {len(current)} matching ({total} in all)"
    assert show_all.inner_text() == f"Show all {len(current)}"

    # Sorting shows the first three in the new order.
    page.click("button[data-sop-sort=title]")
    page.click("button[data-sop-sort=title]")  # descending
    assert [r["id"] for r in visible_rows(page)] == current[::-1][:3]

    show_all.click()
    assert len(visible_rows(page)) == len(current)
    assert shown_text(page) == f"Showing {len(current)} of {total}"
    assert not show_all.is_visible()
    page.select_option("select[data-sop-filter=staleness]", "")  # every row stays shown
    assert len(visible_rows(page)) == total and shown_text(page) == f"Showing {total} of {total}"

    # A filter with fewer matches than the limit needs no button.
    tab.goto("/")
    page.select_option("select[data-sop-filter=staleness]", "due-soon")
    assert [r["id"] for r in visible_rows(page)] == [sitekit.DUE_SOON_ID]
    assert not show_all.is_visible()
    tab.assert_clean()


LARGE = index_pages.TABLE_ROWS + 5


@pytest.fixture(scope="module")
def large_site(tmp_path_factory):
    """A catalog of TABLE_ROWS + 5 copies of one SOP (one owner), served over HTTP."""
    source = (sitekit.FIXTURES / f"{sitekit.QUOKKA_ID}.md").read_text(encoding="utf-8")
    sops = {
        f"large-{i:03}.md": source.replace(f"id: {sitekit.QUOKKA_ID}", f"id: large-{i:03}").replace(
            "title: Rebalance", f"title: {i:03} Rebalance"
        )
        for i in range(LARGE)
    }
    root = tmp_path_factory.mktemp("large")
    project = sitekit.make_project(root / "project", sops)
    result = sitekit.run_build(project, root / "SITE")
    assert result.returncode == 0, result.stderr
    with sitekit.SiteServer(root / "SITE") as server:
        yield server


@pytest.mark.parametrize("path", ["/", f"/owners/{sitekit.QUOKKA_OWNER}/"])
def test_a_large_table_loads_its_first_rows_and_without_javascript_shows_every_row(browser, large_site, path):
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        try:
            page = context.new_page()
            page.goto(large_site.url + path)
            shown = page.locator(f"{ROWS}:visible")
            more = page.locator("[data-sop-show-all]")
            if javascript:
                assert shown.count() == index_pages.TABLE_ROWS
                assert shown.last.get_attribute("data-id") == f"large-{index_pages.TABLE_ROWS - 1:03}"
                assert more.is_visible() and more.inner_text() == f"Show all {LARGE}"
                more.click()
                assert shown.count() == LARGE
            else:
                assert shown.count() == LARGE  # the noscript style shows the hidden rows
                assert shown.last.get_attribute("data-id") == f"large-{LARGE - 1:03}"
                assert not more.is_visible()
        finally:
            context.close()


def test_sorting_changes_row_order(new_tab, sops):
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/")
    page = tab.page
    initial = [r["id"] for r in visible_rows(page)]
    by_title = sorted(sops, key=lambda s: (s["title"].lower(), s["id"]))
    assert initial == [s["id"] for s in by_title]

    page.click("button[data-sop-sort=reviewed]")
    rows = visible_rows(page)
    assert [r["reviewed"] for r in rows] == sorted(s["last_reviewed"] for s in sops)
    assert [r["id"] for r in rows] != initial
    assert page.locator("th:has(button[data-sop-sort=reviewed])").get_attribute("aria-sort") == "ascending"

    page.click("button[data-sop-sort=reviewed]")
    assert [r["reviewed"] for r in visible_rows(page)] == sorted((s["last_reviewed"] for s in sops), reverse=True)
    assert page.locator("th:has(button[data-sop-sort=reviewed])").get_attribute("aria-sort") == "descending"

    page.click("button[data-sop-sort=risk]")
    rank = {"low": 1, "medium": 2, "high": 3, "critical": 4}
    risks = [rank[r["risk"]] for r in visible_rows(page)]
    assert risks == sorted(risks) and risks[0] == 1 and risks[-1] == 4
    assert page.locator("th:has(button[data-sop-sort=reviewed])").get_attribute("aria-sort") is None
    # Sorting keeps the filter.
    page.select_option("select[data-sop-filter=owner]", "team-platform")
    page.click("button[data-sop-sort=title]")
    assert [r["id"] for r in visible_rows(page)] == [s["id"] for s in by_title if s["owner"] == "team-platform"]
    tab.assert_clean()


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", [sitekit.QUOKKA_OWNER, sitekit.QUOKKA_WORD])
def test_search_finds_an_sop_by_owner_and_by_a_word_of_its_steps(new_tab, site_build, words):
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/")
    links = search(tab.page, words)
    assert links[0] == f"/{sitekit.QUOKKA_ID}/", links
    if words == sitekit.QUOKKA_WORD:
        assert links == [f"/{sitekit.QUOKKA_ID}/"]  # the word is nowhere else
        excerpt = tab.page.locator(f"{SEARCH_RESULT} .sop-result-excerpt").first.inner_text()
        assert sitekit.QUOKKA_WORD in excerpt
    for link in links:
        assert site_build.page(link.lstrip("/")).is_file(), f"search result {link} has no page"
    tab.page.locator(f"{SEARCH_RESULT} .sop-result-link").first.click()
    tab.page.wait_for_url(f"**/{sitekit.QUOKKA_ID}/")
    assert tab.page.locator("h1").first.inner_text().startswith("Rebalance the message queue partitions")
    tab.assert_clean()


def test_a_result_shows_title_owner_badges_and_a_readable_excerpt(new_tab, sops):
    """What a responder reads in a result: the title, the owner, the staleness worked out
    on the reader's day (not the build's), status and risk, and an excerpt of text: never
    Markdown, never a list of metadata words."""
    quokka = next(s for s in sops if s["id"] == sitekit.QUOKKA_ID)
    for when, state in ((BUILD_DAY, quokka["review_state"]), (LATER_DAY + dt.timedelta(days=400), "overdue")):
        tab = at(new_tab, when)
        tab.goto("/owners/")
        search(tab.page, sitekit.QUOKKA_WORD)
        result = tab.page.locator(SEARCH_RESULT).first
        assert result.locator(".sop-result-title").inner_text() == quokka["title"]
        assert result.locator(".sop-result-owner").inner_text() == f"Owner: {quokka['owner']}"
        assert result.locator(".sop-stale").get_attribute("class").endswith(f"sop-stale--{state}")
        assert result.locator(".sop-status").inner_text() == index_pages.STATUS_LABELS[quokka["status"]]
        excerpt = result.locator(".sop-result-excerpt").inner_text()
        assert sitekit.QUOKKA_WORD in excerpt
        assert not re.search(r"```|\]\(|^#+ |\bapproved\. |\bcurrent\. ", excerpt), excerpt
        assert result.locator(".sop-result-excerpt mark").count() >= 1
        assert result.locator(".sop-result-excerpt *:not(mark)").count() == 0
        tab.assert_clean()


def test_search_shows_html_in_sops_as_text(new_tab):
    """Results and the filter selects show the XSS fixture's markup as text."""
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/search/")
    links = search(tab.page, "workers", PAGE_INPUT)
    assert f"/{sitekit.XSS_ID}/" in links
    titles = tab.page.locator(f"{SEARCH_RESULT} .sop-result-title").all_inner_texts()
    assert sitekit.XSS_TITLE in [t.strip() for t in titles]
    owners = tab.page.locator("select[data-sop-search-filter=owner] option").all_text_contents()
    assert any("title__script_alert(2)_/script_" in o for o in owners), owners
    assert tab.page.locator(f"{SEARCH_RESULT} script, {SEARCH_RESULT} img, .sop-search-filters script").count() == 0
    tab.page.wait_for_timeout(300)  # give an injected onerror a chance to fire
    tab.assert_clean()


def filter_groups(page) -> list[str]:
    return sorted(page.eval_on_selector_all("[data-sop-search-filter]", "els => els.map(e => e.dataset.sopSearchFilter)"))


def test_search_page_filters_come_with_the_page_and_equal_the_index(new_tab):
    """The Search page carries its filters' values and counts: they show before any
    search, the first search fetches no filter chunk of the index (at 5,000 SOPs those
    are 61 KiB, and Pagefind counts filter values on every search once they are loaded),
    and they are what Pagefind itself answers. Picking a value fetches its filter."""
    tab = at(new_tab, BUILD_DAY)
    filter_chunks = []
    tab.context.route("**/pagefind/filter/*.pf_filter", lambda route: (filter_chunks.append(route.request.url), route.continue_()))
    tab.goto("/search/")
    assert filter_groups(tab.page) == ["layer", "owner", "status", "tag"]  # before any search
    assert f"/{sitekit.XSS_ID}/" in search(tab.page, "workers", PAGE_INPUT)
    assert filter_chunks == []
    shown = tab.page.eval_on_selector_all(
        "[data-sop-search-filter]",
        "els => Object.fromEntries(els.map(e => [e.dataset.sopSearchFilter, Array.from(e.options).slice(1).map(o => [o.value, o.textContent])]))",
    )
    index = tab.page.evaluate("() => import(new URL('/pagefind/pagefind.js', location.href).href).then(pf => pf.filters())")
    statuses = {"approved": "Approved", "draft": "Draft", "in-review": "In review", "deprecated": "Deprecated", "retired": "Retired"}
    for key, options in shown.items():
        assert sorted(value for value, _ in options) == sorted(index[key]), key
        for value, text in options:
            assert text == f"{statuses.get(value, value) if key == 'status' else value} ({index[key][value]})"
    tab.page.select_option("select[data-sop-search-filter=owner]", sitekit.QUOKKA_OWNER)
    assert results_for(tab.page, "workers", PAGE_INPUT) == []  # the XSS fixture is not the quokka owner's
    assert filter_chunks  # fetched for the owner filter only now
    tab.page.locator(PAGE_INPUT).fill("")
    tab.page.locator(PAGE_INPUT).press_sequentially(sitekit.QUOKKA_WORD)
    assert results_for(tab.page, sitekit.QUOKKA_WORD, PAGE_INPUT) == [f"/{sitekit.QUOKKA_ID}/"]
    tab.assert_clean()


def test_the_catalog_page_loads_the_search_engine_before_the_box_is_used(new_tab):
    """The catalog page is where a responder clicks the box and types at once: Pagefind's
    WebAssembly and metadata load with the page, not on the first focus. Other pages
    load them when the box gets the focus."""
    tab = at(new_tab, BUILD_DAY)
    with tab.page.expect_request(re.compile(r"/pagefind/.*\.pf_meta$"), timeout=15_000):
        tab.goto("/")
    assert tab.page.evaluate("document.activeElement.id") != "sop-hsearch-input"
    assert not any("/pagefind/fragment/" in url for url in tab.requests)  # nothing searched
    other = at(new_tab, BUILD_DAY)
    other.goto("/owners/")
    other.page.wait_for_load_state("networkidle")
    assert not any("/pagefind/" in url for url in other.requests)
    with other.page.expect_request(re.compile(r"/pagefind/.*\.pf_meta$"), timeout=15_000):
        other.page.locator(SEARCH_INPUT).focus()
    tab.assert_clean()
    other.assert_clean()


def test_a_first_search_fetches_what_it_shows_and_no_more(new_tab):
    """The first search from the catalog page fetches Pagefind's script (not its web
    worker's too), the index chunks of its words, no filter chunk, and one fragment per
    result shown."""
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/")
    tab.page.locator(SEARCH_INPUT).fill(sitekit.QUOKKA_WORD)  # one input event: one search
    links = results_for(tab.page, sitekit.QUOKKA_WORD)
    assert f"/{sitekit.QUOKKA_ID}/" in links
    tab.page.wait_for_load_state("networkidle")
    fetched = [url.rsplit("/pagefind/", 1)[1] for url in tab.requests if "/pagefind/" in url]
    assert "pagefind.js" in fetched and "pagefind-worker.js" not in fetched, fetched
    assert not [name for name in fetched if name.endswith(".pf_filter")], fetched
    assert len([name for name in fetched if name.endswith(".pf_fragment")]) == len(links), fetched
    tab.assert_clean()


def test_search_box_is_set_up_while_the_catalog_is_still_loading(new_tab):
    """On a large catalog the table takes seconds to load: the search script runs before
    it, while the document is still loading, and puts the box in the header."""
    tab = at(new_tab, BUILD_DAY)
    tab.page.add_init_script(
        """new MutationObserver((changes, observer) => {
            if (document.getElementById('sop-hsearch-input')) {
                window.searchReadyWhile = document.readyState;
                window.rowsThen = document.querySelectorAll('[data-sop-row]').length;
                observer.disconnect();
            }
        }).observe(document, {subtree: true, childList: true, attributes: true});"""
    )
    tab.goto("/")
    assert tab.page.evaluate("window.searchReadyWhile") == "loading"
    assert tab.page.evaluate("window.rowsThen") == 0  # not one row of the table parsed yet
    assert f"/{sitekit.QUOKKA_ID}/" in search(tab.page, sitekit.QUOKKA_WORD)
    tab.assert_clean()


def test_search_box_is_set_up_even_when_its_script_fails_to_load_at_first(new_tab):
    """If the page's own search script did not run (a failed request, a page swapped in
    by instant navigation), sopdocs.js loads it."""
    tab = at(new_tab, BUILD_DAY)
    requested = []

    def fail_the_first(route):
        requested.append(route.request.url)
        if len(requested) == 1:
            route.abort()
        else:
            route.continue_()

    tab.page.route("**/assets/sopdocs/sopdocs-search.js", fail_the_first)
    tab.goto("/")
    assert f"/{sitekit.QUOKKA_ID}/" in search(tab.page, sitekit.QUOKKA_WORD)
    assert len(requested) == 2
    assert tab.page.locator(SEARCH_INPUT).count() == 1


@pytest.mark.parametrize("path", ["/", "/owners/", f"/{sitekit.QUOKKA_ID}/", "/tags/"])
def test_every_page_has_the_header_search_and_slash_focuses_it(new_tab, path):
    tab = at(new_tab, BUILD_DAY)
    tab.goto(path)
    page = tab.page
    page.locator(SEARCH_INPUT).wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") != "sop-hsearch-input"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "sop-hsearch-input"
    assert page.locator(SEARCH_INPUT).input_value() == ""  # the slash is not typed
    label = page.evaluate("document.querySelector('label[for=sop-hsearch-input]').textContent")
    assert label == "Search SOPs"
    tab.assert_clean()


def test_keyboard_only_from_slash_to_a_result_to_ticking_a_step(new_tab):
    """The responder's path without a mouse: `/`, type, Tab to the first result, Enter,
    then Tab to the first checkbox of the SOP page and tick it with Space."""
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/owners/")
    page = tab.page
    page.locator(SEARCH_INPUT).wait_for(state="visible")
    page.keyboard.press("/")
    page.keyboard.type(sitekit.QUOKKA_WORD, delay=15)
    results_for(page, sitekit.QUOKKA_WORD)
    for _ in range(5):  # past the message to the first result link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.sop-result-link')"):
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == f"/{sitekit.QUOKKA_ID}/"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{sitekit.QUOKKA_ID}/")
    presses = 0
    while not page.evaluate("document.activeElement.matches('input[data-sop-item]')"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 40, "no checkbox reached by Tab"
    first = page.evaluate("document.activeElement.dataset.sopItem")
    page.keyboard.press(" ")
    assert page.is_checked(f"input[data-sop-item={first}]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused checkbox shows no focus ring"
    tab.assert_clean()


def test_escape_closes_the_header_results(new_tab):
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/tags/")
    page = tab.page
    search(page, sitekit.QUOKKA_WORD)
    assert page.locator("#sop-hsearch-panel").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#sop-hsearch-panel").is_visible()
    assert page.evaluate("document.activeElement.id") == "sop-hsearch-input"
    tab.assert_clean()


# --- SOP page: checklist, staleness, copy ------------------------------------------------------


def progress(page) -> str:
    return page.locator("[data-sop-progress]").inner_text().strip()


def test_checklist_survives_a_reload_and_a_new_run_clears_it(new_tab, artifacts):
    tab = at(new_tab, BUILD_DAY)
    page = tab.page
    tab.goto(f"/{sitekit.QUOKKA_ID}/")
    # 1 precondition + 3 steps + 1 verification item; rollback boxes do not count.
    total = page.locator("input[data-sop-item]:not([data-sop-item^='rollback-'])").count()
    assert total == 5
    assert progress(page) == f"0 of {total} done"

    page.check("input[data-sop-item=step-1]")
    assert progress(page) == f"1 of {total} done"
    page.check("input[data-sop-item=rollback-1]")
    assert progress(page) == f"1 of {total} done"
    assert "sop-done" in page.locator("li#step-1").get_attribute("class")

    page.reload()
    assert page.is_checked("input[data-sop-item=step-1]")
    assert not page.is_checked("input[data-sop-item=step-2]")
    assert progress(page) == f"1 of {total} done"
    page.screenshot(path=str(artifacts / "sop-page.png"), full_page=True)

    page.click("[data-sop-reset]")
    assert page.is_checked("input[data-sop-item=step-1]")  # not before a confirmation
    page.click("[data-sop-confirm-yes]")
    assert not page.is_checked("input[data-sop-item=step-1]")
    assert not page.is_checked("input[data-sop-item=rollback-1]")
    assert progress(page) == f"0 of {total} done"
    page.reload()
    assert not page.is_checked("input[data-sop-item=step-1]")
    assert progress(page) == f"0 of {total} done"

    # Another SOP keeps its own checklist.
    page.check("input[data-sop-item=pre-1]")
    tab.goto(f"/{sitekit.DUE_SOON_ID}/")
    assert not page.is_checked("input[data-sop-item=pre-1]")
    tab.assert_clean()


def staleness_of(page, scope: str = ".sop-header") -> tuple[str, str]:
    badge = page.locator(f"{scope} [data-sop-staleness]").first
    return badge.get_attribute("data-sop-staleness"), badge.inner_text().strip()


def test_staleness_follows_the_browsers_clock(new_tab, sops):
    now = at(new_tab, BUILD_DAY)
    now.goto(f"/{sitekit.DUE_SOON_ID}/")
    assert staleness_of(now.page) == ("due-soon", "Review due soon")
    assert now.page.locator("[data-sop-days]").text_content() == "(in 14 days)"  # in the closed Details
    now.assert_clean()

    later = at(new_tab, LATER_DAY)
    later.goto(f"/{sitekit.DUE_SOON_ID}/")
    badge = later.page.locator(".sop-header [data-sop-staleness]")
    assert staleness_of(later.page) == ("overdue", "Review overdue")
    assert "sop-stale--overdue" in badge.get_attribute("class")
    assert later.page.locator("[data-sop-days]").text_content() == "(36 days overdue)"

    # The catalog recomputes its rows, counts and filter for the reader's day.
    later.goto("/")
    row = f"tr[data-id={sitekit.DUE_SOON_ID}]"
    assert later.page.locator(row).get_attribute("data-staleness") == "overdue"
    assert staleness_of(later.page, row) == ("overdue", "Review overdue")
    assert later.page.locator("[data-sop-count=overdue]").inner_text() == "1"
    later.page.select_option("select[data-sop-filter=staleness]", "overdue")
    assert [r["id"] for r in visible_rows(later.page)] == [sitekit.DUE_SOON_ID]
    # waf-rule-rollout is due 2027-01-22: current at build time, due soon on 2027-01-15.
    later.page.select_option("select[data-sop-filter=staleness]", "due-soon")
    due_then = sorted(
        s["id"] for s in sops if s["next_review"] and 0 <= (dt.date.fromisoformat(s["next_review"]) - LATER_DAY.date()).days <= 30
    )
    assert sorted(r["id"] for r in visible_rows(later.page)) == due_then and due_then
    later.assert_clean()


def test_copy_button_puts_the_command_on_the_clipboard(new_tab):
    tab = at(new_tab, BUILD_DAY, permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    tab.goto(f"/{sitekit.QUOKKA_ID}/")
    block = page.locator(".sop-code", has_text=sitekit.QUOKKA_WORD).first
    button = block.locator("[data-sop-copy]")
    assert button.inner_text() == "Copy"
    button.click()
    page.wait_for_function("el => el.textContent === 'Copied'", arg=button.element_handle())
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip() == "zanzibarctl rebalance --cluster main --throttle 50MB"
    page.wait_for_function("el => el.textContent === 'Copy'", arg=button.element_handle(), timeout=5000)
    tab.assert_clean()


# --- XSS, console errors and foreign requests on every page ------------------------------------


def test_xss_fixture_title_is_text(new_tab, sops):
    tab = at(new_tab, BUILD_DAY)
    page = tab.page
    tab.goto(f"/{sitekit.XSS_ID}/")
    assert sitekit.XSS_TITLE in page.locator("h1").first.inner_text()
    assert page.title().startswith(sitekit.XSS_TITLE)
    assert page.locator("script:not([src])").evaluate_all("els => els.filter(e => e.textContent.includes('alert')).length") == 0
    assert page.locator("[onerror], [onload], [onmouseover], [onclick]").count() == 0
    header = page.locator(".sop-header").inner_text()
    owner = next(s["owner"] for s in sops if s["id"] == sitekit.XSS_ID)
    assert owner in header and "<svg onload=alert(3)>" in header
    # Hovering and clicking the places that carried handlers runs nothing.
    page.locator("h1").first.hover()
    page.locator(".sop-steps li").last.click()
    tab.goto(f"/owners/{slugify(owner)}/")
    assert page.title() == f"Owner: {owner} - SOP catalog"
    assert page.locator("h1").first.inner_text().startswith(f"Owner: {owner}")
    page.wait_for_timeout(300)
    tab.assert_clean()


@pytest.mark.parametrize("half", [0, 1])
def test_no_errors_and_no_foreign_requests_on_any_page(new_tab, site_build, half):
    """Every page (in two halves, for two test processes), each half from the catalog on."""
    tab = at(new_tab, BUILD_DAY)
    urls = site_build.page_urls() + ["/404.html"]
    assert len(urls) > 40
    for url in ["/", *(u for u in urls[half::2] if u != "/")]:
        tab.goto(url, wait_until="load")
        if url == "/":
            search(tab.page, sitekit.QUOKKA_WORD)  # Pagefind loaded from this site
        if tab.page.locator("[data-sop-run]").count():
            tab.page.wait_for_function(
                "() => /^\\d+ of \\d+ done$/.test(document.querySelector('[data-sop-progress]').textContent)"
            )
    tab.page.wait_for_load_state("networkidle")
    local = [u for u in tab.requests if u.startswith(tab.base_url)]
    assert any(re.search(r"/pagefind/pagefind\.js$", u) for u in local)
    assert any(u.endswith("/assets/sopdocs/sopdocs.js") for u in local)
    tab.assert_clean()


# --- other ways to open the site ---------------------------------------------------------------


def test_search_works_when_the_site_is_served_under_a_subpath(new_tab, site_build):
    """GitHub Pages and similar serve the site at /<project>/: result links keep the prefix."""
    with sitekit.SiteServer(site_build.site.parent) as server:
        tab = new_tab()
        tab.base_url = f"{server.url}/{site_build.site.name}"
        tab.goto("/")
        links = search(tab.page, sitekit.QUOKKA_WORD)
        assert links == [f"/{site_build.site.name}/{sitekit.QUOKKA_ID}/"]
        tab.page.locator(f"{SEARCH_RESULT} .sop-result-link").first.click()
        tab.page.wait_for_url(f"**/{site_build.site.name}/{sitekit.QUOKKA_ID}/")
        tab.assert_clean()


def test_opened_from_disk_the_filters_and_checklists_still_work(tab, site_build):
    page = tab.page
    page.goto((site_build.site / "search" / "index.html").as_uri() + "?q=quokka")
    assert "sopdocs build --offline" in page.locator("[data-sop-search] .sop-search-note").inner_text()
    page.wait_for_function("() => document.querySelector('[data-sop-search] .sop-search-input').getAttribute('data-sop-searched') === 'quokka'")
    assert page.locator("[data-sop-search]").inner_text().count("sopdocs build --offline") == 1  # said once
    page.goto((site_build.site / "index.html").as_uri())
    page.fill(SEARCH_INPUT, "quokka")
    page.wait_for_function("() => document.getElementById('sop-hsearch-input').getAttribute('data-sop-searched') === 'quokka'")
    assert "sopdocs build --offline" in page.locator("#sop-hsearch-panel").inner_text()
    page.goto((site_build.site / "index.html").as_uri())
    page.fill("input[data-sop-filter=text]", "quokka")
    assert [r["id"] for r in visible_rows(page)] == [sitekit.QUOKKA_ID]
    page.goto((site_build.site / sitekit.QUOKKA_ID / "index.html").as_uri())
    page.check("input[data-sop-item=step-1]")
    page.reload()
    assert page.is_checked("input[data-sop-item=step-1]")
    assert not tab.dialogs and not tab.page_errors and not tab.console_errors
    assert all(url.startswith("file://") for url in tab.requests), tab.requests


def test_search_page_is_light_focused_and_finds_an_sop(new_tab):
    """The Search page carries no catalog table, puts the cursor in the box, and finds
    an SOP by a word of its steps; its results link to the SOP page."""
    tab = at(new_tab, BUILD_DAY)
    tab.goto("/search/")
    page = tab.page
    assert page.locator("[data-sop-row]").count() == 0
    page.locator(PAGE_INPUT).wait_for(state="visible")
    assert page.evaluate("document.activeElement && document.activeElement.matches('[data-sop-search] .sop-search-input')")
    links = search(page, sitekit.QUOKKA_WORD, PAGE_INPUT)
    assert links == [f"/{sitekit.QUOKKA_ID}/"]
    assert page.locator("nav a", has_text="Search").count() >= 1
    tab.assert_clean()


# --- Content-Security-Policy ------------------------------------------------------------


def test_every_page_carries_a_csp_without_unsafe_inline_script(site_build):
    for path in site_build.html_files():
        html = path.read_text(encoding="utf-8")
        found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        assert found, f"{path} has no Content-Security-Policy"
        script_src = next(d for d in found.group(1).split("; ") if d.startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src.replace("'wasm-unsafe-eval'", "")
        assert html.index("Content-Security-Policy") < html.index("<script"), f"{path}: the policy must precede every script"


def test_csp_blocks_a_script_that_reaches_sop_content(new_tab, site_build):
    """Even if markup ever slipped past escaping into an SOP page, it would not run:
    inline script inside the page content is not in the policy's allow-list."""
    original = site_build.page(f"{sitekit.QUOKKA_ID}/").read_text(encoding="utf-8")
    injected = original.replace("</article>", "<script>window.__sopdocsInjected = 1;</script></article>", 1)
    assert injected != original
    probe = site_build.site / "csp-probe" / "index.html"
    probe.parent.mkdir(exist_ok=True)
    probe.write_text(injected, encoding="utf-8")
    try:  # the site is shared by the session's tests: leave it as built
        tab = at(new_tab, BUILD_DAY)
        tab.goto("/csp-probe/")
        assert tab.page.evaluate("typeof window.__sopdocsInjected") == "undefined"
        assert any("Content Security Policy" in error for error in tab.console_errors), tab.console_errors
        # The page still works: sopdocs' own script (external, allowed) ran.
        assert tab.page.locator("[data-sop-progress]").inner_text().endswith("done")
    finally:
        probe.unlink()
        probe.parent.rmdir()
