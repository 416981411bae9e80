"""The offline copy (`sopdocs build --offline`, plugin option `offline: true`): a site
that works opened from disk. Real builds of content/ plus the site fixtures (a real
`sopdocs build` subprocess), every link checked on disk, and the copy driven from
file:// in headless Chromium: navigation, the catalog's filters and the offline search
engine (window.sopdocsOfflineEngine) the search UI calls from disk."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import sitekit

from sopdocs.site import offline, urls
from sopdocs.site.search import SearchRecord

ASSETS = "assets/sopdocs"
OFFLINE_YML = sitekit.MKDOCS_YML.replace("      catalog_title: SOP catalog\n", "      catalog_title: SOP catalog\n      offline: true\n")


def _build(root: Path, *extra: str, mkdocs_yml: str = sitekit.MKDOCS_YML) -> sitekit.Build:
    project = sitekit.make_project(root / "project", sitekit.catalog_sources(), mkdocs_yml=mkdocs_yml)
    build = sitekit.Build(project, root / "SITE", sitekit.run_build(project, root / "SITE", *extra))
    assert build.result.returncode == 0, f"--- stdout\n{build.result.stdout}\n--- stderr\n{build.result.stderr}"
    return build


@pytest.fixture(scope="module")
def offline_build(tmp_path_factory) -> sitekit.Build:
    return _build(tmp_path_factory.mktemp("offline"), "--offline")


@pytest.fixture(scope="module")
def sops(offline_build) -> list[dict]:
    return json.loads((offline_build.site / "sops.json").read_text(encoding="utf-8"))["sops"]


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found.extend((tag, value) for name, value in attrs if name in ("href", "src") and value)


def local_links(page: Path) -> list[tuple[str, str]]:
    """(tag, href or src) of every link of the page to a file of the site."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [(tag, ref) for tag, ref in parser.found if not urlsplit(ref).scheme and not urlsplit(ref).netloc and urlsplit(ref).path]


# --- URLs and the index, without a build --------------------------------------------------


def test_urls_without_directory_urls_name_files():
    assert urls.page_url("a/b.md", False) == "a/b.html"
    assert urls.page_url("index.md", False) == "index.html"
    assert urls.page_url("owners/index.md", False) == "owners/index.html"
    assert urls.owner_url("Team Quokka", False) == "owners/team-quokka.html"
    assert urls.tag_url("k8s", False) == "tags/k8s.html"
    assert urls.relative("owners/team-a.html", urls.page_url("db/restore.md", False)) == "../db/restore.html"
    # Directory URLs as before.
    assert (urls.page_url("a/b.md"), urls.page_url("index.md"), urls.owner_url("Team Quokka")) == ("a/b/", "", "owners/team-quokka/")


def test_index_script_is_compact_and_safe_in_a_script():
    hostile = "</script><script>alert(1)</script> & \u2028\u2029"
    records = [
        SearchRecord("b.html", hostile, {"title": hostile, "id": "b", "owner": "t"}, {"owner": ["t"], "tag": ["x", "y"]}, hostile),
        SearchRecord("a.html", "A", {"title": "A", "id": "a", "status": "draft"}, {"tag": ["y"], "status": ["draft"]}, "text"),
    ]
    script = offline.index_script(records)
    assert not re.search("[<>&\u2028\u2029]", script.split("=", 1)[1])
    data = json.loads(script.split("=", 1)[1].strip().removesuffix(";"))
    assert data["filters"] == {"owner": ["t"], "tag": ["x", "y"], "status": ["draft"], "layer": []}
    assert data["records"][0] == ["b.html", hostile, ["b", "t", "", "", ""], [[0], [0, 1], [], []], hostile]
    assert data["records"][1][0] == "a.html"  # the order given (the catalog's)


# --- the build ------------------------------------------------------------------------------


def test_every_link_of_the_offline_copy_opens_a_file(offline_build):
    """No link ends at a directory (a listing from disk): catalog rows, owner and tag
    pages, related SOPs, the rollback link, scripts and styles. The 404 page is left
    out: only a web server shows it, and it links from the server's root."""
    site = offline_build.site
    checked, broken = 0, []
    for page in offline_build.html_files():
        if page.name == "404.html" and page.parent == site:
            continue
        for tag, ref in local_links(page):
            target = (page.parent / unquote(urlsplit(ref).path)).resolve()
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: <{tag}> {ref}")
    assert not broken, "\n".join(broken)
    assert checked > 500
    xss_neighbour = (site / f"{sitekit.XSS_NEIGHBOUR_ID}.html").read_text(encoding="utf-8")
    assert f'class="sop-rollback-link" href="{sitekit.XSS_ID}.html"' in xss_neighbour
    assert f'href="owners/{sitekit.QUOKKA_OWNER}.html"' in (site / "index.html").read_text(encoding="utf-8")


def test_the_offline_copy_ships_its_search_engine_and_index(offline_build, sops):
    site = offline_build.site
    assert (site / ASSETS / offline.ENGINE_ASSET).is_file()
    index = (site / ASSETS / offline.INDEX_ASSET).read_text(encoding="utf-8")
    assert index.startswith("/*") and "window.sopdocsOfflineIndex = " in index
    assert "<" not in index.split("=", 1)[1]
    for page in offline_build.html_files():
        if page.name != "404.html":
            assert f"{offline.ENGINE_ASSET}" in page.read_text(encoding="utf-8"), page
    data = json.loads(index.split("=", 1)[1].strip().removesuffix(";"))
    assert sorted(r[0] for r in data["records"]) == sorted(s["url"] for s in sops)
    assert all(s["url"].endswith(".html") for s in sops)


def test_two_offline_builds_and_the_plugin_option_give_the_same_bytes(offline_build, tmp_path):
    first = files_of(offline_build.site)
    again = files_of(_build(tmp_path / "again", "--offline").site)
    assert again.keys() == first.keys()
    assert [name for name in first if first[name] != again[name]] == []
    option = files_of(_build(tmp_path / "option", mkdocs_yml=OFFLINE_YML).site)
    assert [name for name in first if first.get(name) != option.get(name)] == []


def test_properdocs_engine_writes_the_same_offline_index(offline_build, tmp_path):
    other = _build(tmp_path / "properdocs", "--offline", "--engine", "properdocs")
    name = f"{ASSETS}/{offline.INDEX_ASSET}"
    assert (other.site / name).read_bytes() == (offline_build.site / name).read_bytes()
    assert (other.site / f"{sitekit.QUOKKA_ID}.html").is_file()


def test_the_default_build_is_unchanged(site_build):
    """Without --offline: directory URLs, and nothing of the offline copy."""
    site = site_build.site
    assert not (site / ASSETS / offline.INDEX_ASSET).exists() and not (site / ASSETS / offline.ENGINE_ASSET).exists()
    assert (site / sitekit.QUOKKA_ID / "index.html").is_file() and (site / "owners" / f"{sitekit.QUOKKA_OWNER}" / "index.html").is_file()
    catalog = (site / "index.html").read_text(encoding="utf-8")
    assert offline.ENGINE_ASSET not in catalog
    assert f'href="{sitekit.QUOKKA_ID}/"' in catalog and f'href="owners/{sitekit.QUOKKA_OWNER}/"' in catalog
    assert not [ref for tag, ref in local_links(site / "index.html") if tag == "a" and urlsplit(ref).path.endswith(".html")]


# --- from disk, in the browser -------------------------------------------------------------


@pytest.fixture
def disk_tab(browser):
    """A page in a fresh context, with what it reported: errors, dialogs, requests."""
    context = browser.new_context(timezone_id="UTC", locale="en-US", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = {"errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda msg: seen["errors"].append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.seen = seen
    yield page
    context.close()


def assert_clean(page) -> None:
    assert not page.seen["errors"] and not page.seen["dialogs"], page.seen
    assert all(url.startswith("file://") for url in page.seen["requests"]), page.seen["requests"]


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all("[data-sop-table] tr[data-sop-row]", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.id)")


def test_from_disk_links_open_pages(disk_tab, offline_build, sops):
    page = disk_tab
    page.goto((offline_build.site / "index.html").as_uri())
    assert page.title() == "SOP catalog"
    quokka = next(s for s in sops if s["id"] == sitekit.QUOKKA_ID)
    page.click(f'tr[data-id="{sitekit.QUOKKA_ID}"] td:first-child a')
    page.wait_for_url(f"**/{sitekit.QUOKKA_ID}.html")
    assert page.title() == f"{quokka['title']} - SOP catalog"
    page.click(f'article a[href$="owners/{sitekit.QUOKKA_OWNER}.html"]')
    page.wait_for_url(f"**/owners/{sitekit.QUOKKA_OWNER}.html")
    assert page.title() == f"Owner: {sitekit.QUOKKA_OWNER} - SOP catalog"
    page.click(f'tr[data-id="{sitekit.QUOKKA_ID}"] td:first-child a')  # back down from an owner page
    page.wait_for_url(f"**/{sitekit.QUOKKA_ID}.html")
    page.click('nav a[href$="tags/index.html"]')  # MkDocs' own navigation
    assert page.title().startswith("Tags")
    assert_clean(page)


def test_from_disk_the_catalog_filters_work(disk_tab, offline_build, sops):
    page = disk_tab
    page.goto((offline_build.site / "index.html").as_uri())
    page.select_option("select[data-sop-filter=owner]", "team-platform")
    assert sorted(visible_ids(page)) == sorted(s["id"] for s in sops if s["owner"] == "team-platform")
    page.select_option("select[data-sop-filter=owner]", "")
    page.fill("input[data-sop-filter=text]", "quokka")
    assert visible_ids(page) == [sitekit.QUOKKA_ID]
    assert_clean(page)


SEARCH = """async ([query, filters]) => {
    const found = await window.sopdocsOfflineEngine.search(query, {filters: filters || {}});
    const data = [];
    for (const result of found.results) { data.push(await result.data()); }
    return data;
}"""


def test_from_disk_search_finds_sops_with_filters_and_escaped_excerpts(disk_tab, offline_build, sops):
    page = disk_tab
    page.goto((offline_build.site / "search.html").as_uri())

    def search(query, filters=None) -> list[dict]:
        return page.evaluate(SEARCH, [query, filters])

    found = search(sitekit.QUOKKA_WORD)
    assert [r["url"] for r in found] == [f"{sitekit.QUOKKA_ID}.html"]
    assert found[0]["meta"]["owner"] == sitekit.QUOKKA_OWNER and "<mark>" in found[0]["excerpt"]
    # Every word must start a word of the SOP; prefixes count.
    assert [r["url"] for r in search(sitekit.QUOKKA_WORD[:6].upper())] == [f"{sitekit.QUOKKA_ID}.html"]
    assert search(f"{sitekit.QUOKKA_WORD} postgres") == []

    # Filters narrow a search (a list means every value, as in Pagefind); an empty query
    # with filters lists what they select.
    platform = sorted(s["url"] for s in sops if s["owner"] == "team-platform")
    assert sorted(r["url"] for r in search("", {"owner": ["team-platform"]})) == platform
    node = search("node", {"owner": ["team-platform"], "tag": ["kubernetes"]})
    assert node and all(r["filters"]["owner"] == ["team-platform"] and "kubernetes" in r["filters"]["tag"] for r in node)
    assert search("node", {"owner": ["team-edge"]}) == []
    either = search("", {"owner": {"any": ["team-edge", sitekit.QUOKKA_OWNER]}})
    assert sorted(r["url"] for r in either) == sorted(s["url"] for s in sops if s["owner"] in ("team-edge", sitekit.QUOKKA_OWNER))

    # Title matches come first: a word of one SOP's title, and of another's text only.
    postgres = search("postgres")
    in_title = [r for r in postgres if "postgres" in r["meta"]["title"].lower()]
    assert in_title and postgres[: len(in_title)] == in_title

    # HTML in an SOP is text: the excerpt is escaped, with only <mark> as markup; meta is
    # plain text for the UI to escape (as Pagefind's is).
    xss = search("alert", {"tag": ["xss-probe"]})
    assert [r["url"] for r in xss] == [f"{sitekit.XSS_ID}.html"]
    excerpt = xss[0]["excerpt"]
    assert "&lt;" in excerpt and "<mark>alert</mark>" in excerpt
    assert "<" not in re.sub(r"</?mark>", "", excerpt)
    assert xss[0]["meta"]["title"] == sitekit.XSS_TITLE
    titled = search("script restart")
    assert titled[0]["url"] == f"{sitekit.XSS_ID}.html" and "<" not in re.sub(r"</?mark>", "", titled[0]["excerpt"])

    counts = page.evaluate("() => window.sopdocsOfflineEngine.filters()")
    owners: dict[str, int] = {}
    for s in sops:
        owner = (s["owner"] or "").translate(str.maketrans({c: "_" for c in "&<>\"'`"}))
        owners[owner] = owners.get(owner, 0) + 1
    assert counts["owner"] == owners
    assert counts["status"] == {status: sum(s["status"] == status for s in sops) for status in {s["status"] for s in sops}}
    assert_clean(page)


def test_from_disk_the_search_boxes_use_the_offline_index(disk_tab, offline_build):
    """The header's box (on every page) and the Search page's box search the offline
    index from file://; a result opens its page."""
    page = disk_tab
    page.goto((offline_build.site / "owners" / "index.html").as_uri())
    page.keyboard.press("/")
    page.keyboard.type(sitekit.QUOKKA_WORD)
    page.wait_for_function(
        "w => document.getElementById('sop-hsearch-input').getAttribute('data-sop-searched') === w", arg=sitekit.QUOKKA_WORD
    )
    result = page.locator("#sop-hsearch-panel .sop-result").first
    assert result.locator(".sop-result-title").inner_text().startswith("Rebalance the message queue partitions")
    assert result.locator(".sop-result-excerpt mark").first.inner_text().lower() == sitekit.QUOKKA_WORD
    result.locator("a.sop-result-link").click()
    page.wait_for_url(f"**/{sitekit.QUOKKA_ID}.html")

    page.goto((offline_build.site / "search.html").as_uri() + "?q=alert")
    page.wait_for_function("() => document.querySelector('[data-sop-search] .sop-search-input').getAttribute('data-sop-searched') === 'alert'")
    titles = page.locator("[data-sop-search] .sop-result-title").all_inner_texts()
    assert sitekit.XSS_TITLE in titles  # shown as text
    assert page.locator("[data-sop-search] .sop-result script, [data-sop-search] .sop-result img").count() == 0
    page.wait_for_function("() => document.querySelectorAll('[data-sop-search-filter]').length === 4")
    assert_clean(page)
