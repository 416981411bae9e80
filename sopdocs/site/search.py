"""The search index: one Pagefind record per SOP, built from the model.

Records come from sopdocs' own data (title, id, owner, tags, every step, command and
check), not from scraping themed HTML, so search behaves the same under any theme or
builder. Pagefind splits the index into chunks that the browser fetches as needed, so
the first search downloads a small fraction of the index even for thousands of SOPs.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyromark
from markdown_it import MarkdownIt
from markdown_it.token import Token

from sopdocs.site import template_code
from sopdocs.site.model import Entry, Site
from sopdocs.site.stable_index import stabilise


@dataclass(frozen=True)
class SearchRecord:
    """What search knows of one SOP, whichever engine serves it (Pagefind over HTTP, the
    offline index from disk): ``meta`` is shown on a result (the reader's browser works
    the review state out from ``next_review`` at read time), ``filters`` narrow a search,
    and ``text`` is what is searched and quoted in excerpts: readable text, never
    Markdown, never a list of metadata words."""

    url: str
    title: str
    meta: dict[str, str]
    filters: dict[str, list[str]]
    text: str


def search_record(entry: Entry) -> SearchRecord:
    front = entry.front
    meta = {
        "title": entry.title,
        "id": entry.sop_id,
        "owner": front.text("owner"),
        "status": entry.status,
        "risk": front.text("risk"),
        "next_review": entry.review.next_review.isoformat() if entry.review.next_review else "",
        # With next_review, what the reader's browser needs to tell current from due soon
        # on the day it shows the result (a state frozen at build time would go stale).
        "due_soon_from": entry.review.due_soon_from.isoformat() if entry.review.due_soon_from else "",
    }
    return SearchRecord(entry.url, entry.title, {k: v for k, v in meta.items() if v}, filters(entry), record_text(entry))


def record_text(entry: Entry) -> str:
    """The SOP as text a responder can read in an excerpt: its body (Markdown rendered to
    text: headings, paragraphs, list items, commands), its preconditions and rollback
    from the front matter, and one sentence of who owns it and how it is tagged (so a
    search for an owner, a tag or an id finds it)."""
    doc, meta, front = entry.doc, entry.meta, entry.front
    text = template_code.strip_sop(doc, entry.title)[0]
    parts = [_plain_text("\n".join(text.split("\n")[doc.body_line - 1 :]), entry.title)]
    for key, label in (("preconditions", "Precondition"), ("rollback", "Rollback")):
        items = meta.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str):
                parts.append(f"{label}: {_plain_text(item)}")
            elif isinstance(item, dict):
                text = _plain_text(str(item.get("text") or ""))
                command = item.get("command")
                parts.append(f"{label}: {text}" + (f" {command.strip()}" if isinstance(command, str) else ""))
    facts = [
        ("Owner", [front.text("owner")]),
        ("backup owner", [front.text("backup_owner")]),
        ("escalation", front.strings("escalation")),
        ("tags", front.strings("tags")),
        ("layer", [front.text("layer")]),
        ("run by", front.strings("execution_roles")),
        ("id", [entry.sop_id]),
    ]
    sentence = "; ".join(f"{label} {', '.join(v for v in values if v)}" for label, values in facts if any(values))
    if sentence:
        parts.append(sentence + ".")
    return "\n".join(p for p in parts if p)


_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

# pulldown-cmark (through pyromark) makes the same text about thirty times faster than
# markdown-it-py, which was a third of a build's first phase. It differs from
# markdown-it-py's commonmark preset (html off) in a few places, so a source that reaches
# one of them is read by markdown-it-py instead; tests/site/test_search_text.py compares
# both over the corpora, the content, generated catalogs and random Markdown.
_OPTIONS = pyromark.Options.ENABLE_TABLES
_BLOCKS = frozenset({"Paragraph", "Heading", "Item", "List", "CodeBlock", "Table", "TableHead", "TableRow", "TableCell"})
_INLINE = frozenset({"Emphasis", "Strong", "Link"})
# Left to markdown-it-py: HTML (it reads it as text: html is off), block quotes (their
# laziness differs), autolinks (it shows the normalised URL), images (it keeps the alt
# text as written) and anything the options above did not ask for.
_DIFFERENT = frozenset({"Html", "InlineHtml", "InlineMath", "DisplayMath", "FootnoteReference", "TaskListMarker"})


# Seen before parsing: any white space but spaces and newlines (tabs, CRs, no-break
# spaces: the two count columns and blank lines differently), NULs, what could be a link
# reference definition (`]:`: the two end them differently), a `>` or `#` indented four
# spaces or more (laziness of block quotes differs), a list marker followed by two
# spaces or more (where the item's text starts), and a line with a `|` followed
# by one that could be a table's delimiter row (they disagree on what starts a table).
# In parts, about eight times faster than one alternation tried at every position (a
# tenth of a record's time; tests/site/test_search_text.py keeps the two equal): literal
# searches first, the line starts only after a line break, the table test only where
# there is a `|`.
_ODD_SPACE = re.compile(r"[^\S \n]|\x00")
_ASCII_ODD_SPACE = "\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x00"  # what _ODD_SPACE finds in ASCII text
_RISKY_LINE = re.compile(r"\n(?: {4,}[>#]| *(?:[-*+]|\d{1,9}[.)]) {2,})")
_RISKY_TABLE = re.compile(r"\|.*\n[ |:-]*-[ |:-]*$", re.MULTILINE)


def _risky(source: str) -> bool:
    """Whether ``source`` has any of the constructs above."""
    if source.isascii():
        if any(c in source for c in _ASCII_ODD_SPACE):
            return True
    elif _ODD_SPACE.search(source):
        return True
    return "]:" in source or _RISKY_LINE.search("\n" + source) is not None or ("|" in source and _RISKY_TABLE.search(source) is not None)


class _Fallback(Exception):
    """The source reaches a place where pulldown-cmark and markdown-it-py differ."""


def _plain_text(source: str, title: str | None = None) -> str:
    """Markdown as plain text, one block per line: what a reader sees, without the
    markup (no `#`, no link targets, no fences and info strings). A first-level heading
    equal to ``title`` is left out: the title is its own field."""
    if _risky(source):
        return _plain_text_markdown_it(source, title)
    try:
        return _plain_text_events(source, title)
    except _Fallback:
        return _plain_text_markdown_it(source, title)


def _plain_text_events(source: str, title: str | None) -> str:
    lines: list[str] = []
    inline: list[str] = []
    code: list[str] | None = None
    heading_h1 = False

    def flush() -> None:
        text = " ".join("".join(inline).split())
        inline.clear()
        if text:
            lines.append(text)

    for event in pyromark.events(source, options=_OPTIONS):
        if isinstance(event, str):  # SoftBreak, HardBreak, Rule
            kind, value = event, None
        else:
            ((kind, value),) = event.items()
        if kind == "Text":
            if code is not None:
                code.append(value)
            else:
                inline.append(value)
        elif kind == "Code":
            inline.append(value)
        elif kind in ("SoftBreak", "HardBreak"):
            inline.append(" ")
        elif kind == "Start" or kind == "End":
            tag = value if isinstance(value, str) else next(iter(value))
            if tag in _INLINE:
                if tag == "Link" and kind == "Start" and value["Link"]["link_type"] in ("Autolink", "Email"):
                    raise _Fallback
                continue
            if tag not in _BLOCKS:
                raise _Fallback
            if tag == "CodeBlock":
                if kind == "Start":
                    flush()
                    code = []
                else:
                    text = "".join(code or []).strip()
                    if text:
                        lines.append(text)
                    code = None
                continue
            if tag == "Heading" and kind == "Start":
                flush()
                heading_h1 = value["Heading"]["level"] == "H1"
                continue
            if tag == "Heading" and heading_h1 and title is not None:
                heading_h1 = False
                if " ".join("".join(inline).split()) == " ".join(title.split()):
                    inline.clear()
                    continue
            flush()
        elif kind in _DIFFERENT:
            raise _Fallback
        elif kind == "Rule":
            flush()
        else:
            raise _Fallback
    flush()
    return "\n".join(lines)


def _plain_text_markdown_it(source: str, title: str | None = None) -> str:
    """:func:`_plain_text` by markdown-it-py: the reference."""
    lines: list[str] = []
    tokens = _markdown.parse(source)
    skip_heading = False
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and title is not None:
            inline = tokens[index + 1]
            skip_heading = " ".join(_inline_text(inline).split()) == " ".join(title.split())
        elif token.type == "inline":
            if skip_heading:
                skip_heading = False
                continue
            text = " ".join(_inline_text(token).split())
            if text:
                lines.append(text)
        elif token.type in ("fence", "code_block"):
            code = token.content.strip()
            if code:
                lines.append(code)
    return "\n".join(lines)


def _inline_text(token: Token) -> str:
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content or "")
    return "".join(out)


_UNSAFE = str.maketrans({c: "_" for c in "&<>\"'`"})


def filters(entry: Entry) -> dict[str, list[str]]:
    """Filter values for search. Pagefind decodes HTML entities in filter values twice,
    so no escaping survives reliably: characters that could form markup are replaced
    instead (real owner, layer and tag names have none)."""
    found = {
        "owner": [entry.front.text("owner")],
        "status": [entry.status],
        "layer": [entry.front.text("layer")],
        "tag": entry.front.strings("tags"),
    }
    return {key: [v.translate(_UNSAFE) for v in values if v] for key, values in found.items() if any(values)}


def record_html(entry: Entry, record: SearchRecord | None = None) -> str:
    """A minimal page that Pagefind indexes for one SOP: title, meta, filters and text
    (of ``record``, made from ``entry`` unless given).

    Pagefind reads text out of this HTML (decoding entities); the site's search script
    shows what comes back as text, never as markup (except Pagefind's `<mark>`)."""
    record = record or search_record(entry)
    # Meta and filter values as element content (a value may hold a comma), in an
    # element Pagefind does not index: a result's excerpt never quotes them.
    tagged = "".join(f'<span data-pagefind-meta="{key}">{html.escape(value)}</span>' for key, value in record.meta.items() if key != "title")
    tagged += "".join(
        f'<span data-pagefind-filter="{key}">{html.escape(value)}</span>' for key, values in record.filters.items() for value in values
    )
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in record.text.split("\n"))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(record.title)}</title></head><body><main data-pagefind-body>"
        f'<h1 data-pagefind-meta="title">{html.escape(record.title)}</h1><div data-pagefind-ignore>{tagged}</div>'
        f"{paragraphs}</main></body></html>\n"
    )


def _record_path(root: Path, url: str) -> Path:
    return root / (url + "index.html" if url.endswith("/") or not url else url)


def write_record(records: Path, entry: Entry, record: SearchRecord | None = None) -> None:
    """The record page of one SOP, at its page's URL under ``records``."""
    path = _record_path(records, entry.url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record_html(entry, record), encoding="utf-8")


class IndexJob:
    """The Pagefind CLI indexing in the background: started as soon as the records are
    written, so it runs on the second core while MkDocs renders the pages; ``finish``
    waits for it and puts the bundle into the site.

    ``IndexJob()`` makes the records directory (:attr:`records`; anyone may fill it, e.g.
    worker processes with :func:`write_record`), ``start()`` runs Pagefind over it;
    ``IndexJob.for_site(site)`` does both."""

    def __init__(self, records: Path | None = None) -> None:
        """``records``: a records directory someone else owns (`sopdocs serve` keeps one
        across its updates); by default one of the job's own, removed with it."""
        self._tmp = tempfile.TemporaryDirectory(prefix="sopdocs-search-")
        root = Path(self._tmp.name)
        self.records = records if records is not None else root / "records"
        self.records.mkdir(parents=True, exist_ok=True)
        self._bundle = root / "pagefind"
        self._log = (root / "pagefind.log").open("w+", encoding="utf-8")
        self._process: subprocess.Popen | None = None
        # After finish(): None, or why the index was left in Pagefind's own order.
        self.unstable: str | None = None

    @classmethod
    def for_site(cls, site: Site) -> IndexJob:
        job = cls()
        try:
            for entry in site.entries:
                write_record(job.records, entry)
        except BaseException:
            job.cancel()
            raise
        return job.start()

    def start(self, nice: bool = True) -> IndexJob:
        """Start Pagefind; with ``nice``, at a lower priority (it yields to the build's
        own processes, but also to anything else running on the machine: a build that
        will :meth:`pause` it while its own processes use every CPU can do without)."""
        command = [sys.executable, "-m", "pagefind", "--site", str(self.records), "--output-path", str(self._bundle), "--force-language", "en", "--silent"]
        # Background work: in one thread, it takes the core the page rendering leaves
        # idle instead of slowing it down. Measured on 5,000 SOPs: a second thread saves
        # Pagefind 10 % of its time and costs 20 % more CPU.
        nice_command = shutil.which("nice") if nice else None
        env = dict(os.environ)
        env.setdefault("RAYON_NUM_THREADS", "1")
        self._process = subprocess.Popen(
            [nice_command, "-n", "10", *command] if nice_command else command,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        return self

    def pause(self) -> bool:
        """Stop Pagefind for a while (SIGSTOP: the build's own processes need every
        CPU); False where that cannot be done (no such signal, or it has finished)."""
        return self._signal("SIGSTOP")

    def resume(self) -> None:
        self._signal("SIGCONT")

    def _signal(self, name: str) -> bool:
        number = getattr(signal, name, None)
        if number is None or self._process is None or self._process.poll() is not None:
            return False
        try:
            self._process.send_signal(number)
        except OSError:  # pragma: no cover - it finished just now
            return False
        return True

    def finish(self, site_dir: Path) -> Path:
        try:
            if self._process is None:
                raise RuntimeError("the search index was never started")
            code = self._process.wait()
            self._log.seek(0)
            message = self._log.read().strip()
            if code != 0:
                raise RuntimeError(f"Pagefind failed to build the search index (exit {code}): {message}")
            # Pagefind writes its filters in hash-map order: put them in a fixed one, so
            # the same SOPs give the same bytes (see stable_index).
            self.unstable = stabilise(self._bundle)
            output = site_dir / "pagefind"
            if output.exists():
                shutil.rmtree(output)
            shutil.move(str(self._bundle), str(output))
            return output
        finally:
            self.cancel()

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()  # a paused process too
            self._process.wait()
        self._log.close()
        self._tmp.cleanup()


def write_index(site: Site, site_dir: Path) -> Path:
    """Write the Pagefind bundle into SITE/pagefind with the Pagefind CLI.

    The records are small HTML pages at the SOP pages' URLs in a temporary directory; the
    CLI returns only once every index file is written.
    """
    return IndexJob.for_site(site).finish(site_dir)
