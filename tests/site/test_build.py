"""The catalog site as files: what `sopdocs build` writes, without a browser."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sitekit
import yaml

from sopdocs.core.text import slugify


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.fixture(scope="module")
def sources() -> dict[str, dict]:
    """SOP id -> front matter, for every SOP of the session build."""
    metas = [front_matter(text) for text in sitekit.catalog_sources().values()]
    return {meta["id"]: meta for meta in metas}


@pytest.fixture(scope="module")
def catalog(site_build) -> dict:
    return json.loads((site_build.site / "sops.json").read_text(encoding="utf-8"))


class Elements(HTMLParser):
    """Every start tag of a document as (tag, {attr: value}), plus the text per tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data):
        if self._open:
            self.text.setdefault(self._open[-1], []).append(data)


def parse(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


# --- the session build ------------------------------------------------------------------


def test_build_succeeds_and_warns_about_the_due_soon_sop(site_build):
    assert site_build.result.returncode == 0
    assert f"content/{sitekit.DUE_SOON_ID}.md:" in site_build.result.stderr
    assert "review-due-soon" in site_build.result.stderr


def test_every_sop_has_a_page(site_build, sources):
    for sop_id in sources:
        page = site_build.page(f"{sop_id}/")
        assert page.is_file(), f"no page for {sop_id}"
        html = page.read_text(encoding="utf-8")
        assert f'data-sop-run="{sop_id}"' in html
        assert 'class="sop-header"' in html


def test_catalog_owner_and_tag_pages_exist(site_build, sources):
    index = site_build.page("")
    assert index.is_file()
    html = index.read_text(encoding="utf-8")
    assert html.count("data-sop-row ") == len(sources)
    assert f"Showing {len(sources)} of {len(sources)}" in html
    assert site_build.page("owners/").is_file()
    assert site_build.page("tags/").is_file()
    for owner in {meta["owner"] for meta in sources.values()}:
        assert site_build.page(f"owners/{slugify(owner)}/").is_file(), owner
    for tag in {tag for meta in sources.values() for tag in meta.get("tags", [])}:
        assert site_build.page(f"tags/{slugify(tag)}/").is_file(), tag
    owner_page = site_build.page(f"owners/{slugify(sitekit.QUOKKA_OWNER)}/").read_text(encoding="utf-8")
    assert owner_page.count("data-sop-row ") == 1 and f'data-id="{sitekit.QUOKKA_ID}"' in owner_page
    assert (site_build.site / "assets/sopdocs/sopdocs.js").is_file()
    assert (site_build.site / "assets/sopdocs/sopdocs.css").is_file()
    assert (site_build.site / "pagefind/pagefind-ui.js").is_file()


def test_search_script_comes_early_on_the_catalog_and_search_pages(site_build):
    """The catalog's table of every SOP comes after the search script, so the header's
    search box is set up while the table still loads; the Search page's box comes before
    the script that fills it. Other pages get the script from sopdocs.js. Only the
    catalog's asks it to load the search engine with the page."""
    script = (site_build.site / "assets/sopdocs/sopdocs-search.js").read_text(encoding="utf-8")
    assert "pagefind/pagefind.js" in script and "PagefindUI" not in script
    catalog_tag = '<script src="assets/sopdocs/sopdocs-search.js" data-sop-search-preload></script>'
    for page, tag in (("", catalog_tag), ("search/", '<script src="../assets/sopdocs/sopdocs-search.js"></script>')):
        html = site_build.page(page).read_text(encoding="utf-8")
        assert html.count(tag) == 1, page
        assert html.count("sopdocs-search.js") == 1, page
        if page == "":
            assert html.index(tag) < html.index("data-sop-row ")
        else:
            assert html.index("data-sop-search ") < html.index(tag)
    sop_page = site_build.page(f"{sitekit.QUOKKA_ID}/").read_text(encoding="utf-8")
    assert "sopdocs-search.js" not in sop_page and "assets/sopdocs/sopdocs.js" in sop_page


def test_without_search_the_catalog_page_does_not_load_the_engine(tmp_path):
    """`search: false`: no index, so the catalog page must not ask for Pagefind on load (a
    404 in every reader's console)."""
    sops = sitekit.catalog_sources()
    yml = sitekit.MKDOCS_YML.replace("      catalog_title: SOP catalog\n", "      catalog_title: SOP catalog\n      search: false\n")
    assert "search: false" in yml
    project = sitekit.make_project(tmp_path / "project", sops, mkdocs_yml=yml)
    result = sitekit.run_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<script src="assets/sopdocs/sopdocs-search.js"></script>' in html
    assert "data-sop-search-preload" not in html
    assert not (tmp_path / "site" / "pagefind").exists()


def test_sops_json_lists_every_sop(site_build, catalog, sources):
    assert catalog["count"] == len(sources) == len(catalog["sops"])
    assert catalog["built_for"] == sitekit.TODAY
    assert sorted(e["id"] for e in catalog["sops"]) == sorted(sources)
    for entry in catalog["sops"]:
        for key in ("id", "title", "url", "owner", "status", "last_reviewed", "next_review", "review_state"):
            assert key in entry, f"{entry.get('id')}: no {key}"
        meta = sources[entry["id"]]
        assert entry["title"] == meta["title"]
        assert entry["owner"] == meta["owner"]
        assert entry["status"] == meta.get("status", "draft")
        assert entry["last_reviewed"] == meta["last_reviewed"].isoformat()
        assert site_build.page(entry["url"]).is_file(), f"{entry['id']}: url {entry['url']} has no page"
        expected_state = "due-soon" if entry["id"] == sitekit.DUE_SOON_ID else "current"
        assert entry["review_state"] == expected_state, entry["id"]
    due = next(e for e in catalog["sops"] if e["id"] == sitekit.DUE_SOON_ID)
    assert (due["last_reviewed"], due["next_review"]) == ("2026-06-10", "2026-12-10")
    xss = next(e for e in catalog["sops"] if e["id"] == sitekit.XSS_ID)
    assert xss["title"] == sitekit.XSS_TITLE  # data, not HTML: kept verbatim


# --- lint errors fail the build ------------------------------------------------------------

APPROVED_WITHOUT_ROLLBACK = """\
---
id: restart-api
title: Restart the API
owner: team-sre
status: {status}
last_reviewed: 2026-10-01
preconditions:
  - The on-call engineer has acknowledged the page.
---

# Restart the API

## Steps

1. Restart the API pods.

   ```bash
   kubectl rollout restart deploy/api -n shop
   ```
"""

ROLLBACK_TO_UNKNOWN_SOP = APPROVED_WITHOUT_ROLLBACK.replace(
    "  - The on-call engineer has acknowledged the page.\n",
    "  - The on-call engineer has acknowledged the page.\nrollback:\n  sop: no-such-sop\n",
).format(status="approved")


def lint_positions(project: Path) -> list[tuple[str, int, int, str]]:
    """What `sopdocs lint` reports for the project: the build must report the same."""
    import subprocess

    result = subprocess.run(
        [*sitekit.sopdocs_command(), "lint", "--today", sitekit.TODAY, "--format", "json", "content"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    findings = json.loads(result.stdout)["findings"]
    return [(f["path"], f["line"], f["column"], f["rule"]) for f in findings if f["severity"] == "error"]


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_lint_error_in_an_approved_sop_fails_the_build(tmp_path, engine):
    project = sitekit.make_project(tmp_path, {"restart-api.md": APPROVED_WITHOUT_ROLLBACK.format(status="approved")})
    result = sitekit.run_build(project, tmp_path / "SITE", "--engine", engine)
    assert result.returncode != 0, result.stderr
    assert lint_positions(project) == [("content/restart-api.md", 1, 1, "rollback-missing")]
    assert re.search(r"content/restart-api\.md:1:1: SOP201 rollback-missing", result.stderr), result.stderr
    assert not (tmp_path / "SITE" / "restart-api" / "index.html").exists()


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_lint_error_position_points_at_the_problem(tmp_path, engine):
    project = sitekit.make_project(tmp_path, {"restart-api.md": ROLLBACK_TO_UNKNOWN_SOP})
    result = sitekit.run_build(project, tmp_path / "SITE", "--engine", engine)
    assert result.returncode != 0
    [(path, line, column, rule)] = lint_positions(project)
    assert (rule, line) == ("rollback-unknown", 10)  # the `sop: no-such-sop` line
    assert f"{path}:{line}:{column}: SOP202 rollback-unknown" in result.stderr, result.stderr


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_lint_error_in_a_draft_only_warns(tmp_path, engine):
    project = sitekit.make_project(tmp_path, {"restart-api.md": APPROVED_WITHOUT_ROLLBACK.format(status="draft")})
    result = sitekit.run_build(project, tmp_path / "SITE", "--engine", engine)
    assert result.returncode == 0, result.stderr
    assert re.search(r"WARNING.*content/restart-api\.md:1:1: SOP201 rollback-missing", result.stderr), result.stderr
    page = (tmp_path / "SITE" / "restart-api" / "index.html").read_text(encoding="utf-8")
    assert "This SOP has no rollback." in page
    assert "sop-status--draft" in page


# --- safety of the generated HTML -----------------------------------------------------------

# Markup from the XSS fixture that must never reach HTML unescaped.
DANGEROUS = [
    "<script>alert(",
    "<img src=x onerror",
    "<svg onload",
    "<iframe src=javascript",
    "<b onmouseover",
    "<b onclick",
    "<div onmouseover",
    "</title><script>",
    'href="javascript:',
    "<b>workers</b>",
]


def test_xss_fixture_page_shows_markup_only_escaped(site_build):
    html = site_build.page(f"{sitekit.XSS_ID}/").read_text(encoding="utf-8")
    for needle in DANGEROUS:
        assert needle not in html, f"unescaped {needle!r} in the XSS fixture page"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Restart &lt;b&gt;workers&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_titles_of_other_sops_are_escaped_where_a_page_links_them(site_build):
    """An SOP page shows the titles of the SOPs it relates to and rolls back with."""
    html = site_build.page(f"{sitekit.XSS_NEIGHBOUR_ID}/").read_text(encoding="utf-8")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; Restart &lt;b&gt;workers&lt;/b&gt;"
    related = html[html.index('<ul class="sop-related">') :]
    related = related[: related.index("</ul>")]
    assert f"{escaped}</a> <code>{sitekit.XSS_ID}</code>" in related
    assert f"Rebalance the message queue partitions</a> <code>{sitekit.QUOKKA_ID}</code>" in related
    rollback = html[html.index('class="sop-rollback-link"') :]
    assert rollback[rollback.index(">") + 1 :].startswith(f"{escaped}</a>")
    for needle in DANGEROUS:
        assert needle not in html, f"unescaped {needle!r}"


def test_no_page_carries_fixture_markup(site_build):
    """Every page that shows the XSS fixture (catalog, owner, tag pages) escapes it,
    including <title>, and no element anywhere gets an event-handler attribute."""
    for path in site_build.html_files():
        html = path.read_text(encoding="utf-8")
        rel = path.relative_to(site_build.site).as_posix()
        for needle in DANGEROUS:
            assert needle not in html, f"{rel}: unescaped {needle!r}"
        for tag, attrs in parse(path).elements:
            handlers = [name for name in attrs if name.startswith("on")]
            assert not handlers, f"{rel}: <{tag}> has {handlers}"
            if tag == "script":
                assert "alert" not in (attrs.get("src") or ""), rel
    owner_page = site_build.page(f"owners/{slugify(sources_owner_of(sitekit.XSS_ID))}/")
    title = "".join(parse(owner_page).text.get("title", []))
    assert title.startswith("Owner: team-</title><script>alert(2)</script>"), title  # shown as text


def sources_owner_of(sop_id: str) -> str:
    for text in sitekit.catalog_sources().values():
        meta = front_matter(text)
        if meta["id"] == sop_id:
            return meta["owner"]
    raise KeyError(sop_id)


def test_no_page_loads_anything_from_another_host(site_build):
    checked = 0
    for path in site_build.html_files():
        rel = path.relative_to(site_build.site).as_posix()
        for tag, attrs in parse(path).elements:
            for name in {
                "script": ["src"],
                "link": ["href"],
                "img": ["src", "srcset"],
                "iframe": ["src"],
                "source": ["src", "srcset"],
            }.get(tag, []):
                value = (attrs.get(name) or "").strip()
                if not value:
                    continue
                checked += 1
                parts = urlsplit(value)
                assert parts.scheme not in ("http", "https") and not value.startswith("//"), f"{rel}: <{tag} {name}={value!r}>"
    assert checked > 100  # the scan saw the theme's scripts and stylesheets


def check_search_index(site: Path) -> None:
    """The Pagefind output is complete: no empty file, every gzip member intact, the
    entry file parses and names files that exist."""
    pagefind = site / "pagefind"
    files = [p for p in pagefind.rglob("*") if p.is_file()]
    assert files, f"{pagefind}: no search index"
    empty = [p.relative_to(site).as_posix() for p in files if p.stat().st_size == 0]
    assert not empty, f"empty search-index files: {empty}"
    for path in files:
        if path.suffix.startswith(".pf_"):
            data = gzip.decompress(path.read_bytes())  # raises on a truncated file
            assert data.startswith(b"pagefind_dcd"), path
    entry = json.loads((pagefind / "pagefind-entry.json").read_text(encoding="utf-8"))
    [(language, meta)] = entry["languages"].items()
    assert language == "en" and meta["page_count"] == len(json.loads((site / "sops.json").read_text())["sops"])
    assert (pagefind / f"pagefind.{meta['hash']}.pf_meta").is_file()
    assert (pagefind / f"wasm.{meta['wasm']}.pagefind").is_file()
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css"):
        assert (pagefind / name).stat().st_size > 1000, name


def test_search_index_is_complete(site_build):
    check_search_index(site_build.site)


# --- ProperDocs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def properdocs_site(site_build, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("properdocs") / "SITE"
    result = sitekit.run_build(site_build.project, site, "--engine", "properdocs")
    assert result.returncode == 0, f"properdocs build failed:\n{result.stdout}\n{result.stderr}"
    check_search_index(site)
    return site


HEADER = re.compile(r'<div class="sop-header".*?</dl></details></div>', re.DOTALL)
H1 = re.compile(r"<h1[^>]*>(.*?)<a class=\"headerlink\"", re.DOTALL)


def test_properdocs_builds_the_same_sops(site_build, properdocs_site, catalog, sources):
    assert (properdocs_site / "sops.json").read_bytes() == (site_build.site / "sops.json").read_bytes()
    for sop_id in sources:
        mkdocs_html = site_build.page(f"{sop_id}/").read_text(encoding="utf-8")
        proper_page = properdocs_site / sop_id / "index.html"
        assert proper_page.is_file(), f"properdocs: no page for {sop_id}"
        proper_html = proper_page.read_text(encoding="utf-8")
        assert HEADER.search(proper_html), f"properdocs: {sop_id} has no SOP header"
        assert HEADER.search(proper_html).group() == HEADER.search(mkdocs_html).group(), sop_id
        assert H1.search(proper_html).group(1) == H1.search(mkdocs_html).group(1), sop_id
    due = (properdocs_site / sitekit.DUE_SOON_ID / "index.html").read_text(encoding="utf-8")
    assert 'data-sop-staleness="due-soon">Review due soon</span>' in due
    quokka = (properdocs_site / sitekit.QUOKKA_ID / "index.html").read_text(encoding="utf-8")
    assert f'<dt>Owner</dt><dd><a href="../owners/{sitekit.QUOKKA_OWNER}/">{sitekit.QUOKKA_OWNER}</a></dd>' in quokka
    for path in sorted(properdocs_site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        for needle in DANGEROUS:
            assert needle not in html, f"properdocs: {path.relative_to(properdocs_site)}: unescaped {needle!r}"
    for url in (
        "index.html",
        "owners/index.html",
        "tags/index.html",
        f"owners/{sitekit.QUOKKA_OWNER}/index.html",
        "pagefind/pagefind-ui.js",
    ):
        assert (properdocs_site / url).is_file(), f"properdocs: no {url}"


# --- determinism ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def second_build(site_build, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("second-build") / "SITE"
    result = sitekit.run_build(site_build.project, site)
    assert result.returncode == 0, result.stderr
    check_search_index(site)
    return site


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def first_difference(name: str, a: bytes, b: bytes) -> str:
    index = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"{name} (sizes {len(a)} / {len(b)}), from byte {index}: {a[index : index + 80]!r} / {b[index : index + 80]!r}"


def test_two_builds_give_the_same_catalog_and_pages(site_build, second_build, sources):
    assert (site_build.site / "sops.json").read_bytes() == (second_build / "sops.json").read_bytes()
    for sop_id in sources:
        first = site_build.page(f"{sop_id}/").read_bytes()
        assert first == (second_build / sop_id / "index.html").read_bytes(), f"{sop_id}: page differs between builds"


def test_two_builds_are_byte_identical(site_build, second_build):
    """Every file, the search index included (Pagefind's filters are put in a fixed
    order: sopdocs.site.stable_index) and the sitemap (dated by the build's day)."""
    first, second = files_of(site_build.site), files_of(second_build)
    assert sorted(first) == sorted(second)
    differing = sorted(k for k in first if first[k] != second[k])
    assert differing == [], "files that differ between two builds of the same sources:\n" + "\n".join(
        first_difference(k, first[k], second[k]) for k in differing
    )
    assert any(k.startswith("pagefind/filter/") for k in first) and "sitemap.xml.gz" in first


@pytest.mark.skipif("SOURCE_DATE_EPOCH" in os.environ, reason="the caller pinned the build date")
def test_the_sitemap_is_dated_by_the_builds_day_not_the_clock(site_build):
    """MkDocs stamps sitemap.xml.gz with the build date: the plugin makes it `--today`,
    so a build for the same day is the same bytes whenever it runs."""
    header = (site_build.site / "sitemap.xml.gz").read_bytes()[:10]
    stamped = dt.datetime.fromtimestamp(int.from_bytes(header[4:8], "little"), dt.UTC)
    assert stamped == dt.datetime.combine(dt.date.fromisoformat(sitekit.TODAY), dt.time(), dt.UTC)
