"""A Content-Security-Policy for every built page.

sopdocs' own JavaScript is one external file, and the generator emits no inline script.
The theme (Material) puts a few inline scripts in its page frame; those — and only
those, found outside the page's `<article>`, where SOP content lives — are allowed by
their SHA-256 hash. Anything else inline, including anything that could ever slip into
SOP content, is refused by the browser.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_DATA_TYPES = ("application/json", "application/ld+json", "text/template")
_ARTICLE_OPEN = re.compile(r"<article\b", re.IGNORECASE)
_ARTICLE_CLOSE = re.compile(r"</article\s*>", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)

BASE_POLICY = (
    "default-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    # Pagefind's search runs WebAssembly in a worker.
    "worker-src 'self' blob:",
    # Material and Pagefind's UI set style attributes.
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def _matches(pattern: re.Pattern[str], page_html: str, lowered: str | None, literal: str, start: int = 0) -> Iterator[re.Match[str]]:
    """``pattern.finditer(page_html, start)`` for a case-insensitive pattern that starts
    with ``literal`` (lower case): where the page is ASCII, its lowered copy is searched
    for the literal (a fast substring search) and the pattern tried only there. Every
    built page goes through here; the regexes alone scanned each page character by
    character, several times."""
    if lowered is None:
        yield from pattern.finditer(page_html, start)
        return
    at = lowered.find(literal, start)
    while at >= 0:
        match = pattern.match(page_html, at)
        if match is not None:
            yield match
            at = lowered.find(literal, max(match.end(), at + 1))
        else:
            at = lowered.find(literal, at + 1)


def _lowered(page_html: str) -> str | None:
    """The page in lower case, if that keeps every character's position (ASCII)."""
    return page_html.lower() if page_html.isascii() else None


def _articles(page_html: str, lowered: str | None = None) -> list[tuple[int, int]]:
    """Spans of the `<article>` elements (an unclosed one runs to the end). Two literal
    searches: a lazy `.*?` regex over each page was a measurable part of a large build."""
    spans = []
    for match in _matches(_ARTICLE_OPEN, page_html, lowered, "<article"):
        if spans and match.start() < spans[-1][1]:
            continue  # nested
        close = next(_matches(_ARTICLE_CLOSE, page_html, lowered, "</article", match.end()), None)
        spans.append((match.start(), close.end() if close else len(page_html)))
    return spans


def policy(page_html: str, lowered: str | None = None) -> str:
    lowered = _lowered(page_html) if lowered is None else lowered
    content = _articles(page_html, lowered)
    hashes = []
    for match in _matches(_INLINE_SCRIPT, page_html, lowered, "<script"):
        attributes, body = match.group(1), match.group(2)
        if any(t in attributes.lower() for t in _DATA_TYPES):
            continue  # data, not code
        if any(start <= match.start() < end for start, end in content):
            continue  # never allow script from the content area
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    script = " ".join(["script-src 'self' 'wasm-unsafe-eval'", *sorted(set(hashes))])
    return "; ".join([BASE_POLICY[0], script, *BASE_POLICY[1:]])


def add_policy(page_html: str) -> str:
    """The page with a CSP `<meta>` as the first element of `<head>`."""
    lowered = _lowered(page_html)
    match = next(_matches(_HEAD, page_html, lowered, "<head"), None)
    if match is None:
        return page_html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(page_html, lowered)}">'
    return page_html[: match.end()] + meta + page_html[match.end() :]
