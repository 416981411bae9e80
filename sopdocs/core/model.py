"""The SOP model: what the parser produces and every front end consumes.

Positions are 1-based (line, column) in the source file, counting the lines of the
front matter delimiters, so they can be shown as ``path:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A path into the front matter, as JSON Schema reports it: ("rollback", 1, "command").
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int = 1


@dataclass(frozen=True)
class ParseProblem:
    """A problem found while reading the file, before any rule runs."""

    rule: str  # the readable rule id, e.g. "yaml-syntax"
    position: Position
    message: str


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block inside a step or section."""

    position: Position  # the opening fence
    language: str  # "bash", "sh", "yaml", ... ("" when none)
    attributes: dict[str, str]  # info-string attributes: {"timeout": "5m", "confirm": ""}
    code: str
    code_line: int  # file line of the first line of code

    @property
    def is_shell(self) -> bool:
        return self.language in SHELL_LANGUAGES

    @property
    def is_verify(self) -> bool:
        return "verify" in self.attributes

    @property
    def shell(self) -> str:
        return "sh" if self.language == "sh" else "bash"


SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "console"})


@dataclass(frozen=True)
class Link:
    target: str
    position: Position


@dataclass(frozen=True)
class Step:
    number: int  # 1-based position in the list
    position: Position  # the list item's first line
    title: str  # first paragraph, as written (Markdown)
    description: str  # the rest of the item's source text, de-indented
    commands: tuple[CodeBlock, ...]  # shell blocks that are not probes (normally 0 or 1)
    probes: tuple[CodeBlock, ...]  # blocks marked `verify`
    blocks: tuple[CodeBlock, ...]  # every fenced block, in order

    @property
    def command(self) -> CodeBlock | None:
        return self.commands[0] if self.commands else None

    @property
    def is_manual(self) -> bool:
        return not self.commands


@dataclass(frozen=True)
class Section:
    title: str
    slug: str  # lower-case title, e.g. "steps", "verification"
    position: Position
    end_line: int  # last line of the section (inclusive)
    blocks: tuple[CodeBlock, ...]
    items: tuple[tuple[Position, str], ...]  # top-level list items: (position, text)


@dataclass
class SopDocument:
    """One parsed SOP file. ``meta`` is the front matter as plain JSON-like data."""

    path: Path
    display_path: str
    text: str = ""
    meta: dict[str, Any] | None = None
    front_matter_line: int = 1  # line of the opening `---`
    body_line: int = 1  # first line after the closing `---`
    key_positions: dict[FieldPath, Position] = field(default_factory=dict)
    problems: list[ParseProblem] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    title_heading: str | None = None
    sha256: str = ""
    # Derived data computed once per document (schema issues, review state).
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the front matter was read into a mapping."""
        return self.meta is not None

    @property
    def sop_id(self) -> str | None:
        value = (self.meta or {}).get("id")
        return value if isinstance(value, str) else None

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

    def position_of(self, path: FieldPath) -> Position:
        """Position of a front-matter key or item; falls back to the nearest parent."""
        while path:
            found = self.key_positions.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return Position(self.front_matter_line, 1)

    def has_position(self, path: FieldPath) -> bool:
        return path in self.key_positions
