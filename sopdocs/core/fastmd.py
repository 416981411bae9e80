"""The Markdown block tokens the SOP model needs, from pulldown-cmark (``pyromark``).

:mod:`sopdocs.core.parser` reads sections, steps, code blocks, list items and links from
markdown-it-py's token stream. Parsing a body with markdown-it-py is about half of the
time of a cold ``sopdocs lint``; pulldown-cmark (Rust, through ``pyromark``) parses the
same body about 20x faster. :func:`tokens` turns its events (with byte ranges) into the
few markdown-it-py tokens the parser reads, with the same ``type``, ``tag``, ``level``,
``map`` (0-based source lines), ``content``, ``info`` and link ``children``, so the
parser's walk over them is one piece of code for both.

Both parsers follow CommonMark, but not identically in every corner (and markdown-it's
``content`` and ``map`` follow its own rules: trailing blank lines belong to a list item,
a paragraph's lines keep indentation beyond the container's). :func:`tokens` therefore
handles only what it reproduces exactly and returns None for anything else (a block
quote, a tab, a link reference definition, a link that is not a plain ``[text](path)``,
an empty list item, deep nesting, ...): the parser then uses markdown-it-py for that file.
tests/test_fastmd.py compares the two on every corpus, content/, the fixtures,
generated catalogs and random Markdown; any difference is a failure.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

try:
    import pyromark
except ImportError:  # pragma: no cover - a dependency; without it, markdown-it-py does it all
    pyromark = None

# Links whose target markdown-it-py keeps as written (normalizeLink changes nothing,
# validateLink accepts it): no scheme (no ':'), no '%', no space, no parentheses.
_PLAIN_HREF = re.compile(r"(?!//)[A-Za-z0-9\-._~/#?=&+,;@!$*]*\Z")
# Tabs (markdown-it counts columns its own way), vertical tab and form feed (pulldown-cmark
# takes them for spaces in places), NUL.
_AWKWARD = re.compile("[\t\x0b\x0c\x00]")
# What makes a destination differ from its source text: a backslash escape, an entity.
_ESCAPE = re.compile(rb"\\|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKER = re.compile(r"( *)([0-9]{1,9}[.)]|[-+*])( *)")
# Containers deeper than this: markdown-it-py's nesting limit (20 levels) is near.
MAX_DEPTH = 6
# Block starts this module reproduces; any other (block quote, table, footnote, ...) falls back.
_INLINE_CONTAINERS = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript"})


class Token:
    """The part of a markdown-it-py ``Token`` that :mod:`sopdocs.core.parser` reads."""

    __slots__ = ("type", "tag", "level", "map", "content", "info", "children", "attrs")

    def __init__(self, type: str, level: int, map: list[int] | None = None, tag: str = "", content: str = "", info: str = "") -> None:
        self.type = type
        self.tag = tag
        self.level = level
        self.map = map
        self.content = content
        self.info = info
        self.children: list[Token] | None = None
        self.attrs: dict[str, str] = {}

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Token({self.type!r}, level={self.level}, map={self.map}, content={self.content!r})"


class _Inline:
    """An ``inline`` token whose ``content`` (the paragraph's or heading's text as
    markdown-it-py has it) is worked out when read: the model reads a few of them."""

    __slots__ = ("level", "map", "children", "_source", "_start", "_end", "_indent", "_kind", "_content")
    type = "inline"
    tag = ""
    info = ""
    attrs: dict[str, str] = {}

    def __init__(self, level: int, map: list[int], source: _Source, start: int, end: int, indent: int | None, kind: str) -> None:
        self.level = level
        self.map = map
        self.children: list[Token] | None = None
        self._source = source
        self._start = start  # byte offset where the text starts (on line map[0])
        self._end = end  # the line after the text
        self._indent = indent
        self._kind = kind
        self._content: str | None = None

    @property
    def content(self) -> str:
        if self._content is None:
            self._content = self._source.content(self._kind, self._start, self.map[0], self._end, self._indent)
        return self._content

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Inline(level={self.level}, map={self.map}, content={self.content!r})"


class _Fallback(Exception):
    """Something this module does not reproduce exactly: use markdown-it-py."""


def available() -> bool:
    return pyromark is not None


def tokens(body: str) -> list[Any] | None:
    """markdown-it-py's block tokens of ``body`` as far as the parser reads them, or None
    when the body has a construct they might differ on (then parse with markdown-it-py).
    Closing tokens of paragraphs and headings are left out (the parser reads none)."""
    if pyromark is None or _AWKWARD.search(body):
        return None
    if "]:" in body and not _definitions_stand_alone(body):
        return None
    try:
        return _walk(body)
    except _Fallback:
        return None


def _definitions_stand_alone(body: str) -> bool:
    """Every line that may hold a link reference definition is followed by a blank line,
    another such line, or the end. (markdown-it-py reads definitions as blocks of their
    own, pulldown-cmark as the start of a paragraph: they split a following line
    differently.)"""
    lines = body.split("\n")
    for number, line in enumerate(lines[:-1]):
        if "]:" in line:
            following = lines[number + 1]
            if following.strip(" ") and "]:" not in following:
                return False
    return True


def _normalize(dest: str) -> str:
    """markdown-it-py's href for a destination (normalizeLink), or a fallback where it
    would not take the link as written (validateLink)."""
    from markdown_it.common.normalize_url import normalizeLink, validateLink

    href = normalizeLink(dest)
    if not validateLink(href):
        raise _Fallback
    return href


def _dedent(line: str, indent: int) -> str:
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(stripped, indent) :]


class _Source:
    """A body as bytes (pulldown-cmark's offsets) and as markdown-it-py's lines."""

    __slots__ = ("data", "lines", "starts", "line_max", "ascii")

    def __init__(self, body: str) -> None:
        self.data = data = body.encode("utf-8")
        self.ascii = len(data) == len(body)
        self.lines = body.split("\n")
        # markdown-it's line count: a final line break ends the last line, it does not start one.
        self.line_max = len(self.lines) - 1 if body.endswith("\n") or not body else len(self.lines)
        starts = [0]
        find = data.find
        at = find(b"\n")
        while at >= 0:
            starts.append(at + 1)
            at = find(b"\n", at + 1)
        self.starts = starts

    def text_from(self, offset: int) -> str:
        """The source from ``offset`` to the end of its line."""
        end = self.data.find(b"\n", offset)
        return self.data[offset : end if end >= 0 else len(self.data)].decode("utf-8")

    def blank(self, line: int) -> bool:
        return not self.lines[line].strip(" ")

    def content(self, kind: str, start: int, first: int, end: int, indent: int | None) -> str:
        """An inline token's content as markdown-it-py has it, stripped (the parser strips it)."""
        if indent is None:  # in a block quote: the model reads no paragraph or heading text there
            return ""
        if kind == "atx":
            text = self.text_from(start).lstrip(" ")
            pos = len(text) - len(text.lstrip("#"))
            stop = max(len(text.rstrip(" ")), pos)
            back = stop
            while back > pos and text[back - 1] == "#":
                back -= 1
            if back > pos and text[back - 1] == " ":
                stop = back
            return text[pos:stop].strip()
        # getLines(first, end, indent): the first line from the block's start, the others
        # with up to `indent` spaces removed.
        parts = [self.text_from(start)]
        parts.extend(_dedent(self.lines[number], indent) for number in range(first + 1, end))
        return "\n".join(parts).strip()


_BLOCK_CLOSE = {"Paragraph", "Item", "BlockQuote", "HtmlBlock", "CodeBlock", "Heading", "List"}


def _walk(body: str) -> list[Any]:
    source = _Source(body)
    starts, blank = source.starts, source.blank

    def line_of(offset: int) -> int:
        return bisect_right(starts, offset) - 1

    out: list[Any] = []
    append = out.append
    level = 0
    stack: list[Any] = []  # open blocks: ("list", token), ("item", token), ("quote",), ("html",), ("para", ...), ("code", ...)
    indents: list[int | None] = [0]  # markdown-it's blkIndent of the open blocks (None: in a block quote)
    para: list[Any] | None = None  # the paragraph or heading being read: [kind, start offset, links, implicit]
    code: list[str] | None = None  # the text of the code block being read
    inline_depth = image_depth = 0

    def close_implicit(limit: int) -> None:
        """Inline content directly in a list item (a tight list) was an implicit paragraph:
        its last line is the last non-blank line up to ``limit``."""
        nonlocal para
        first = line_of(para[1])
        last = limit
        while last > first and blank(last):
            last -= 1
        if last < first:  # pragma: no cover - a block starts on the paragraph's line
            raise _Fallback
        stack.pop()
        emit(para, first, last + 1, "para")
        para = None

    def emit(state: list[Any], first: int, end: int, kind: str) -> None:
        if kind == "para":
            append(Token("paragraph_open", level, [first, end], tag="p"))
            inline = _Inline(level + 1, [first, end], source, state[1], end, indents[-1], "para")
        else:
            tag = state[5]
            append(Token("heading_open", level, [first, end], tag=tag))
            if end == first + 1:
                inline = _Inline(level + 1, [first, end], source, state[1], end, indents[-1], "atx")
            else:  # setext: the last line is the underline
                inline = _Inline(level + 1, [first, end - 1], source, state[1], end - 1, indents[-1], "para")
        if state[2]:
            children = []
            for href in state[2]:
                child = Token("link_open", level + 2)
                child.attrs = {"href": href}
                children.append(child)
            inline.children = children
        append(inline)

    def start_implicit(span: dict[str, int]) -> None:
        nonlocal para
        if not stack or stack[-1][0] != "item":  # pragma: no cover - inline content outside a block
            raise _Fallback
        para = ["para", span["start"], [], True, True]
        stack.append(("para",))

    for event, span in pyromark.events_with_range(body):
        if type(event) is str:  # SoftBreak, HardBreak, Rule
            if event == "Rule":
                if para is not None:
                    close_implicit(line_of(span["start"]) - 1)
                append(Token("hr", level, [line_of(span["start"]), 0]))
            elif para is None:
                start_implicit(span)
            continue
        if "Start" in event:
            value = event["Start"]
            name = value if type(value) is str else next(iter(value))
            if name in _INLINE_CONTAINERS or name == "Link" or name == "Image":
                if para is None:
                    start_implicit(span)
                inline_depth += 1
                if inline_depth > 5:  # markdown-it's inline nesting limit is near
                    raise _Fallback
                if name == "Link":
                    if image_depth:  # markdown-it keeps a link in an image's text among the image's children
                        raise _Fallback
                    para[2].append(_href(value["Link"], span, source.data))
                elif name == "Image":
                    image_depth += 1
                continue
            line = bisect_right(starts, span["start"]) - 1
            if para is not None:  # only an implicit one can be open when a block starts
                close_implicit(line - 1)
            if len(stack) >= MAX_DEPTH * 2:
                raise _Fallback
            if name == "Paragraph":
                # [kind, start, links, implicit, in an item]: a paragraph outside a list item
                # and without links is never read by the parser: it is left out.
                para = ["para", span["start"], [], False, bool(stack) and stack[-1][0] == "item"]
                stack.append(("para",))
            elif name == "Item":
                text = source.lines[line]
                offset = span["start"] - starts[line]
                column = offset if source.ascii else len(source.data[starts[line] : span["start"]].decode("utf-8"))
                marker = _MARKER.match(text, column)
                if marker is None:  # pragma: no cover - pulldown-cmark starts an item at its marker
                    raise _Fallback
                if marker.end() >= len(text.rstrip(" ")):  # an empty first line: markdown-it has a special case
                    raise _Fallback
                after = len(marker.group(3))
                indents.append(column + len(marker.group(1)) + len(marker.group(2)) + (1 if after > 4 else after))
                token = Token("list_item_open", level, [line, 0])
                append(token)
                level += 1
                stack.append(("item", token))
            elif name == "CodeBlock":
                code = []
                stack.append(("code", type(value["CodeBlock"]) is dict, line, span["start"], level))
            elif name == "List":
                token = Token("bullet_list_open" if value["List"] is None else "ordered_list_open", level, [line, 0])
                append(token)
                level += 1
                stack.append(("list", token))
            elif name == "Heading":
                para = ["heading", span["start"], [], False, False, "h" + value["Heading"]["level"][1:]]
                stack.append(("heading",))
            elif name == "BlockQuote":
                # Only its level and lines matter to the model: no list or heading in it is
                # at level 0, and no paragraph in it is a list item's first.
                append(Token("blockquote_open", level, [line, 0]))
                level += 1
                indents.append(None)
                stack.append(("quote",))
            elif name == "HtmlBlock":
                append(Token("html_block", level, [line, 0]))
                stack.append(("html",))
            else:  # tables, footnotes, metadata, definition lists, ...
                raise _Fallback
        elif "End" in event:
            value = event["End"]
            name = value if type(value) is str else next(iter(value))
            if name not in _BLOCK_CLOSE:
                inline_depth -= 1
                if name == "Image":
                    image_depth -= 1
                continue
            if para is not None and para[3]:
                close_implicit(line_of(max(span["end"] - 1, span["start"])))
            entry = stack.pop()
            kind = entry[0]
            if kind == "para" or kind == "heading":
                if kind == "heading" or para[4] or para[2]:
                    emit(para, bisect_right(starts, span["start"]) - 1, bisect_right(starts, span["end"] - 1), kind)
                para = None
            elif kind == "item":
                token = entry[1]
                last = line_of(max(span["end"] - 1, span["start"]))
                while last > token.map[0] and blank(last):
                    last -= 1
                after = last + 1
                line_max = source.line_max
                while after < line_max and blank(after):
                    after += 1
                token.map[1] = min(after, line_max)
                level -= 1
                indents.pop()
                append(Token("list_item_close", level))
            elif kind == "code":
                _, fenced, line, start, code_level = entry
                if fenced:
                    opening = source.text_from(start).lstrip(" ")
                    if opening[:1] not in ("`", "~"):  # pragma: no cover - a fence starts with its marker
                        raise _Fallback
                    append(Token("fence", code_level, [line, 0], content="".join(code), info=opening.lstrip(opening[0])))
                else:
                    append(Token("code_block", code_level, [line, 0]))
                code = None
            elif kind == "list":
                level -= 1
                token = entry[1]
                append(Token(token.type.replace("_open", "_close"), level))
            elif kind == "quote":
                level -= 1
                indents.pop()
                append(Token("blockquote_close", level))
            # html: its token was written at the start
        elif code is not None:
            code.append(event.get("Text", ""))
        elif "Html" in event:  # the lines of an HTML block
            continue
        elif para is None:
            if "TaskListMarker" in event:  # pragma: no cover - not enabled
                raise _Fallback
            start_implicit(span)
    if para is not None:  # pragma: no cover - pulldown-cmark closes what it opens
        raise _Fallback
    if stack:  # pragma: no cover
        raise _Fallback
    return out


def _href(link: dict[str, Any], span: dict[str, int], data: bytes) -> str:
    """The href markdown-it-py gives a link, or a fallback where it may read the link otherwise."""
    dest = link["dest_url"]
    kind = link["link_type"]
    if kind == "Inline":
        # As written, so markdown-it-py reads the same destination: `](dest)`, no title,
        # no escapes, no angle brackets.
        if link["title"] or not data.startswith(f"]({dest})".encode(), span["end"] - len(dest.encode()) - 3):
            raise _Fallback
    elif kind in ("Reference", "Collapsed", "Shortcut"):
        # Labels are matched case-insensitively; both parsers fold ASCII alike. The
        # destination must be as written (no backslash escape, no entity).
        if not link["id"].isascii() or not _plain_definitions(data):
            raise _Fallback
    elif kind == "Autolink":  # markdown-it-py: no link at all unless validateLink accepts it
        return _normalize(dest)
    elif kind == "Email":
        return _normalize("mailto:" + dest)
    else:  # wiki links and anything newer
        raise _Fallback
    return dest if _PLAIN_HREF.match(dest) else _normalize(dest)


def _plain_definitions(data: bytes) -> bool:
    """No link reference definition line (nor the line after one) has a backslash or an
    entity, so destinations are as written (markdown-it-py reads them from the source)."""
    lines = data.split(b"\n")
    for number, line in enumerate(lines):
        if b"]:" in line:
            near = line + (lines[number + 1] if number + 1 < len(lines) else b"")
            if _ESCAPE.search(near):
                return False
    return True
