"""The pages that list SOPs: the catalog (with its filters and search box), the owner
and tag pages and their indexes, the Search page, and `sops.json`."""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Callable, Container
from importlib import resources

from sopdocs.site.fragments import STATE_LABELS, STATUS_LABELS, date_html, owner_link, review_attrs, staleness_badge, tag_links
from sopdocs.site.html import attr, esc, md_text
from sopdocs.site.model import Entry, Site
from sopdocs.site.placeholders import join_page
from sopdocs.site.reliability import RELIABILITY_SRC, reliability_page
from sopdocs.site.search import filters as search_filters_of
from sopdocs.site.urls import directory_of, owner_src, relative, tag_src

ASSET_DIR = "assets/sopdocs"
# Linked from every page (extra_css / extra_javascript).
LINKED_ASSETS = ("sopdocs.css", "sopdocs.js")
# Loaded by the pages that need it, right where they need it.
SEARCH_SCRIPT = "sopdocs-search.js"
ASSETS = (*LINKED_ASSETS, SEARCH_SCRIPT)


# Rows a table shows before "Show all": a browser lays out a table of thousands of rows
# for seconds (measured: 5,000 rows, 4 s before the page answers a key press), and
# nobody reads past the first screens; the filters and search reach every SOP.
TABLE_ROWS = 200


# Without JavaScript nothing would show the hidden rows: this does (style-src allows
# inline styles; scripts stay external).
NOSCRIPT_ALL_ROWS = (
    "<noscript><style>.sop-table tr[data-sop-row][hidden] { display: table-row; } .sop-more { display: none; }</style></noscript>"
)


def _shown(total: int) -> str:
    """The line above the catalog table as the page loads (sopdocs.js keeps it up to date)."""
    if total > TABLE_ROWS:
        return f"Showing the first {TABLE_ROWS} of {total}"
    return f"Showing {total} of {total}"


def _table(site: Site, entries: list[Entry], here: str, table_id: str) -> str:
    """A table of SOPs. Rows past the first TABLE_ROWS are hidden in the HTML, so the
    browser does not lay them out while the page loads; sopdocs.js then shows at most
    TABLE_ROWS matching rows and a "Show all" button. Without JavaScript, a noscript
    style shows every row."""
    head = "".join(
        f'<th scope="col"><button type="button" class="sop-sort" data-sop-sort="{key}">{label}</button></th>'
        for key, label in (
            ("title", "Title"),
            ("owner", "Owner"),
            ("layer", "Layer"),
            ("risk", "Risk"),
            ("status", "Status"),
            ("tags", "Tags"),
            ("reviewed", "Last reviewed"),
            ("staleness", "Review"),
        )
    )
    base = directory_of(here)  # rows depend only on it: the same on every owner and tag page
    rows = [_row(site, e, base) for e in entries]
    rows[TABLE_ROWS:] = [row.replace("<tr data-sop-row ", "<tr hidden data-sop-row ", 1) for row in rows[TABLE_ROWS:]]
    long = len(entries) > TABLE_ROWS
    more = (
        f'<p class="sop-more" data-sop-more{"" if long else " hidden"}>'
        f'<button type="button" class="sop-show-all" data-sop-show-all>Show all {len(entries)}</button></p>'
        f"{NOSCRIPT_ALL_ROWS if long else ''}"
    )
    return (
        f'<table class="sop-table" id="{attr(table_id)}" data-sop-table data-sop-limit="{TABLE_ROWS}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


def _row(site: Site, e: Entry, here: str) -> str:
    """An SOP's row in a table of a page in the directory ``here``. The owner and tag
    pages are all at the same depth: each row is made once (a memo on the site)."""
    key = (e.src, here)
    row = site.rows.get(key)
    if row is None:
        row = site.rows[key] = _make_row(site, e, here)
    return row


def _make_row(site: Site, e: Entry, here: str) -> str:
    owner = e.front.text("owner")
    tags = e.front.strings("tags")
    search_text = " ".join([e.title, e.sop_id, owner, e.front.text("backup_owner"), *tags, e.front.text("layer")]).lower()
    return (
        f'<tr data-sop-row data-id="{attr(e.sop_id)}" data-title="{attr(e.title.lower())}" data-owner="{attr(owner)}" '
        f'data-layer="{attr(e.front.text("layer"))}" data-risk="{attr(e.front.text("risk"))}" data-status="{attr(e.status)}" '
        f'data-tags="{attr(" ".join(tags))}" data-reviewed="{attr(e.review.last_reviewed or "")}" '
        f'data-next-review="{attr(e.review.next_review or "")}" data-staleness="{e.review.state}" '
        f'data-text="{attr(search_text)}">'
        f'<td class="sop-col-title"><a href="{attr(relative(here, e.url))}">{esc(e.title)}</a><br><code class="sop-id">{esc(e.sop_id)}</code></td>'
        f'<td class="sop-col-owner">{owner_link(site, owner, here)}</td>'
        f'<td class="sop-col-layer">{esc(e.front.text("layer"))}</td><td class="sop-col-risk">{esc(e.front.text("risk"))}</td>'
        f'<td class="sop-col-status"><span class="sop-badge sop-status sop-status--{attr(e.status)}">{esc(STATUS_LABELS.get(e.status, e.status))}</span></td>'
        f'<td class="sop-col-tags">{tag_links(site, tags, here)}</td>'
        f'<td class="sop-col-reviewed">{date_html(e.review.last_reviewed) if e.review.last_reviewed else ""}</td>'
        f'<td class="sop-col-review" data-sop-review {review_attrs(site, e.review)}>{staleness_badge(e.review)}</td></tr>'
    )


def _counts(entries: list[Entry]) -> str:
    states = Counter(e.review.state for e in entries)
    parts = [f'<span data-sop-count="total">{len(entries)}</span> SOPs']
    for state, label in (("overdue", "overdue"), ("due-soon", "due soon"), ("current", "current")):
        parts.append(f'<span class="sop-count sop-count--{state}"><span data-sop-count="{state}">{states.get(state, 0)}</span> {label}</span>')
    return '<p class="sop-counts" data-sop-counts>' + " · ".join(parts) + "</p>"


def _select(name: str, label: str, values: list[str], labels: dict[str, str] | None = None) -> str:
    options = "".join(f'<option value="{attr(v)}">{esc((labels or {}).get(v, v))}</option>' for v in values)
    return f'<label class="sop-filter">{esc(label)} <select data-sop-filter="{name}"><option value="">All</option>{options}</select></label>'


# Pages of SOP tables use the width the table of contents would take (they have none).
WIDE_PAGE = "---\nhide: [toc]\n---\n"


def catalog_page(site: Site, here: str = "") -> str:
    entries = site.entries
    owners = sorted({e.front.text("owner") for e in entries if e.front.text("owner")})
    tags = sorted({t for e in entries for t in e.front.strings("tags")}, key=str.lower)
    layers = sorted({e.front.text("layer") for e in entries if e.front.text("layer")})
    statuses = [s for s in STATUS_LABELS if any(e.status == s for e in entries)]
    filters = "".join(
        [
            '<label class="sop-filter sop-filter--text">Filter <input type="search" data-sop-filter="text" '
            'placeholder="title, id, owner, tag" autocomplete="off"></label>',
            _select("owner", "Owner", owners),
            _select("tags", "Tag", tags),
            _select("layer", "Layer", layers),
            _select("status", "Status", statuses, STATUS_LABELS),
            _select("staleness", "Review", ["overdue", "due-soon", "current", "unknown"], STATE_LABELS),
        ]
    )
    root = relative(here, "") if here else "./"
    return join_page(
        [
            WIDE_PAGE,
            f"# {md_text(site.title)}",
            "",
            f'<div class="sop-catalog" data-pagefind-ignore="all" data-sop-root="{attr(root)}">'
            f"{_search_script(here, preload=site.search)}"
            f'<form class="sop-filters" data-sop-filters role="search">{filters}</form>'
            f"{_counts(entries)}"
            f'<p class="sop-shown" data-sop-shown aria-live="polite">{_shown(len(entries))}</p>'
            f"{_table(site, entries, here, 'sop-catalog-table')}"
            f'<p class="sop-meta">Built {site.today.isoformat()} · <a href="{attr(relative(here, "sops.json"))}">sops.json</a></p>'
            "</div>",
            "",
        ]
    )


def _index_page(site: Site, title: str, groups: dict[str, list[Entry]], url_for, here: str) -> str:
    items = "".join(
        f'<li><a href="{attr(relative(here, url_for(name)))}">{esc(name)}</a> <span class="sop-count">{len(group)}</span>'
        f"{_mini_counts(group)}</li>"
        for name, group in groups.items()
    )
    return join_page([f"# {md_text(title)}", "", f'<ul class="sop-index" data-pagefind-ignore="all">{items}</ul>'])


def _mini_counts(entries: list[Entry]) -> str:
    overdue = sum(1 for e in entries if e.review.state == "overdue")
    return f' <span class="sop-badge sop-stale sop-stale--overdue">{overdue} overdue</span>' if overdue else ""


def _group_page(site: Site, title: str, entries: list[Entry], here: str) -> str:
    # An explicit, escaped page title: without it the theme derives <title> from the h1
    # and unescapes it (Material: `page.title | striptags`), so an owner name such as
    # `</title><script>...` would become markup.
    return join_page(
        [
            f"---\ntitle: {json.dumps(esc(title))}\nhide: [toc]\n---",
            "",
            f"# {md_text(title)}",
            "",
            f'<div class="sop-catalog" data-pagefind-ignore="all" data-sop-root="{attr(relative(here, ""))}">'
            f"{_counts(entries)}{_table(site, entries, here, 'sop-group-table')}</div>",
            "",
        ]
    )


SEARCH_SRC = "search.md"
# The pages every build lists in its navigation, in order.
NAV = [{"Catalog": "index.md"}, {"Search": SEARCH_SRC}, {"Owners": "owners/index.md"}, {"Tags": "tags/index.md"}]


def _search_script(here: str, preload: bool = False) -> str:
    """The search script, early in the page: it sets up the header's search box (and the
    Search page's) while the rest of the page (the catalog's table of every SOP) is still
    loading, so search works at once. With ``preload`` it also loads the search engine
    (Pagefind's script, WebAssembly and metadata: about 150 KiB at 5,000 SOPs) at once,
    while the browser still reads the page, instead of when the box gets the focus: on
    the catalog page, where a reader clicks the box and types before that would be done."""
    src = attr(relative(here, f"{ASSET_DIR}/{SEARCH_SCRIPT}"))
    return f'<script src="{src}" data-sop-search-preload></script>' if preload else f'<script src="{src}"></script>'


def search_filters(site: Site) -> dict[str, dict[str, int]]:
    """For each filter of the search index, how many SOPs have each value: what
    Pagefind's ``filters()`` answers, known when the site is built. The Search page
    carries it, so its filters show without fetching every filter chunk of the index
    (61 KiB at 5,000 SOPs, and Pagefind then counts filter values on every search); a
    chunk is fetched when a reader picks a value of its filter."""
    counts: dict[str, Counter[str]] = {}
    for entry in site.entries:
        for key, values in search_filters_of(entry).items():
            counts.setdefault(key, Counter()).update(set(values))
    return {key: dict(sorted(found.items())) for key, found in sorted(counts.items())}


def search_page(site: Site) -> str:
    """A light page with only the search box: on a large catalog it opens at once,
    where the catalog page first has to load its table of every SOP."""
    here = site.page_url(SEARCH_SRC)
    filters = json.dumps(search_filters(site), separators=(",", ":"))
    return join_page(
        [
            "# Search",
            "",
            f'<div class="sop-search-page" data-pagefind-ignore="all" data-sop-root="{attr(relative(here, ""))}" data-sop-autofocus>'
            f'<div class="sop-search" data-sop-search data-sop-filters="{attr(filters)}"><noscript>Search needs JavaScript; the catalog page lists every SOP.</noscript></div>'
            f"{_search_script(here)}"
            "<p class=\"sop-meta\">Finds SOPs by title, id, owner, tag, layer, status, and any word of their steps, "
            "commands, preconditions and rollback.</p></div>",
        ]
    )


def generated_pages(site: Site, catalog_src: str = "index.md", only: Container[str] | None = None) -> dict[str, str | None]:
    """Every generated page: docs-relative source path -> Markdown. With ``only``, every
    page is listed but only those in ``only`` are made (the others map to None): what
    `sopdocs serve` needs after an SOP changed (sopdocs.site.live)."""
    pages: dict[str, str | None] = {}

    def add(src: str, make: Callable[[], str]) -> None:
        pages[src] = make() if only is None or src in only else None

    add(catalog_src, lambda: catalog_page(site, site.page_url(catalog_src)))
    add(SEARCH_SRC, lambda: search_page(site))
    owners, tags = site.owners(), site.tags()
    add("owners/index.md", lambda: _index_page(site, "Owners", owners, site.owner_url, site.page_url("owners/index.md")))
    for owner, entries in owners.items():
        src = owner_src(owner)
        add(src, lambda src=src, owner=owner, entries=entries: _group_page(site, f"Owner: {owner}", entries, site.page_url(src)))
    add("tags/index.md", lambda: _index_page(site, "Tags", tags, site.tag_url, site.page_url("tags/index.md")))
    for tag, entries in tags.items():
        src = tag_src(tag)
        add(src, lambda src=src, tag=tag, entries=entries: _group_page(site, f"Tag: {tag}", entries, site.page_url(src)))
    if site.metrics is not None:
        add(RELIABILITY_SRC, lambda: reliability_page(site, site.page_url(RELIABILITY_SRC)))
    return pages


def catalog_json(site: Site) -> str:
    """`sops.json`: ``json.dumps(payload, indent=2, ensure_ascii=False)``, with each SOP's
    object encoded once (a memo on the site, kept by `sopdocs serve` for the SOPs that did
    not change): Python's JSON encoder with an indent is pure Python, 2 s at 5,000 SOPs."""
    entries = sorted(site.entries, key=lambda e: (e.sop_id, e.src))
    objects = []
    for e in entries:
        text = site.json_rows.get(e.src)
        if text is None:
            # No string holds a raw newline (JSON escapes it): every line break is the
            # indent's, and an object two levels down is indented four spaces more.
            text = site.json_rows[e.src] = json.dumps(_sop_json(e), indent=2, ensure_ascii=False).replace("\n", "\n    ")
        objects.append(text)
    head = json.dumps({"version": 1, "built_for": site.today.isoformat(), "count": len(entries)}, indent=2, ensure_ascii=False)[:-2]
    sops = "[\n    " + ",\n    ".join(objects) + "\n  ]" if objects else "[]"
    return f'{head},\n  "sops": {sops}\n}}\n'


def _sop_json(e: Entry) -> dict:
    return {
        "id": e.sop_id,
        "title": e.title,
        "url": e.url,
        "source": posixpath.join(posixpath.dirname(e.src), e.doc.path.name),  # the file as named in the docs
        "owner": e.front.text("owner") or None,
        "backup_owner": e.front.text("backup_owner") or None,
        "status": e.status,
        "risk": e.front.text("risk") or None,
        "layer": e.front.text("layer") or None,
        "version": e.front.text("version") or None,
        "tags": e.front.strings("tags"),
        "last_reviewed": e.review.last_reviewed.isoformat() if e.review.last_reviewed else None,
        "next_review": e.review.next_review.isoformat() if e.review.next_review else None,
        "review_state": e.review.state,
    }


def asset_text(name: str) -> str:
    return resources.files("sopdocs.site").joinpath("assets", name).read_text(encoding="utf-8")
