"""Read an SOP file into a :class:`SopDocument` with exact source positions.

Nothing here raises on bad input: every problem becomes a :class:`ParseProblem` with
the best position we have (the rule it belongs to puts it in words), and the document
keeps whatever could be read. Given a config, the front matter is mapped from the
config's handbook format onto sopdocs keys as it is read (:mod:`sopdocs.core.profiles`).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from sopdocs.core import profiles
from sopdocs.core.config import DEFAULT_MAX_BYTES, Config
from sopdocs.core.model import CodeBlock, FieldPath, Link, ParseProblem, Position, Section, SopDocument, Step

try:  # libyaml makes composing about 8x faster; fall back to pure Python.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# A real SOP's front matter has a few hundred values; aliases can make a small text
# expand exponentially ("billion laughs"), so expansion is capped.
MAX_YAML_VALUES = 20_000
# Deeper nesting than any SOP needs; also keeps conversion clear of Python's recursion limit.
MAX_YAML_DEPTH = 100
# Info-string words that are attributes, not a language, when they come first.
STEP_FLAGS = frozenset({"verify", "confirm", "idempotent"})

_LIST_MARKER = re.compile(r"^( *)(?:[0-9]{1,9}[.)]|[-+*])(?: +|$)")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_constructor = yaml.constructor.SafeConstructor()


class _TooLarge(Exception):
    pass


class _BadNode(Exception):
    def __init__(self, node: yaml.Node, kind: str, **details: Any) -> None:
        super().__init__(kind)
        self.node = node
        self.kind = kind
        self.details = details


def parse_file(path: Path, display_path: str | None = None, config: Config | None = None) -> SopDocument:
    """Read one SOP. With ``config``: its size limit, and its handbook profile applied
    to the front matter."""
    doc = SopDocument(path=path, display_path=display_path or str(path))
    max_bytes = config.max_file_size if config is not None else DEFAULT_MAX_BYTES
    try:
        size = path.stat().st_size
        if size > max_bytes:
            doc.problems.append(ParseProblem("file-unreadable", "too-large", Position(1, 1), {"size": size, "limit": max_bytes}))
            return doc
        data = path.read_bytes()
    except OSError as exc:
        doc.problems.append(ParseProblem("file-unreadable", "unreadable", Position(1, 1), {"error": exc.strerror or str(exc)}))
        return doc
    return parse_bytes(data, doc, config)


def parse_files(files: list[Path], config: Config, cwd: Path) -> list[SopDocument]:
    """Parse SOP files (the config's profile applied), showing paths as seen from
    ``cwd``, with a progress line on a terminal for large catalogs."""
    from sopdocs.core.discover import display_path
    from sopdocs.core.progress import Progress

    docs = []
    with Progress("reading", len(files)) as progress:
        for path in files:
            docs.append(parse_file(path, display_path(path, cwd), config))
            progress.advance()
    return docs


def parse_bytes(data: bytes, doc: SopDocument, config: Config | None = None) -> SopDocument:
    """Read an SOP from its bytes into ``doc`` (see :func:`parse_file`)."""
    _parse_bytes(data, doc)
    if config is not None:
        apply_profile(doc, config)
    return doc


def apply_profile(doc: SopDocument, config: Config) -> None:
    """Map the front matter from the config's handbook format onto sopdocs keys (once)."""
    if config.reads_other_format:
        profiles.apply(doc, config.handbook, config.field_aliases(), config.owner_default)


def _parse_bytes(data: bytes, doc: SopDocument) -> None:
    doc.sha256 = hashlib.sha256(data).hexdigest()
    if b"\x00" in data:
        line, col = _byte_position(data, data.index(b"\x00"))
        doc.problems.append(ParseProblem("file-unreadable", "binary", Position(line, col)))
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        doc.problems.append(ParseProblem("file-unreadable", "not-utf8", Position(line, col), {"byte": data[exc.start]}))
        return
    # Line breaks as CommonMark (and YAML) read them: CRLF, LF, and a lone CR.
    doc.text = text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not text.strip():
        doc.problems.append(ParseProblem("front-matter-missing", "empty", Position(1, 1)))
        return
    if lines[0].rstrip() != "---":
        doc.problems.append(ParseProblem("front-matter-missing", "absent", Position(1, 1)))
        doc.body_line = 1
        _parse_body(doc, text, 1)
        return
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if close is None:
        doc.problems.append(ParseProblem("front-matter-missing", "not-closed", Position(1, 1)))
        return
    doc.front_matter_line = 1
    doc.body_line = close + 2
    _parse_front_matter(doc, "\n".join(lines[1:close]) + "\n", first_line=2)
    _parse_body(doc, "\n".join(lines[close + 1 :]), doc.body_line)


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column of a byte offset, counted as for text: CRLF, LF or CR end a
    line, a column is a character (a byte that is not UTF-8 counts as one), a BOM is
    not one."""
    before = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    line_start = before.rfind(b"\n") + 1
    last = before[line_start:]
    if line_start == 0 and last.startswith(b"\xef\xbb\xbf"):
        last = last[3:]
    return before.count(b"\n") + 1, len(last.decode("utf-8", "replace")) + 1


# --- front matter -------------------------------------------------------------------


def _parse_front_matter(doc: SopDocument, source: str, first_line: int) -> None:
    # YAML also breaks lines at U+0085, U+2028 and U+2029, which are not line breaks in
    # the file (or to Markdown): place marks by their character index instead.
    starts = [0, *(match.end() for match in re.finditer("\n", source))]

    def pos(mark: yaml.Mark) -> Position:
        line = bisect.bisect_right(starts, mark.index) - 1
        return Position(first_line + line, mark.index - starts[line] + 1)

    try:
        root = yaml.compose(source, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = pos(mark) if mark else Position(doc.front_matter_line, 1)
        at_mark = source[exc.problem_mark.index : exc.problem_mark.index + 1] if exc.problem_mark else ""
        details = {"problem": exc.problem or str(exc), "context": exc.context, "at": at_mark}
        doc.problems.append(ParseProblem("yaml-syntax", "syntax", position, details))
        return
    except yaml.YAMLError as exc:
        doc.problems.append(ParseProblem("yaml-syntax", "unreadable", Position(doc.front_matter_line, 1), {"error": str(exc)}))
        return
    if root is None:
        doc.meta = {}
        return
    if not isinstance(root, yaml.MappingNode):
        found = "list" if isinstance(root, yaml.SequenceNode) else "single value"
        doc.problems.append(ParseProblem("yaml-syntax", "not-a-mapping", pos(root.start_mark), {"found": found}))
        return
    converter = _Converter(doc, pos)
    try:
        doc.meta = converter.mapping(root, ())
    except _TooLarge:
        limit = {"limit": MAX_YAML_VALUES}
        doc.problems.append(ParseProblem("yaml-syntax", "too-many-values", Position(doc.front_matter_line, 1), limit))
    except _BadNode as exc:
        doc.problems.append(ParseProblem("yaml-syntax", exc.kind, pos(exc.node.start_mark), exc.details))


class _Converter:
    """Turns YAML nodes into plain data, recording positions and duplicate keys.

    Dates stay strings (the schema checks them), so `2026-02-30` is reported as a bad
    value instead of crashing a date constructor.
    """

    def __init__(self, doc: SopDocument, pos: Any) -> None:
        self.doc = doc
        self.pos = pos
        self.budget = MAX_YAML_VALUES
        # Collections being converted: an alias to one of them (`&a [*a]`) is a cycle.
        self.open: set[int] = set()

    def value(self, node: yaml.Node, path: FieldPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            with self.entered(node):
                items = []
                for index, child in enumerate(node.value):
                    self.doc.key_positions.setdefault(path + (index,), self.pos(child.start_mark))
                    items.append(self.value(child, path + (index,)))
                return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        raise _BadNode(node, "unsupported-node")  # pragma: no cover

    @contextlib.contextmanager
    def entered(self, node: yaml.Node) -> Iterator[None]:
        """Guard the conversion of a collection against cycles, deep nesting and
        expansion (merge keys `<<` can multiply work without adding values)."""
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge
        if id(node) in self.open:
            raise _BadNode(node, "recursive-alias")
        if len(self.open) >= MAX_YAML_DEPTH:
            raise _BadNode(node, "too-deep", limit=MAX_YAML_DEPTH)
        self.open.add(id(node))
        try:
            yield
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value
        constructor = _constructor.yaml_constructors.get(node.tag)
        if constructor is None:
            raise _BadNode(node, "unsupported-tag", tag=node.tag)
        try:
            value = constructor(_constructor, node)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            raise _BadNode(node, "bad-value", value=node.value, error=str(exc)) from None
        if isinstance(value, bytes):
            raise _BadNode(node, "binary-value")
        if isinstance(value, float) and value != value:  # NaN cannot go into JSON output
            return str(node.value)
        return value

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        with self.entered(node):
            return self._mapping(node, path)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise _BadNode(key_node, "complex-key")
            key = key_node.value
            key_path = path + (key,)
            if key in result:
                first = self.doc.key_positions[key_path]
                details = {"key": key, "first_line": first.line}
                self.doc.problems.append(ParseProblem("duplicate-key", "duplicate", self.pos(key_node.start_mark), details))
                continue
            self.doc.key_positions[key_path] = self.pos(key_node.start_mark)
            result[key] = self.value(value_node, key_path)
        if merged:
            self._merge(merged, path, result)
        return result

    def _merge(self, merged: list[yaml.Node], path: FieldPath, result: dict[str, Any]) -> None:
        depth = len(path)
        own = {k: v for k, v in self.doc.key_positions.items() if len(k) > depth and k[:depth] == path and k[depth] in result}
        for source in merged:
            if not isinstance(source, yaml.MappingNode):
                raise _BadNode(source, "bad-merge")
            for key, value in self.mapping(source, path).items():
                result.setdefault(key, value)
        self.doc.key_positions.update(own)  # merged keys must not move the mapping's own keys


# --- body -----------------------------------------------------------------------------

_markdown = None


def _md():
    global _markdown
    if _markdown is None:
        from markdown_it import MarkdownIt

        _markdown = MarkdownIt("commonmark")
        # Inline content matters here only for links: parse it only where a link can
        # start. Every link starts with `[` or (an autolink) `<`; the other inline tokens
        # keep no children. About a fifth of the parse time on typical SOPs.
        _markdown.core.ruler.at("inline", _inline_links_only)
    return _markdown


def _inline_links_only(state: Any) -> None:
    for token in state.tokens:
        if token.type == "inline" and ("[" in token.content or "<" in token.content):
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


# Read bodies with pulldown-cmark (sopdocs.core.fastmd) where it gives markdown-it-py's
# tokens exactly; tests set this to False to compare with markdown-it-py alone.
FAST_BODY = True


def body_tokens(body: str) -> list[Any]:
    """The block tokens of a body (markdown-it-py's, or the same from sopdocs.core.fastmd)."""
    if FAST_BODY:
        from sopdocs.core import fastmd

        tokens = fastmd.tokens(body)
        if tokens is not None:
            return tokens
    return _md().parse(body)


def _parse_body(doc: SopDocument, body: str, first_line: int) -> None:
    tokens = body_tokens(body)
    lines = body.split("\n")
    offset = first_line  # token.map is 0-based within the body

    sections: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.tag in ("h1", "h2"):
            heading = tokens[index + 1].content.strip()
            if current is not None:
                current["end"] = token.map[0] - 1
            current = None
            if token.tag == "h1":
                if doc.title_heading is None:
                    doc.title_heading = heading
                continue
            current = {"title": heading, "start": token.map[0], "end": len(lines) - 1, "tokens": []}
            sections.append(current)
        elif current is not None:
            current["tokens"].append(token)
        if token.type == "inline" and token.children:
            _collect_links(doc, token, lines, offset)

    for raw in sections:
        section_tokens = raw["tokens"]
        slug = " ".join(raw["title"].lower().split())
        section = Section(
            title=raw["title"],
            slug=slug,
            position=Position(raw["start"] + offset, 1),
            end_line=raw["end"] + offset,
            blocks=tuple(_block(t, offset) for t in section_tokens if t.type == "fence"),
            items=tuple(_top_items(section_tokens, lines, offset)),
        )
        doc.sections.append(section)
        if slug == "steps" and not doc.steps:
            doc.steps = _steps(section_tokens, lines, offset)


def info_string(info: str) -> tuple[str, dict[str, str]]:
    """A fence's info string read as sopdocs reads it: the language ("" when none) and
    the attributes, ```` ```bash confirm timeout=5m ```` -> ("bash", {"confirm": "",
    "timeout": "5m"}). The site renders fences by the same reading."""
    words = info.split()
    language = ""
    if words and "=" not in words[0] and words[0] not in STEP_FLAGS:
        language = words.pop(0).lower()
    attributes: dict[str, str] = {}
    for word in words:
        name, _, value = word.partition("=")
        attributes[name] = value
    return language, attributes


def _block(token: Any, offset: int) -> CodeBlock:
    language, attributes = info_string(token.info)
    line = token.map[0] + offset
    return CodeBlock(
        position=Position(line, 1),
        language=language,
        attributes=attributes,
        code=token.content,
        code_line=line + 1,
    )


def _items(tokens: list[Any], list_index: int) -> list[tuple[int, int]]:
    """(open, close) token indexes of the direct items of the list opened at list_index."""
    level = tokens[list_index].level + 1
    items, start = [], None
    for index in range(list_index + 1, len(tokens)):
        token = tokens[index]
        if token.level < level:
            break
        if token.level == level and token.type == "list_item_open":
            start = index
        elif token.level == level and token.type == "list_item_close" and start is not None:
            items.append((start, index))
    return items


def _item_text(tokens: list[Any], open_index: int, close_index: int) -> str:
    level = tokens[open_index].level + 2
    for token in tokens[open_index:close_index]:
        if token.type == "inline" and token.level == level:
            return token.content.strip()
    return ""


def _top_items(tokens: list[Any], lines: list[str], offset: int) -> list[tuple[Position, str]]:
    found = []
    for index, token in enumerate(tokens):
        if token.level == 0 and token.type in ("bullet_list_open", "ordered_list_open"):
            for start, end in _items(tokens, index):
                found.append((Position(tokens[start].map[0] + offset, 1), _item_text(tokens, start, end)))
    return found


def _steps(tokens: list[Any], lines: list[str], offset: int) -> list[Step]:
    list_index = next(
        (i for i, t in enumerate(tokens) if t.type == "ordered_list_open" and t.level == 0),
        None,
    )
    if list_index is None:
        return []
    steps = []
    for number, (start, end) in enumerate(_items(tokens, list_index), start=1):
        item = tokens[start]
        inner = tokens[start + 1 : end]
        direct = item.level + 1
        title, title_end = "", item.map[0] + 1
        first = inner[0] if inner else None
        if first is not None and first.type == "paragraph_open":
            title = inner[1].content.strip()
            title_end = first.map[1]
        blocks = tuple(_block(t, offset) for t in inner if t.type == "fence" and t.level == direct)
        marker_line = lines[item.map[0]]
        marker = _LIST_MARKER.match(marker_line)
        indent = len(marker.group(0)) if marker else 0
        rest = [_dedent(line, indent) for line in lines[title_end : item.map[1]]]
        steps.append(
            Step(
                number=number,
                position=Position(item.map[0] + offset, len(marker.group(1)) + 1 if marker else 1),
                title=title,
                description="\n".join(rest).strip("\n"),
                commands=tuple(b for b in blocks if b.is_shell and not b.is_verify),
                probes=tuple(b for b in blocks if b.is_verify),
                blocks=blocks,
            )
        )
    return steps


def _dedent(line: str, indent: int) -> str:
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(stripped, indent) :]


def _collect_links(doc: SopDocument, inline: Any, lines: list[str], offset: int) -> None:
    begin, end = inline.map if inline.map else (0, 0)
    for child in inline.children:
        if child.type != "link_open":
            continue
        href = child.attrs.get("href", "")
        line, col = begin, 0
        for number in range(begin, min(end, len(lines))):
            found = lines[number].find(f"]({href}")
            if found >= 0:
                line, col = number, found + 2
                break
        doc.links.append(Link(str(href), Position(line + offset, col + 1)))


def with_body(doc: SopDocument, text: str) -> SopDocument:
    """A copy of ``doc`` whose text is ``text`` (the same lines, the same front matter)
    and whose body structure (sections, steps, links) is parsed from it: a view of the SOP
    with parts taken out, such as a handbook's template code on the site."""
    import dataclasses

    copy = dataclasses.replace(doc, text=text, sections=[], steps=[], links=[], title_heading=None)
    _parse_body(copy, "\n".join(text.split("\n")[doc.body_line - 1 :]), doc.body_line)
    return copy
