"""The SOP model: what the parser produces and every front end consumes.

Positions are 1-based (line, column) in the source file, counting the lines of the
front matter delimiters, so they can be shown as ``path:line:col``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.core.frontmatter import FrontMatter

# A path into the front matter, as JSON Schema reports it: ("rollback", 1, "command").
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int = 1


@dataclass(frozen=True)
class ParseProblem:
    """A problem found while reading the file, before any rule runs: what the parser
    saw. The rule it belongs to says it in words (sopdocs.lint.rules)."""

    rule: str  # the readable id of the rule that reports it, e.g. "yaml-syntax"
    kind: str  # what was found, e.g. "tab", "not-utf8" (each rule lists its kinds)
    position: Position
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


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


@dataclass(frozen=True)
class Section:
    title: str
    slug: str  # lower-case title, e.g. "steps", "verification"
    position: Position
    end_line: int  # last line of the section (inclusive)
    blocks: tuple[CodeBlock, ...]
    items: tuple[tuple[Position, str], ...]  # top-level list items: (position, text)


@dataclass(eq=False)
class SopDocument:
    """One parsed SOP file. ``meta`` is the front matter as plain JSON-like data, with
    the config's handbook profile applied (its keys are sopdocs keys); ``front`` is the
    same, typed."""

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
    # The handbook profile applied to ``meta`` (None: none was), and the sopdocs keys it
    # renamed, as the file writes them (`last_reviewed` -> `last_reviewed_on`).
    profile: str | None = None
    renamed: dict[str, str] = field(default_factory=dict)
    # The front matter's schema problems, once the linter has asked (sopdocs.lint.engine).
    schema_issues: list[Any] | None = field(default=None, repr=False)
    # The body's bytes when only the front matter was parsed (sopdocs.lint.changed).
    unparsed_body: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the front matter was read into a mapping."""
        return self.meta is not None

    @property
    def sop_id(self) -> str | None:
        value = (self.meta or {}).get("id")
        return value if isinstance(value, str) else None

    @functools.cached_property
    def front(self) -> FrontMatter:
        """The front matter, typed (read it after parsing: ``meta`` is final then)."""
        return FrontMatter(self.meta or {})

    @functools.cached_property
    def lines(self) -> list[str]:
        """The file's lines (``text`` split at its normalised line breaks)."""
        return self.text.split("\n")

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
