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


class _Fallback(Exception):
    """Something this module does not reproduce exactly: use markdown-it-py."""


def available() -> bool:
    return pyromark is not None


def tokens(body: str) -> list[Token] | None:
    """markdown-it-py's block tokens of ``body`` as far as the parser reads them, or None
    when the body has a construct they might differ on (then parse with markdown-it-py)."""
    if pyromark is None or _AWKWARD.search(body):
        return None
    if "]:" in body and not _definitions_stand_alone(body):
        return None
    try:
        return _Walk(body).run()
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


class _Walk:
    def __init__(self, body: str) -> None:
        self.body = body
        self.data = body.encode("utf-8")
        self.lines = body.split("\n")
        # markdown-it's line count: a final line break ends the last line, it does not start one.
        self.line_max = len(self.lines) - 1 if body.endswith("\n") or not body else len(self.lines)
        starts = [0]
        find = self.data.find
        at = find(b"\n")
        while at >= 0:
            starts.append(at + 1)
            at = find(b"\n", at + 1)
        self.starts = starts
        self.out: list[Token] = []
        self.level = 0
        # Open blocks: [kind, token or state]; kind: list, item, para, heading, code.
        self.stack: list[list[Any]] = []
        self.inline: dict[str, Any] | None = None  # the paragraph or heading being read
        self.inline_depth = 0
        self.image_depth = 0

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def blank(self, line: int) -> bool:
        return not self.lines[line].strip(" ")

    def text_from(self, offset: int) -> str:
        """The source from ``offset`` to the end of its line."""
        end = self.data.find(b"\n", offset)
        return self.data[offset : end if end >= 0 else len(self.data)].decode("utf-8")

    def indent(self) -> int | None:
        """markdown-it's blkIndent: the content column of the innermost list item (None in
        a block quote, whose lines markdown-it reads without their `>`)."""
        for kind, state in reversed(self.stack):
            if kind == "item":
                return state["indent"]
            if kind == "quote":
                return None
        return 0

    # --- the walk ------------------------------------------------------------------------

    def run(self) -> list[Token]:
        for event, span in pyromark.events_with_range(self.body):
            if type(event) is str:  # SoftBreak, HardBreak, Rule
                if event == "Rule":
                    self.block_start()
                    self.out.append(Token("hr", self.level, [self.line_of(span["start"]), 0]))
                else:
                    self.inline_event(span)
                continue
            ((kind, value),) = event.items()
            if kind == "Start":
                self.start(value, span)
            elif kind == "End":
                self.end(value, span)
            elif kind in ("Text", "Code", "InlineHtml", "InlineMath", "DisplayMath", "FootnoteReference"):
                if self.stack and self.stack[-1][0] == "code":
                    self.stack[-1][1]["text"].append(value)
                else:
                    self.inline_event(span)
            elif kind == "Html":  # the lines of an HTML block
                continue
            else:  # TaskListMarker and anything newer
                raise _Fallback
        self.close_implicit()
        if self.stack:  # pragma: no cover - pulldown-cmark closes everything it opens
            raise _Fallback
        return self.out

    def start(self, value: Any, span: dict[str, int]) -> None:
        name = value if type(value) is str else next(iter(value))
        if self.inline is not None and (name in _INLINE_CONTAINERS or name in ("Link", "Image")):
            self.inline_depth += 1
            if self.inline_depth > 5:  # markdown-it's inline nesting limit is near
                raise _Fallback
            self.inline["end"] = max(self.inline["end"], span["end"])
            if name == "Link":
                self.link(value["Link"], span)
            elif name == "Image":
                self.image_depth += 1
            return
        if name in _INLINE_CONTAINERS or name in ("Link", "Image"):
            # Inline content directly in a list item (a tight list): an implicit paragraph.
            self.inline_event(span)
            self.start(value, span)
            return
        self.block_start()
        if len(self.stack) >= MAX_DEPTH * 2:
            raise _Fallback
        line = self.line_of(span["start"])
        if name == "Paragraph":
            self.inline = {"kind": "para", "start": span["start"], "end": span["end"], "links": [], "explicit": True}
            self.stack.append(["para", self.inline])
        elif name == "Heading":
            self.inline = {"kind": "heading", "start": span["start"], "end": span["end"], "links": [], "explicit": True,
                           "tag": "h" + value["Heading"]["level"][1:]}
            self.stack.append(["heading", self.inline])
        elif name == "List":
            start = value["List"]
            token = Token("ordered_list_open" if start is not None else "bullet_list_open", self.level, [line, 0])
            self.out.append(token)
            self.level += 1
            self.stack.append(["list", token])
        elif name == "Item":
            self.item(span, line)
        elif name == "CodeBlock":
            block = value["CodeBlock"]
            fenced = type(block) is dict
            self.stack.append(["code", {"fenced": fenced, "line": line, "start": span["start"], "text": [], "level": self.level}])
        elif name == "BlockQuote":
            # Only its level and lines matter to the model: no list or heading in it is
            # at level 0, and no paragraph in it is a list item's first.
            self.out.append(Token("blockquote_open", self.level, [line, 0]))
            self.level += 1
            self.stack.append(["quote", None])
        elif name == "HtmlBlock":
            self.stack.append(["html", None])
            self.out.append(Token("html_block", self.level, [line, 0]))
        else:  # BlockQuote, tables, footnotes, metadata, definition lists, ...
            raise _Fallback

    def item(self, span: dict[str, int], line: int) -> None:
        text = self.lines[line]
        column = len(self.data[self.starts[line] : span["start"]].decode("utf-8"))
        marker = _MARKER.match(text, column)
        if marker is None:  # pragma: no cover - pulldown-cmark starts an item at its marker
            raise _Fallback
        if marker.end() >= len(text.rstrip(" ")):  # an empty first line: markdown-it has a special case
            raise _Fallback
        after = len(marker.group(3))
        indent = column + len(marker.group(1)) + len(marker.group(2)) + (1 if after > 4 else after)
        token = Token("list_item_open", self.level, [line, 0])
        self.out.append(token)
        self.level += 1
        self.stack.append(["item", {"token": token, "indent": indent}])

    def end(self, value: Any, span: dict[str, int]) -> None:
        name = value if type(value) is str else next(iter(value))
        if self.inline_depth and (name in _INLINE_CONTAINERS or name in ("Link", "Image")):
            self.inline_depth -= 1
            if name == "Image":
                self.image_depth -= 1
            return
        self.close_implicit()
        kind, state = self.stack.pop()
        if kind in ("para", "heading"):
            state["end"] = max(state["end"], span["end"])
            self.emit_inline(state)
            self.inline = None
        elif kind == "list":
            self.level -= 1
            state.map[1] = self.line_of(span["end"] - 1) + 1
            self.out.append(Token(state.type.replace("_open", "_close"), self.level))
        elif kind == "item":
            token = state["token"]
            last = self.line_of(max(span["end"] - 1, span["start"]))
            while last > token.map[0] and self.blank(last):
                last -= 1
            after = last + 1
            while after < self.line_max and self.blank(after):
                after += 1
            token.map[1] = min(after, self.line_max)
            self.level -= 1
            self.out.append(Token("list_item_close", self.level))
        elif kind == "code":
            if state["fenced"]:
                opening = self.text_from(state["start"]).lstrip(" ")
                info = opening.lstrip(opening[:1]) if opening[:1] in ("`", "~") else None
                if info is None:  # pragma: no cover - a fence starts with its marker
                    raise _Fallback
                self.out.append(Token("fence", state["level"], [state["line"], 0], content="".join(state["text"]), info=info))
            else:
                self.out.append(Token("code_block", state["level"], [state["line"], 0]))
        elif kind == "quote":
            self.level -= 1
            self.out.append(Token("blockquote_close", self.level))
        # html: its token was written at the start

    def block_start(self) -> None:
        """A block begins: an implicit paragraph (inline content directly in an item) ends."""
        self.close_implicit()

    def close_implicit(self) -> None:
        if self.inline is not None and not self.inline["explicit"]:
            self.stack.pop()
            self.emit_inline(self.inline)
            self.inline = None

    def inline_event(self, span: dict[str, int]) -> None:
        if self.inline is None:
            if not self.stack or self.stack[-1][0] != "item":  # pragma: no cover - inline content outside a block
                raise _Fallback
            self.inline = {"kind": "para", "start": span["start"], "end": span["end"], "links": [], "explicit": False}
            self.stack.append(["para", self.inline])
        elif span["end"] > self.inline["end"]:
            self.inline["end"] = span["end"]

    def link(self, link: dict[str, Any], span: dict[str, int]) -> None:
        if self.image_depth:  # markdown-it keeps a link in an image's text among the image's children
            raise _Fallback
        dest = link["dest_url"]
        kind = link["link_type"]
        if kind == "Inline":
            # As written, so markdown-it-py reads the same destination: `](dest)`, no title,
            # no escapes, no angle brackets.
            if link["title"] or not self.data.startswith(f"]({dest})".encode(), span["end"] - len(dest.encode()) - 3):
                raise _Fallback
        elif kind in ("Reference", "Collapsed", "Shortcut"):
            # Labels are matched case-insensitively; both parsers fold ASCII alike. The
            # destination must be as written (no backslash escape, no entity).
            if not link["id"].isascii() or not self.plain_definitions():
                raise _Fallback
        elif kind == "Autolink":  # markdown-it-py: no link at all unless validateLink accepts it
            self.inline["links"].append(_normalize(dest))
            return
        elif kind == "Email":
            self.inline["links"].append(_normalize("mailto:" + dest))
            return
        else:  # wiki links and anything newer
            raise _Fallback
        self.inline["links"].append(dest if _PLAIN_HREF.match(dest) else _normalize(dest))

    def plain_definitions(self) -> bool:
        """No link reference definition line (nor the line after one) has a backslash or
        an entity, so destinations are as written."""
        lines = self.lines
        for number, line in enumerate(lines):
            if "]:" in line:
                near = line + (lines[number + 1] if number + 1 < len(lines) else "")
                if "\\" in near or "&" in near:
                    return False
        return True

    def emit_inline(self, state: dict[str, Any]) -> None:
        first = self.line_of(state["start"])
        last = self.line_of(state["end"] - 1)
        blk = self.indent()
        if state["kind"] == "heading":
            tag = state["tag"]
            if last == first:  # ATX
                text = self.text_from(state["start"]).lstrip(" ")
                if not text.startswith("#"):  # pragma: no cover - pulldown-cmark's ATX range starts at '#'
                    raise _Fallback
                pos = len(text) - len(text.lstrip("#"))
                end = len(text.rstrip(" "))
                if end <= pos:
                    end = pos
                tmp = end
                while tmp > pos and text[tmp - 1] == "#":
                    tmp -= 1
                if tmp > pos and text[tmp - 1] == " ":
                    end = tmp
                content = text[pos:end]
                heading_map = [first, first + 1]
                inline_map = [first, first + 1]
            else:  # setext: the last line is the underline
                content = self.getlines(state["start"], first, last, blk)
                heading_map = [first, last + 1]
                inline_map = [first, last]
            open_type, close_type = "heading_open", "heading_close"
        else:
            tag = "p"
            content = self.getlines(state["start"], first, last + 1, blk)
            heading_map = inline_map = [first, last + 1]
            open_type, close_type = "paragraph_open", "paragraph_close"
        self.out.append(Token(open_type, self.level, heading_map, tag=tag))
        inline = Token("inline", self.level + 1, inline_map, content=content.strip())
        if state["links"]:
            children = []
            for href in state["links"]:
                child = Token("link_open", self.level + 2)
                child.attrs = {"href": href}
                children.append(child)
            inline.children = children
        self.out.append(inline)
        self.out.append(Token(close_type, self.level, tag=tag))

    def getlines(self, start: int, first: int, end: int, indent: int | None) -> str:
        """markdown-it's getLines(first, end, indent) (whose result is then trimmed): the first
        line from the block's start, the others with up to ``indent`` spaces removed. In a
        block quote: "" (the model reads no paragraph or heading text there)."""
        if indent is None:
            return ""
        parts = [self.text_from(start)]
        parts.extend(_dedent(self.lines[number], indent) for number in range(first + 1, end))
        return "\n".join(parts)
