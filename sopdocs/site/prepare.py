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

The main process takes a share itself, and does everything alone for small catalogs,
when worker processes cannot start (a sandbox) or when one dies. The output is the same
bytes whichever way the work was split.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import pickle
import queue
import re
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_file
from sopdocs.core.review import review_state
from sopdocs.lint.fast import MAX_DEFAULT_JOBS, analyse_document, combine, cpu_count
from sopdocs.site import model, placeholders, sop_page, urls
from sopdocs.site.search import write_record

# Below this many SOPs one process is faster than starting others (about 0.3 s each).
PARALLEL_MIN = 400
# SOPs per message: small enough to keep a progress line moving.
CHUNK = 50


@dataclass(frozen=True)
class Item:
    """One SOP file of the build."""

    src: str  # docs-relative source path
    path: Path
    display: str  # the path as lint messages show it


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


class _Share:
    """One process's share of the SOPs: the parsed documents stay here between phases."""

    def __init__(self, config: Any, today: dt.date, records: Records | None, items: list[Item]) -> None:
        self.config = config
        self.today = today
        self.records = records
        self.docs: dict[str, SopDocument] = {}
        self.items = {item.src: item for item in items}  # what it may be asked to render

    def parse(self, items: list[Item]) -> list[tuple[str, Parsed]]:
        out = []
        for item in items:
            doc = self.docs[item.src] = parse_file(item.path, item.display, self.config)
            entry = analyse_document(doc, self.config, self.today)
            if self.records is not None and doc.meta is not None:
                # The record needs nothing from other SOPs: written now, the index can
                # start as soon as the SOPs are read.
                url = urls.page_url(item.src, self.records.use_directory_urls)
                review = review_state(doc.meta, self.today, self.config.review_in, self.config.due_soon_days)
                write_record(self.records.directory, model.Entry(doc, item.src, url, review))
            out.append((item.src, Parsed(doc.sha256, entry, doc.meta, doc.front_matter_line)))
        return out

    def render(self, site: model.Site, srcs: list[str], md: Any = None) -> list[tuple[str, Page]]:
        out = []
        for src in srcs:
            entry = site.by_src.get(src)
            if entry is None:
                continue  # no front matter to show: MkDocs renders the file as it is
            doc = self.docs.get(src)
            if doc is None:  # parsed by a worker that died since
                self.parse([self.items[src]])
                doc = self.docs[src]
            entry.doc = doc
            markdown, blocks = placeholders.with_placeholders(sop_page.sop_page(site, entry))
            if md is not None:
                # Headings through Python-Markdown here, in parallel; MkDocs then renders one
                # placeholder (measured: 0.2 ms a page instead of 0.9-1.1 ms).
                html = page_html(md, markdown, blocks)
                out.append((src, Page(placeholders.PAGE_PLACEHOLDER, [html], list(getattr(md, "toc_tokens", [])))))
            else:
                out.append((src, Page(markdown, blocks)))
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


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class _Sender:
    """Sends a worker's messages from a thread: a chunk of pages is about a megabyte,
    more than a pipe holds, and the main process reads only between its own chunks;
    the worker goes on working meanwhile instead of waiting in ``send``."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            message = self.queue.get()
            if message is None:
                return
            try:
                self.conn.send(message)
            except BaseException as exc:  # noqa: BLE001 - the main process went away: stop working
                self.failed = exc
                return

    def send(self, message: tuple[str, Any]) -> None:
        if self.failed is not None:
            raise BrokenPipeError(str(self.failed))
        self.queue.put(message)

    def close(self) -> None:
        """Waits until everything queued is sent."""
        self.queue.put(None)
        self.thread.join()


def _child(conn: Any, config: Any, today: dt.date, records: Records | None, items: list[Item]) -> None:
    """A worker process: phase 1 over ``items``, then phase 2 when asked."""
    gc.disable()  # long-lived objects, almost no cycles (see sopdocs.workers)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's
    share = _Share(config, today, records, items)
    sender = _Sender(conn)
    try:
        for chunk in _chunks(items):
            sender.send(("parsed", share.parse(chunk)))
        sender.send(("parsed-all", None))
        request = conn.recv()
        if request[0] != "render":
            return
        _, site, options = request
        md = _markdown(options)
        for chunk in _chunks([item.src for item in items]):
            sender.send(("pages", share.render(site, chunk, md)))
        sender.send(("rendered-all", None))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass  # the main process went away or stopped the build
    except BaseException:  # noqa: BLE001 - reported to the main process, which raises it
        try:
            sender.send(("error", traceback.format_exc()))
        except BrokenPipeError:
            pass
    finally:
        sender.close()
        conn.close()


class _Worker:
    def __init__(self, context: Any, config: Any, today: dt.date, records: Records | None, items: list[Item]) -> None:
        self.items = items
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=_child, args=(child_end, config, today, records, items), daemon=True)
        self.process.start()
        child_end.close()
        self.alive = True
        self.phase_done = False  # the current phase's last message has arrived

    def messages(self, wait: bool) -> Iterator[tuple[str, Any]]:
        """Messages that have arrived (all of them until the phase ends, with ``wait``)."""
        while self.alive and not self.phase_done and (wait or self.conn.poll()):
            try:
                kind, payload = self.conn.recv()
            except (EOFError, OSError):
                self.stop()
                return
            if kind == "error":
                self.stop()
                raise WorkerError(payload)
            if kind.endswith("-all"):
                self.phase_done = True
                return
            yield kind, payload

    def stop(self) -> None:
        self.alive = False
        self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)


class WorkerError(RuntimeError):
    """A worker failed on an SOP (a bug in sopdocs): the message has its traceback."""


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
        )
        for e in site.entries
    ]
    return model.Site(entries, site.today, site.due_soon_days, site.title, site.use_directory_urls, site.metrics)


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
            jobs = min(cpu_count(), MAX_DEFAULT_JOBS) if len(items) >= PARALLEL_MIN else 1
        jobs = max(1, min(jobs, len(items) // CHUNK or 1))
        # Shares by turns, so that each process gets a similar mix of files.
        shares = [items[k::jobs] for k in range(jobs)]
        self.local = _Share(config, today, records, items)  # any of them, should a worker die
        self.local_items = shares[0]
        self.workers: list[_Worker] = []
        self.workers_used = 0  # worker processes started (whether they lasted or not)
        if jobs > 1:
            try:
                context = multiprocessing.get_context("spawn")
                self.workers = [_Worker(context, config, today, records, share) for share in shares[1:]]
                self.workers_used = len(self.workers)
            except (OSError, ImportError, NotImplementedError):  # no processes here: do it all
                self.close()
                self.local_items = items

    def __enter__(self) -> SitePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self.workers:
            if worker.alive:
                worker.stop()
        self.workers = []

    def _collect(self, kind: str, wait: bool, into: dict[str, Any]) -> None:
        for worker in self.workers:
            for message, payload in worker.messages(wait):
                if message == kind:
                    into.update(payload)
                    self.advance(len(payload))

    def _orphans(self, done: dict[str, Any]) -> list[Item]:
        """Items of workers that died before sending them."""
        return [item for worker in self.workers if not worker.alive for item in worker.items if item.src not in done]

    def parse(self) -> tuple[list[Any], dict[str, SopDocument]]:
        """Phase 1. Returns the lint findings of every SOP (as `sopdocs lint` reports
        them for these files) and a light document per SOP (front matter, no body)."""
        parsed: dict[str, Parsed] = {}
        for chunk in _chunks(self.local_items):
            parsed.update(self.local.parse(chunk))
            self.advance(len(chunk))
            self._collect("parsed", False, parsed)
        self._collect("parsed", True, parsed)
        for item in self._orphans(parsed):
            parsed.update(self.local.parse([item]))
            self.advance(1)

        items = self.items
        results = [(parsed[i.src].sha256, parsed[i.src].entry) for i in items]
        findings, _ = combine([i.path for i in items], [i.display for i in items], results, len(items), self.config, self.today)
        light = {}
        for item in items:
            p = parsed[item.src]
            light[item.src] = SopDocument(
                path=item.path, display_path=item.display, meta=p.meta, front_matter_line=p.front_matter_line, sha256=p.sha256
            )
        return findings, light

    def render(self, site: model.Site, options: MarkdownOptions | None = None) -> dict[str, Page]:
        """Phase 2: the page of every SOP that has front matter; with ``options``, the
        headings rendered too (see Page)."""
        directory = _directory(site) if self.workers else site
        for worker in self.workers:
            worker.phase_done = False
            if worker.alive:
                try:
                    worker.conn.send(("render", directory, options))
                except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError):
                    worker.stop()  # e.g. a Markdown extension object that cannot be sent: here then
        md = _markdown(options)
        # The workers received a copy: pages of this process's share use full documents.
        rendered: dict[str, Page] = {}
        for chunk in _chunks([item.src for item in self.local_items]):
            rendered.update(self.local.render(site, chunk, md))
            self.advance(len(chunk))
            self._collect("pages", False, rendered)
        self._collect("pages", True, rendered)
        orphans = [item for item in self._orphans(rendered) if item.src in site.by_src]
        if orphans:
            rendered.update(self.local.render(site, [item.src for item in orphans], md))
        self.close()
        return rendered
