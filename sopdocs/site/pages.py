"""Generate the catalog site's content from parsed SOPs.

Output is plain Markdown with raw HTML blocks, CSS and JS: any MkDocs-compatible
builder (MkDocs, ProperDocs) renders it; the MkDocs plugin is only an adapter. Every
function here is deterministic: the same SOPs and `today` give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import unquote, urlsplit

from sopdocs.author.scaffold import slugify
from sopdocs.core.model import Section, SopDocument
from sopdocs.core.review import ReviewState, review_state
from sopdocs.site.html import attr, esc, md_text, render, render_inline

ASSET_DIR = "assets/sopdocs"
# Linked from every page (extra_css / extra_javascript).
LINKED_ASSETS = ("sopdocs.css", "sopdocs.js")
# Loaded by the pages that need it, right where they need it.
SEARCH_SCRIPT = "sopdocs-search.js"
ASSETS = (*LINKED_ASSETS, SEARCH_SCRIPT)
STATE_LABELS = {"current": "Current", "due-soon": "Review due soon", "overdue": "Review overdue", "unknown": "Review date unknown"}
STATUS_LABELS = {"draft": "Draft", "in-review": "In review", "approved": "Approved", "deprecated": "Deprecated", "retired": "Retired"}
# Sections the page renders in a fixed place; the others follow in the author's order.
PLACED = ("steps", "verification", "rollback", "preconditions")

# Parts of a generated page that are HTML are marked, so that an adapter can keep them
# out of the Markdown renderer (Python-Markdown is slow on large raw-HTML blocks) and
# insert them after rendering; plain builders get ordinary Markdown with raw HTML.
_HTML_OPEN, _HTML_CLOSE = "<!--sopdocs:html-->", "<!--/sopdocs:html-->"
_MARKED = re.compile(re.escape(_HTML_OPEN) + r"\n(.*?)\n" + re.escape(_HTML_CLOSE), re.DOTALL)
_PLACEHOLDER = re.compile(r"<p>SOPDOCSHTMLBLOCK(\d+)Z</p>")
# A page that is one HTML part, to be filled in after the Markdown renderer.
PAGE_PLACEHOLDER = "SOPDOCSHTMLBLOCK0Z\n"


def join_page(parts: list[str]) -> str:
    """A page from parts: Markdown (headings, front matter) as is, HTML parts marked."""
    marked = [f"{_HTML_OPEN}\n{part}\n{_HTML_CLOSE}" if part.startswith("<") else part for part in parts]
    return "\n".join(marked).rstrip() + "\n"


def plain_markdown(page: str) -> str:
    """The page as ordinary Markdown with raw HTML blocks, for any MkDocs-like builder."""
    return _MARKED.sub(lambda m: f"\n{m.group(1)}\n", page)


def with_placeholders(page: str) -> tuple[str, list[str]]:
    """The page with each HTML part replaced by a placeholder paragraph, and the parts."""
    blocks: list[str] = []

    def placeholder(match: re.Match) -> str:
        blocks.append(match.group(1))
        return f"\n\nSOPDOCSHTMLBLOCK{len(blocks) - 1}Z\n\n"

    return _MARKED.sub(placeholder, page), blocks


def fill_placeholders(html_text: str, blocks: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], html_text)


@dataclass
class Entry:
    """One SOP as the site sees it."""

    doc: SopDocument
    src: str  # docs-relative source path, e.g. "db/postgres-restore.md"
    url: str  # site-relative page URL, e.g. "db/postgres-restore/"
    review: ReviewState
    last_changed: dt.date | None = None  # last content change, from git (None without history)

    @property
    def meta(self) -> dict:
        return self.doc.meta or {}

    @property
    def sop_id(self) -> str:
        return self.doc.sop_id or posixpath.splitext(posixpath.basename(self.src))[0]

    @property
    def title(self) -> str:
        title = self.meta.get("title")
        return title if isinstance(title, str) and title.strip() else self.sop_id

    def text(self, key: str) -> str:
        value = self.meta.get(key)
        return value if isinstance(value, str) else ""

    def strings(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if isinstance(value, str):
            return [value]
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    @property
    def status(self) -> str:
        return self.text("status") or "draft"


@dataclass
class Site:
    entries: list[Entry]
    today: dt.date
    due_soon_days: int
    title: str = "SOP catalog"
    use_directory_urls: bool = True
    metrics: object | None = None  # reliability.SiteMetrics when the build was given run metrics
    by_src: dict[str, Entry] = field(default_factory=dict)
    by_id: dict[str, Entry] = field(default_factory=dict)
    rows: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)  # see _row

    def __post_init__(self) -> None:
        self.entries.sort(key=lambda e: (e.title.lower(), e.sop_id, e.src))
        self.by_src = {e.src: e for e in self.entries}
        for entry in self.entries:
            self.by_id.setdefault(entry.sop_id, entry)

    def page_url(self, src: str) -> str:
        return page_url(src, self.use_directory_urls)

    def owners(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.text("owner") or "(no owner)", []).append(entry)
        return dict(sorted(grouped.items()))

    def tags(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            for tag in entry.strings("tags"):
                grouped.setdefault(tag, []).append(entry)
        return dict(sorted(grouped.items(), key=lambda kv: kv[0].lower()))


def page_url(src: str, use_directory_urls: bool = True) -> str:
    """The site-relative URL of the page built from ``src``, as MkDocs makes it."""
    stem = src.removesuffix(".md")
    if posixpath.basename(stem) in ("index", "README"):
        stem = posixpath.dirname(stem)
        return f"{stem}/" if stem else ""
    return f"{stem}/" if use_directory_urls else f"{stem}.html"


def build_site(docs: dict[str, SopDocument], today: dt.date, review_in: str, due_soon_days: int, **options) -> Site:
    probe = Site([], today, due_soon_days, **options)
    changed = _last_changed(docs)
    entries = [
        Entry(doc, src, probe.page_url(src), review_state(doc.meta, today, review_in, due_soon_days), changed.get(src))
        for src, doc in sorted(docs.items())
    ]
    return Site(entries, today, due_soon_days, **options)


def _last_changed(docs: dict[str, SopDocument]) -> dict[str, dt.date]:
    """When each SOP's content last changed (review-date bumps do not count), from git.
    Outside a git repository (a tarball, a temporary copy) there is nothing to show."""
    from sopdocs.core.history import REVIEW_KEYS, load

    history = load([doc.path for doc in docs.values()], REVIEW_KEYS)
    found = {src: history.get(doc.path) for src, doc in docs.items()} if history.available else {}
    return {src: h.last_changed for src, h in found.items() if h is not None and h.last_changed is not None}


def directory_of(url: str) -> str:
    """The directory a page URL's relative links start from: `a/b/` for `a/b/`, `a/`
    for `a/b.html` (the URLs are site-relative)."""
    return url if url.endswith("/") or not url else posixpath.dirname(url) + "/"


@functools.lru_cache(maxsize=1 << 16)
def relative(from_url: str, to_url: str) -> str:
    """Relative href from the page at from_url to to_url (both site-relative)."""
    base = directory_of(from_url)
    target = posixpath.relpath("/" + to_url, "/" + base) if to_url else posixpath.relpath("/", "/" + base)
    if to_url.endswith("/") and not target.endswith("/"):
        target += "/"
    if target == "./":
        return "./"
    return target if target != "." else "./"


def owner_url(owner: str) -> str:
    return f"owners/{slugify(owner) or 'none'}/"


def tag_url(tag: str) -> str:
    return f"tags/{slugify(tag) or 'tag'}/"


# --- SOP page ------------------------------------------------------------------------


def sop_page(site: Site, entry: Entry) -> str:
    doc, here = entry.doc, entry.url
    lines = doc.text.split("\n")
    links = _link_resolver(site, entry)
    parts = [f"# {md_text(entry.title)}", "", _header(site, entry), ""]
    if site.metrics is not None:
        from sopdocs.site.reliability import sop_figures

        parts += [sop_figures(site, entry), ""]
    intro = _intro_html(doc, lines, links)
    if intro:
        parts += [f'<div class="sop-intro">\n{intro}</div>', ""]
    total = _count_checks(doc)
    parts += [
        f'<div class="sop-run" data-sop-run="{attr(entry.sop_id)}" data-sop-version="{attr(entry.text("version") or doc.sha256[:12])}">'
        f'<span class="sop-progress" data-sop-progress aria-live="polite">0 of {total} done</span> '
        '<button type="button" class="sop-reset md-button" data-sop-reset>Start a new run</button>'
        '<button type="button" class="sop-print md-button" data-sop-print>Print</button></div>',
        "",
    ]
    preconditions = entry.meta.get("preconditions")
    parts += ["## Preconditions", "", _actions_html(preconditions, "pre", links, ordered=False)]
    body_pre = doc.section("preconditions")
    if body_pre:
        parts.append(f'<div class="sop-section">\n{render(_section_source(lines, body_pre), links)}</div>')
    parts.append("")

    steps = doc.section("steps")
    parts += ["## Steps", ""]
    if steps and doc.steps:
        parts.append(f'<div class="sop-steps">\n{render(_section_source(lines, steps), links, checklist="step")}</div>')
    else:
        parts.append('<p class="sop-missing">This SOP has no steps.</p>')
    parts.append("")

    verification = doc.section("verification")
    if verification:
        parts += ["## Verification", "", f'<div class="sop-verification">\n{render(_section_source(lines, verification), links, checklist="verify")}</div>', ""]

    parts += ["## Rollback", "", _rollback_html(site, entry, links)]
    body_rollback = doc.section("rollback")
    if body_rollback:
        parts.append(f'<div class="sop-section">\n{render(_section_source(lines, body_rollback), links)}</div>')
    parts.append("")

    for section in doc.sections:
        if section.slug in PLACED:
            continue
        parts += [f"## {md_text(section.title)}", "", f'<div class="sop-section">\n{render(_section_source(lines, section), links)}</div>', ""]

    related = [site.by_id[r] for r in entry.strings("related") if r in site.by_id]
    missing = [r for r in entry.strings("related") if r not in site.by_id]
    if related or missing:
        items = [f'<li><a href="{attr(relative(here, r.url))}">{esc(r.title)}</a> <code>{esc(r.sop_id)}</code></li>' for r in related]
        items += [f'<li class="sop-missing">{esc(r)} (not in the catalog)</li>' for r in missing]
        parts += ["## Related SOPs", "", '<ul class="sop-related">' + "".join(items) + "</ul>", ""]
    return join_page(parts)


def _header(site: Site, entry: Entry) -> str:
    here, review = entry.url, entry.review
    facts: list[tuple[str, str]] = []

    def people(key: str) -> str:
        return ", ".join(esc(v) for v in entry.strings(key))

    owner = entry.text("owner")
    if owner:
        facts.append(("Owner", _owner_link(owner, here)))
    for label, key in (("Backup owner", "backup_owner"), ("Escalation", "escalation"), ("Execution roles", "execution_roles"), ("Approvers", "approvers")):
        if entry.strings(key):
            facts.append((label, people(key)))
    for label, key in (("Layer", "layer"), ("Version", "version")):
        if entry.text(key):
            facts.append((label, esc(entry.text(key))))
    facts.append(("Last reviewed", _date(review.last_reviewed) if review.last_reviewed else '<span class="sop-missing">unknown</span>'))
    if entry.last_changed:
        facts.append(("Last changed", f"{_date(entry.last_changed)} (content, from git)"))
    if review.next_review:
        facts.append(("Next review", f'{_date(review.next_review)} <span class="sop-days" data-sop-days>{esc(_days_text(review.days_left))}</span>'))
    facts.append(("ID", f"<code>{esc(entry.sop_id)}</code>"))
    tags = entry.strings("tags")
    if tags:
        facts.append(("Tags", _tag_links(tags, here)))
    rows = "".join(f'<div class="sop-fact"><dt>{esc(label)}</dt><dd>{value}</dd></div>' for label, value in facts)
    risk = entry.text("risk")
    badges = [
        _staleness_badge(review),
        f'<span class="sop-badge sop-status sop-status--{attr(entry.status)}">{esc(STATUS_LABELS.get(entry.status, entry.status))}</span>',
    ]
    if risk:
        badges.append(f'<span class="sop-badge sop-risk sop-risk--{attr(risk)}">{esc(risk.capitalize())} risk</span>')
    return (
        f'<div class="sop-header" data-sop-review {_review_attrs(site, review)}>'
        f'<div class="sop-badges">{"".join(badges)}</div>'
        f'<dl class="sop-facts">{rows}</dl></div>'
    )


def _review_attrs(site: Site, review: ReviewState) -> str:
    return (
        f'data-next-review="{attr(review.next_review or "")}" data-due-soon-days="{site.due_soon_days}" '
        f'data-built="{attr(site.today)}"'
    )


def _staleness_badge(review: ReviewState) -> str:
    return (
        f'<span class="sop-badge sop-stale sop-stale--{review.state}" data-sop-staleness="{review.state}">'
        f"{esc(STATE_LABELS[review.state])}</span>"
    )


def _date(value: dt.date) -> str:
    return f'<time datetime="{value.isoformat()}">{value.isoformat()}</time>'


def _days_text(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"({-days} day{'s' if days != -1 else ''} overdue)"
    if days == 0:
        return "(due today)"
    return f"(in {days} day{'s' if days != 1 else ''})"


def _actions_html(actions, prefix: str, links, ordered: bool) -> str:
    if not isinstance(actions, list) or not actions:
        return '<p class="sop-missing">None listed.</p>'
    tag = "ol" if ordered else "ul"
    items = []
    for number, action in enumerate(actions, start=1):
        item_id = f"{prefix}-{number}"
        text, extra = "", ""
        if isinstance(action, str):
            text = action
        elif isinstance(action, dict):
            text = action.get("text") if isinstance(action.get("text"), str) else ""
            command = action.get("command")
            if isinstance(command, str):
                # The same info string a step's code block has, so it renders the same way.
                words = [str(action.get("shell") or "bash"), *(f for f in ("confirm", "idempotent") if action.get(f) is True)]
                if isinstance(action.get("timeout"), str):
                    words.append(f"timeout={action['timeout']}")
                # A fence longer than any backtick run in the command, which cannot close it early.
                fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", command)), default=0))
                extra = render(f"{fence}{' '.join(words)}\n{command.rstrip()}\n{fence}\n")
        items.append(
            f'<li class="sop-check" id="{attr(item_id)}"><p><input type="checkbox" class="sop-checkbox" '
            f'data-sop-item="{attr(item_id)}" aria-label="Done: {attr(prefix)} {number}"> {render_inline(text, links)}</p>{extra}</li>'
        )
    return f'<{tag} class="sop-checklist">' + "".join(items) + f"</{tag}>"


def _rollback_html(site: Site, entry: Entry, links) -> str:
    rollback = entry.meta.get("rollback")
    if isinstance(rollback, dict) and isinstance(rollback.get("sop"), str):
        target = site.by_id.get(rollback["sop"])
        if target is None:
            inner = f'<p>Roll back with the SOP <code>{esc(rollback["sop"])}</code>, which is <strong>not in the catalog</strong>.</p>'
        else:
            inner = (
                f'<p>Roll back with its own SOP: <a class="sop-rollback-link" href="{attr(relative(entry.url, target.url))}">'
                f"{esc(target.title)}</a> <code>{esc(target.sop_id)}</code>.</p>"
            )
    elif isinstance(rollback, list) and rollback:
        inner = _actions_html(rollback, "rollback", links, ordered=True)
    else:
        inner = '<p class="sop-missing"><strong>This SOP has no rollback.</strong></p>'
    return f'<div class="sop-rollback" data-pagefind-weight="2">\n{inner}\n</div>'


def _count_checks(doc: SopDocument) -> int:
    meta = doc.meta or {}
    count = len(meta.get("preconditions") or []) if isinstance(meta.get("preconditions"), list) else 0
    count += len(doc.steps)
    verification = doc.section("verification")
    count += len(verification.items) if verification else 0
    return count


def _section_source(lines: list[str], section: Section) -> str:
    """The Markdown of a section below its heading; ``lines``: the file's lines."""
    return "\n".join(lines[section.position.line : section.end_line]) + "\n"


def _intro_html(doc: SopDocument, lines: list[str], links) -> str:
    end = doc.sections[0].position.line - 1 if doc.sections else len(lines)
    source = "\n".join(lines[doc.body_line - 1 : end])
    rendered = render(source, links)
    return re.sub(r"^<h1>.*?</h1>\n", "", rendered, count=1, flags=re.DOTALL)


def _link_resolver(site: Site, entry: Entry):
    def resolve(href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.endswith(".md") or parts.path.startswith("/"):
            return None
        target_src = posixpath.normpath(posixpath.join(posixpath.dirname(entry.src), unquote(parts.path)))
        target = site.by_src.get(target_src)
        if target is None:
            return None
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return relative(entry.url, target.url) + fragment

    return resolve


# --- catalog and index pages -------------------------------------------------------------


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
    owner = e.text("owner")
    tags = e.strings("tags")
    search_text = " ".join([e.title, e.sop_id, owner, e.text("backup_owner"), *tags, e.text("layer")]).lower()
    return (
        f'<tr data-sop-row data-id="{attr(e.sop_id)}" data-title="{attr(e.title.lower())}" data-owner="{attr(owner)}" '
        f'data-layer="{attr(e.text("layer"))}" data-risk="{attr(e.text("risk"))}" data-status="{attr(e.status)}" '
        f'data-tags="{attr(" ".join(tags))}" data-reviewed="{attr(e.review.last_reviewed or "")}" '
        f'data-next-review="{attr(e.review.next_review or "")}" data-staleness="{e.review.state}" '
        f'data-text="{attr(search_text)}">'
        f'<td><a href="{attr(relative(here, e.url))}">{esc(e.title)}</a><br><code class="sop-id">{esc(e.sop_id)}</code></td>'
        f"<td>{_owner_link(owner, here)}</td>"
        f"<td>{esc(e.text('layer'))}</td><td>{esc(e.text('risk'))}</td>"
        f'<td><span class="sop-badge sop-status sop-status--{attr(e.status)}">{esc(STATUS_LABELS.get(e.status, e.status))}</span></td>'
        f"<td>{_tag_links(tags, here)}</td>"
        f"<td>{_date(e.review.last_reviewed) if e.review.last_reviewed else ''}</td>"
        f'<td data-sop-review {_review_attrs(site, e.review)}>{_staleness_badge(e.review)}</td></tr>'
    )


def _tag_links(tags: list[str], here: str) -> str:
    return " ".join(f'<a class="sop-tag" href="{attr(relative(here, tag_url(t)))}">{esc(t)}</a>' for t in tags)


def _owner_link(owner: str, here: str) -> str:
    return f'<a href="{attr(relative(here, owner_url(owner)))}">{esc(owner)}</a>' if owner else ""


def _counts(entries: list[Entry]) -> str:
    states = Counter(e.review.state for e in entries)
    parts = [f'<span data-sop-count="total">{len(entries)}</span> SOPs']
    for state, label in (("overdue", "overdue"), ("due-soon", "due soon"), ("current", "current")):
        parts.append(f'<span class="sop-count sop-count--{state}"><span data-sop-count="{state}">{states.get(state, 0)}</span> {label}</span>')
    return '<p class="sop-counts" data-sop-counts>' + " · ".join(parts) + "</p>"


def _select(name: str, label: str, values: list[str], labels: dict[str, str] | None = None) -> str:
    options = "".join(f'<option value="{attr(v)}">{esc((labels or {}).get(v, v))}</option>' for v in values)
    return f'<label class="sop-filter">{esc(label)} <select data-sop-filter="{name}"><option value="">All</option>{options}</select></label>'


def catalog_page(site: Site, here: str = "") -> str:
    entries = site.entries
    owners = sorted({e.text("owner") for e in entries if e.text("owner")})
    tags = sorted({t for e in entries for t in e.strings("tags")}, key=str.lower)
    layers = sorted({e.text("layer") for e in entries if e.text("layer")})
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
            f"# {md_text(site.title)}",
            "",
            f'<div class="sop-catalog" data-pagefind-ignore="all" data-sop-root="{attr(root)}">'
            '<div class="sop-search" data-sop-search><noscript>Search needs JavaScript; use the table below.</noscript></div>'
            f"{_search_script(here)}"
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
            f"---\ntitle: {json.dumps(esc(title))}\n---",
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


def _search_script(here: str) -> str:
    """The search box's script, right after the box: it runs while the rest of the page
    (the catalog's table of every SOP) is still loading, so the box works at once."""
    return f'<script src="{attr(relative(here, f"{ASSET_DIR}/{SEARCH_SCRIPT}"))}"></script>'


def search_page(site: Site) -> str:
    """A light page with only the search box: on a large catalog it opens at once,
    where the catalog page first has to load its table of every SOP."""
    here = site.page_url(SEARCH_SRC)
    return join_page(
        [
            "# Search",
            "",
            f'<div class="sop-search-page" data-pagefind-ignore="all" data-sop-root="{attr(relative(here, ""))}" data-sop-autofocus>'
            '<div class="sop-search" data-sop-search><noscript>Search needs JavaScript; the catalog page lists every SOP.</noscript></div>'
            f"{_search_script(here)}"
            "<p class=\"sop-meta\">Finds SOPs by title, id, owner, tag, layer, status, and any word of their steps, "
            "commands, preconditions and rollback.</p></div>",
        ]
    )


def generated_pages(site: Site, catalog_src: str = "index.md") -> dict[str, str]:
    """Every generated page: docs-relative source path -> Markdown."""
    pages = {catalog_src: catalog_page(site, site.page_url(catalog_src)), SEARCH_SRC: search_page(site)}
    owners, tags = site.owners(), site.tags()
    pages["owners/index.md"] = _index_page(site, "Owners", owners, owner_url, "owners/")
    for owner, entries in owners.items():
        url = owner_url(owner)
        pages[url.rstrip("/") + ".md"] = _group_page(site, f"Owner: {owner}", entries, _page_url_of(site, url))
    pages["tags/index.md"] = _index_page(site, "Tags", tags, tag_url, "tags/")
    for tag, entries in tags.items():
        url = tag_url(tag)
        pages[url.rstrip("/") + ".md"] = _group_page(site, f"Tag: {tag}", entries, _page_url_of(site, url))
    if site.metrics is not None:
        from sopdocs.site.reliability import RELIABILITY_SRC, reliability_page

        pages[RELIABILITY_SRC] = reliability_page(site, site.page_url(RELIABILITY_SRC))
    return pages


def _page_url_of(site: Site, url: str) -> str:
    return site.page_url(url.rstrip("/") + ".md")


def catalog_json(site: Site) -> str:
    sops = [
        {
            "id": e.sop_id,
            "title": e.title,
            "url": e.url,
            "source": e.src,
            "owner": e.text("owner") or None,
            "backup_owner": e.text("backup_owner") or None,
            "status": e.status,
            "risk": e.text("risk") or None,
            "layer": e.text("layer") or None,
            "version": e.text("version") or None,
            "tags": e.strings("tags"),
            "last_reviewed": e.review.last_reviewed.isoformat() if e.review.last_reviewed else None,
            "next_review": e.review.next_review.isoformat() if e.review.next_review else None,
            "review_state": e.review.state,
        }
        for e in sorted(site.entries, key=lambda e: (e.sop_id, e.src))
    ]
    payload = {"version": 1, "built_for": site.today.isoformat(), "count": len(sops), "sops": sops}
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def asset_text(name: str) -> str:
    return resources.files("sopdocs.site").joinpath("assets", name).read_text(encoding="utf-8")
