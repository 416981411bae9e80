"""Generated pages are Markdown (headings) with HTML parts. The HTML parts are marked,
so that an adapter can keep them out of the Markdown renderer (Python-Markdown is slow
on large raw-HTML blocks) and insert them after rendering; plain builders get ordinary
Markdown with raw HTML."""

from __future__ import annotations

import re

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
    """The page with each HTML part replaced by a placeholder paragraph, and the parts.

    What ``_MARKED.sub`` would make, found with ``str.find``: the lazy regex took about
    80 ns a character on the catalog page's table (megabytes at thousands of SOPs)."""
    blocks: list[str] = []
    out: list[str] = []
    opening, closing = _HTML_OPEN + "\n", "\n" + _HTML_CLOSE
    position = 0
    while True:
        start = page.find(opening, position)
        if start < 0:
            break
        end = page.find(closing, start + len(opening))
        if end < 0:
            break
        out.append(page[position:start])
        blocks.append(page[start + len(opening) : end])
        out.append(f"\n\nSOPDOCSHTMLBLOCK{len(blocks) - 1}Z\n\n")
        position = end + len(closing)
    out.append(page[position:])
    return "".join(out), blocks


def fill_placeholders(html_text: str, blocks: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], html_text)
