"""Positions between sopdocs and LSP, and what the cursor is on.

sopdocs counts lines and columns from 1, a column being a character; LSP counts from
0 and measures columns in UTF-16 code units. Everything here works on the document's
text as the editor holds it, line by line, and never raises on text that is not an SOP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that end a token in YAML flow style or in prose.
_TOKEN_END = set(" \t,[]{}")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:")


def split_lines(text: str) -> list[str]:
    """Lines as LSP counts them: CRLF, LF and a lone CR end a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_utf16(line: str, column: int) -> int:
    """0-based UTF-16 offset of a 0-based character column of ``line``."""
    return utf16_len(line[:column])


def from_utf16(line: str, offset: int) -> int:
    """0-based character column of a 0-based UTF-16 offset in ``line``."""
    units = 0
    for index, char in enumerate(line):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def finding_span(lines: list[str], line: int, column: int, front_end: int) -> tuple[int, int, int]:
    """The span a finding at (1-based ``line``, ``column``) covers, as (0-based line,
    start character, end character). In the front matter (lines up to ``front_end``):
    the token there (a list item, a value; a key with its value on the line, or without
    its colon when the value is on the lines below); in the body: the
    rest of the line. At least one character when the line has one."""
    row = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    start = min(max(column - 1, 0), len(text))
    if line <= front_end:
        end = start
        quote = text[start] if start < len(text) and text[start] in "\"'" else None
        if quote:
            close = text.find(quote, start + 1)
            end = close + 1 if close > start else len(text.rstrip())
        else:
            while end < len(text) and text[end] not in _TOKEN_END:
                end += 1
            if text[start:end].endswith(":") and end - start > 1:  # a key: the key and its value on the line
                value = text[end:].split(" #", 1)[0].rstrip()
                end = end + len(value) if value.strip() else end - 1
    else:
        end = len(text.rstrip())
    if end <= start:
        end = min(start + 1, len(text)) if text else start
    return row, start, end


# --- what the cursor is on -------------------------------------------------------------


def front_matter_end(lines: list[str]) -> int:
    """0-based index of the closing `---` of the front matter; -1 when there is none."""
    if not lines or lines[0].rstrip() != "---":
        return -1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index
    return -1


@dataclass(frozen=True)
class Cursor:
    """Where a position is: ``area`` is "front" (front matter), "fence-info" (the info
    string of an opening fence), "code" (inside a fenced block) or "body"; ``key`` the
    top-level front-matter key it belongs to; ``prefix`` the line before the cursor."""

    area: str
    key: str | None
    prefix: str
    line: str
    row: int
    column: int  # characters


def cursor_at(lines: list[str], row: int, utf16_column: int) -> Cursor:
    text = lines[row] if 0 <= row < len(lines) else ""
    column = from_utf16(text, utf16_column)
    prefix = text[:column]
    close = front_matter_end(lines)
    if 0 < row and (row < close or (close == -1 and lines and lines[0].rstrip() == "---")):
        return Cursor("front", top_key(lines, row), prefix, text, row, column)
    fence: tuple[str, int] | None = None  # (marker, length) of the open fence
    for index in range(close + 1, min(row, len(lines))):
        match = _FENCE.match(lines[index])
        if not match:
            continue
        marker = match.group(2)
        if fence is None:
            if not (marker[0] == "`" and "`" in match.group(3)):
                fence = (marker[0], len(marker))
        elif marker[0] == fence[0] and len(marker) >= fence[1] and not match.group(3).strip():
            fence = None
    match = _FENCE.match(text)
    if fence is None and match and column >= len(match.group(1)) + len(match.group(2)):
        return Cursor("fence-info", None, prefix, text, row, column)
    return Cursor("code" if fence is not None else "body", None, prefix, text, row, column)


def top_key(lines: list[str], row: int) -> str | None:
    """The top-level front-matter key whose value holds ``row`` (its own line included)."""
    for index in range(row, 0, -1):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            match = _TOP_KEY.match(line)
            return match.group(1) if match else None
    return None


_WORD = re.compile(r"[A-Za-z0-9_.$-]+")


def word_at(line: str, column: int) -> tuple[str, int, int] | None:
    """The word (id-like) under a character column: (word, start, end)."""
    for match in _WORD.finditer(line):
        if match.start() <= column <= match.end():
            return match.group(0), match.start(), match.end()
    return None
