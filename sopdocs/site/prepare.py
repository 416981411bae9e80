"""The per-SOP work of a site build, on every core.

A build does, for every SOP: parse it, run the per-file lint rules, write its page's
Markdown and its search record. That is most of a build's own work, and it is
independent per SOP once the catalog is known, so it is split over worker processes
the way `sopdocs lint` splits its work (:mod:`sopdocs.workers`), in two phases:

1. **parse**: each process parses its share of the files, keeps the documents and
   writes their search records. It sends back what the rest of the build needs: each
   file's lint cache entry (static findings and facts, exactly as `sopdocs lint`
   computes them) and its front matter. The main process runs the catalog-wide and
   date-dependent rules and decides whether the build may go on, as `sopdocs lint` would.
2. **render**: with the catalog known (titles, URLs, review states), each process writes
   the pages of the SOPs it parsed and sends them back.

Phase 2 sends each SOP to the process that parsed it (which still holds its document).
The main process takes a share itself, and does everything alone for small catalogs,
when worker processes cannot start (a sandbox) or when one dies. The output is the same
bytes whichever way the work was split.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core.model import SopDocument
from sopdocs.core.parallel import CHUNK, Pool, default_jobs
from sopdocs.core.parser import parse_file
from sopdocs.core.review import review_state
from sopdocs.lint.fast import analyse_document, combine
from sopdocs.site import model, placeholders, sop_page, urls
from sopdocs.site.search import SearchRecord, search_record, write_record

# Below this many SOPs one process is faster than starting others (about 0.3 s each).
PARALLEL_MIN = 400


@dataclass(frozen=True)
class Item:
    """One SOP file of the build."""

    src: str  # docs-relative source path
    path: Path
    display: str  # the path as lint messages show it
    fallback_id: str = ""  # its id if the front matter has none (model.fallback_ids)


@dataclass
class Parsed:
    """Phase 1 of one file: its lint cache entry and its front matter."""

    sha256: str
    entry: dict[str, Any]
    meta: dict[str, Any] | None
    front_matter_line: int


@dataclass
class Page:
    """Phase 2 of one SOP: its page as Markdown with placeholders, and the HTML parts.
    With ``toc`` (Python-Markdown's ``toc_tokens``), the headings were rendered here
    too: ``markdown`` is a single placeholder for the whole page in ``blocks[0]``."""

    markdown: str
    blocks: list[str]
    toc: list[dict[str, Any]] | None = None
    record: SearchRecord | None = None  # for the offline search index, when asked for


@dataclass(frozen=True)
class MarkdownOptions:
    """The build's Python-Markdown settings (MkDocs' ``markdown_extensions`` and
    ``mdx_configs``), to render SOP page headings exactly as MkDocs would."""

    extensions: list[Any]
    configs: dict[str, Any]


def _markdown(options: MarkdownOptions | None) -> Any:
    """A Python-Markdown instance for the headings, or None when the settings cannot be
    used here (the page then goes to MkDocs' renderer as usual)."""
    if options is None:
        return None
    try:
        import markdown

        return markdown.Markdown(extensions=options.extensions, extension_configs=options.configs)
    except Exception:  # noqa: BLE001 - an extension that needs MkDocs' own setup: leave it to MkDocs
        return None


@dataclass(frozen=True)
class Records:
    """Where phase 1 writes each SOP's search record (see sopdocs.site.search)."""

    directory: Path
    use_directory_urls: bool = True
    keep: bool = False  # keep each record for phase 2 (Page.record: an offline copy's index)


class _Share:
    """The job of each process of a build (see :mod:`sopdocs.core.parallel`): the
    documents it parses stay here, for the pages it renders."""

    def __init__(self, config: Any, today: dt.date, records: Records | None) -> None:
        self.config = config
        self.today = today
        self.records = records
        self.docs: dict[str, SopDocument] = {}
        self.search_records: dict[str, SearchRecord] = {}  # made in phase 1, for phase 2 (Records.keep)
        self._md: tuple[MarkdownOptions | None, Any] | None = None

    def parse(self, items: list[Item], payload: Any = None) -> list[tuple[str, Parsed]]:
        out = []
        for item in items:
            doc = self.docs[item.src] = parse_file(item.path, item.display, self.config)
            entry = analyse_document(doc, self.config, self.today)
            if self.records is not None and doc.meta is not None:
                # The record needs nothing from other SOPs: written now, the index can
                # start as soon as the SOPs are read.
                url = urls.page_url(item.src, self.records.use_directory_urls)
                review = review_state(doc.meta, self.today, self.config.review_in, self.config.due_soon_days)
                page = model.Entry(doc, item.src, url, review, fallback_id=item.fallback_id)
                record = search_record(page)
                write_record(self.records.directory, page, record)
                if self.records.keep:
                    self.search_records[item.src] = record
            out.append((item.src, Parsed(doc.sha256, entry, doc.meta, doc.front_matter_line)))
        return out

    def render(self, items: list[Item], payload: tuple[model.Site, MarkdownOptions | None, bool]) -> list[tuple[str, Page]]:
        """The pages of ``items``, given the site (a worker gets its directory: every
        SOP's id, title, URL and review state), the Markdown settings and whether to
        add each SOP's search record (an offline copy's index)."""
        site, options, with_records = payload
        if self._md is None or self._md[0] != options:
            self._md = (options, _markdown(options))
        md = self._md[1]
        out = []
        for item in items:
            src = item.src
            entry = site.by_src.get(src)
            if entry is None:
                continue  # no front matter to show: MkDocs renders the file as it is
            doc = self.docs.get(src)
            if doc is None:  # parsed by a worker that died since
                self.parse([item])
                doc = self.docs[src]
            entry.doc = doc
            # The record made in phase 1 if it was kept (the same entry: URL, review state).
            record = (self.search_records.pop(src, None) or search_record(entry)) if with_records else None
            markdown, blocks = placeholders.with_placeholders(sop_page.sop_page(site, entry))
            if md is not None:
                # Headings through Python-Markdown here, in parallel; MkDocs then renders one
                # placeholder (measured: 0.2 ms a page instead of 0.9-1.1 ms).
                html = page_html(md, markdown, blocks)
                out.append((src, Page(placeholders.PAGE_PLACEHOLDER, [html], list(getattr(md, "toc_tokens", [])), record)))
            else:
                out.append((src, Page(markdown, blocks, record=record)))
        return out


_PLACEHOLDER_LINE = re.compile(r"SOPDOCSHTMLBLOCK(\d+)Z")
_HEADING_HTML = re.compile(r"<h([1-6])\b[^>]*>.*?</h\1>", re.DOTALL)


def page_html(md: Any, markdown: str, blocks: list[str]) -> str:
    """The HTML that Python-Markdown (``md``) makes of a page with placeholders, with the
    HTML parts filled in. A page of headings and placeholders only (an SOP page) has just
    its headings converted, which is about half the work and gives the same bytes."""
    lines = [line for line in markdown.split("\n") if line.strip()]
    headings = [line for line in lines if line.startswith("#")]
    if all(line.startswith("#") or _PLACEHOLDER_LINE.fullmatch(line) for line in lines):
        converted = _headings(md, headings)
        if converted is not None:
            found = iter(converted)
            parts = []
            for line in lines:
                placeholder = _PLACEHOLDER_LINE.fullmatch(line)
                parts.append(blocks[int(placeholder.group(1))] if placeholder else next(found))
            return "\n".join(parts)
    return placeholders.fill_placeholders(md.reset().convert(markdown), blocks)


def _headings(md: Any, headings: list[str]) -> list[str] | None:
    """Each heading's HTML, converted as one document would convert them (and
    ``md.toc_tokens`` set as that document's), or None.

    SOP pages share their section headings (Preconditions, Steps, ...): those are
    converted once per set and only the title for each page (a quarter of the work),
    unless the title's id is one the sections take, which a whole conversion would
    change."""
    title, sections = headings[0], tuple(headings[1:])
    if title.startswith("# ") and sections and all(h.startswith("## ") for h in sections):
        memo = md.__dict__.setdefault("sopdocs_sections", {})  # lives as long as this md's settings
        known = memo.get(sections)
        if known is None:
            html = [m.group(0) for m in _HEADING_HTML.finditer(md.reset().convert("\n\n".join(sections)))]
            known = (html, list(getattr(md, "toc_tokens", None) or []))
            if len(memo) < 1000:
                memo[sections] = known
        title_html = [m.group(0) for m in _HEADING_HTML.finditer(md.reset().convert(title))]
        title_tokens = list(getattr(md, "toc_tokens", None) or [])
        ids = {token.get("id") for token in known[1]}
        if (
            len(known[0]) == len(sections)
            and len(known[1]) == len(sections)
            and len(title_html) == 1
            and len(title_tokens) == 1
            and title_tokens[0].get("id") not in ids
            and not title_tokens[0].get("children")
        ):
            md.toc_tokens = [{**title_tokens[0], "children": known[1]}]
            return title_html + known[0]
    converted = [m.group(0) for m in _HEADING_HTML.finditer(md.reset().convert("\n\n".join(headings)))]
    return converted if len(converted) == len(headings) else None


def lint_and_light(items: list[Item], parsed: dict[str, Parsed], config: Any, today: dt.date) -> tuple[list[Any], dict[str, SopDocument]]:
    """The lint findings of ``items`` from their phase-1 results (as `sopdocs lint`
    reports them for these files) and a light document per item (front matter, no body)."""
    results = [(parsed[i.src].sha256, parsed[i.src].entry) for i in items]
    findings, _ = combine([i.path for i in items], [i.display for i in items], results, len(items), config, today)
    light = {}
    for item in items:
        p = parsed[item.src]
        light[item.src] = SopDocument(path=item.path, display_path=item.display, meta=p.meta, front_matter_line=p.front_matter_line, sha256=p.sha256)
    return findings, light


_NOWHERE = Path()


def _directory(site: model.Site) -> model.Site:
    """What a worker needs of the site to write its SOPs' pages: every SOP's id, title,
    URL and review state (its own SOPs' documents it has). A sixth of the bytes of the
    whole site, and much faster to unpickle."""
    entries = [
        model.Entry(
            SopDocument(path=_NOWHERE, display_path="", meta={k: e.meta[k] for k in ("id", "title") if k in e.meta}),
            e.src,
            e.url,
            e.review,
            e.last_changed,
            e.fallback_id,
        )
        for e in site.entries
    ]
    return model.Site(entries, site.today, site.due_soon_days, site.title, site.use_directory_urls, site.metrics, site.contact_links)


class SitePool:
    """The SOPs of one build, shared between this process and worker processes.

    ``parse()`` then (unless the build stops) ``render(site)``; always ``close()``
    (or use it as a context manager)."""

    def __init__(
        self,
        items: list[Item],
        config: Any,
        today: dt.date,
        jobs: int | None = None,
        records: Records | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> None:
        self.items = items
        self.config = config
        self.today = today
        self.advance = advance or (lambda n: None)
        if jobs is None:
            jobs = default_jobs(len(items), PARALLEL_MIN)
        jobs = max(1, min(jobs, len(items) // CHUNK or 1))
        self.pool = Pool(functools.partial(_Share, config, today, records), jobs)
        self.parsed_by: dict[str, int] = {}  # source path -> the process that holds its document
        self.parsed: dict[str, Parsed] = {}  # phase 1's result per source path (kept for `sopdocs serve`'s updates)

    @property
    def workers_used(self) -> int:
        """Worker processes started (whether they lasted or not)."""
        return self.pool.started

    def __enter__(self) -> SitePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.pool.close()

    def parse(self) -> tuple[list[Any], dict[str, SopDocument]]:
        """Phase 1. Returns the lint findings of every SOP (as `sopdocs lint` reports
        them for these files) and a light document per SOP (front matter, no body)."""
        parsed = self.parsed
        for process, results in self.pool.map("parse", self.items):
            for src, result in results:
                parsed[src] = result
                self.parsed_by[src] = process
            self.advance(len(results))
        return lint_and_light(self.items, parsed, self.config, self.today)

    def render(self, site: model.Site, options: MarkdownOptions | None = None, records: bool = False) -> dict[str, Page]:
        """Phase 2: the page of every SOP that has front matter; with ``options``, the
        headings rendered too (see Page); with ``records``, each page's search record
        (Page.record). Each SOP is rendered where it was parsed; this process has the
        full documents of its own share."""
        wanted = [item for item in self.items if item.src in site.by_src]
        directory = _directory(site) if self.pool.workers else site
        rendered: dict[str, Page] = {}
        for _, results in self.pool.map(
            "render", wanted, payload=(directory, options, records), local_payload=(site, options, records), route=lambda i: self.parsed_by.get(i.src, 0)
        ):
            rendered.update(results)
            self.advance(len(results))
        self.close()
        return rendered
