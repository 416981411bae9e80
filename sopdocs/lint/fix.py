"""Certain fixes for lint findings, applied textually (`sopdocs lint --fix`/`--diff`, and
the language server's code actions).

A rule that can fix what it reports has a ``fix(doc, source, ctx)`` hook that yields
``(title, edits)`` for its findings in one document (:mod:`sopdocs.lint.rules`). Every
edit replaces a span of the file's text, so everything else stays byte for byte:
comments, quoting, key order, line endings (LF, CRLF or CR) and a byte order mark.

A fix is offered only when it is certain: one correction and no other is possible, and
applying it alone removes a finding of its rule without adding any finding of another
rule (each candidate is checked by parsing and linting the fixed text). Positions are
those of findings: 1-based lines (ended by CRLF, LF or CR), 1-based columns counted in
characters, a BOM not counted.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sopdocs.core.config import Config
from sopdocs.core.model import FieldPath, SopDocument

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
BOM = "\ufeff"
# Rounds of fixing one file: a fix can make another certain (a renamed key's value).
MAX_ROUNDS = 4


@dataclass(frozen=True)
class Edit:
    """A replacement of the text between two positions of the file."""

    line: int  # 1-based line of the start
    col: int  # 1-based column (in characters) of the start
    end_line: int  # 1-based line of the end
    end_col: int  # 1-based column of the end, exclusive
    text: str  # the new text


@dataclass(frozen=True)
class Fix:
    code: str  # the rule's code, e.g. "SOP104"
    rule: str  # the rule's name, e.g. "field-unknown"
    title: str  # what it does, e.g. "Rename `rolback` to `rollback`"
    edits: tuple[Edit, ...]


# --- the file's text and its front matter's YAML nodes ----------------------------------


class Source:
    """A file's text split into lines as findings count them, and its front matter
    composed into YAML nodes with exact positions (``root`` is None when there is no
    readable front matter mapping)."""

    def __init__(self, text: str) -> None:
        self.text = text
        body = text[1:] if text.startswith(BOM) else text
        self.lines = _LINE_BREAK.split(body)
        found = _LINE_BREAK.search(body)
        self.newline = found.group() if found else "\n"
        self.root: yaml.MappingNode | None = None
        self.empty = False  # a front matter with no keys at all
        self.close_line = 0  # line of the closing `---` (0: none)
        if not self.lines or self.lines[0].rstrip() != "---":
            return
        close = next((i for i in range(1, len(self.lines)) if self.lines[i].rstrip() in ("---", "...")), None)
        if close is None:
            return
        self.close_line = close + 1
        source = "\n".join(self.lines[1:close]) + "\n"
        self._starts = [0, *(m.end() for m in re.finditer("\n", source))]
        try:
            root = yaml.compose(source, Loader=yaml.SafeLoader)
        except (yaml.YAMLError, RecursionError):
            return
        if root is None:
            self.empty = True
        elif isinstance(root, yaml.MappingNode):
            self.root = root

    def position(self, mark: yaml.Mark) -> tuple[int, int]:
        """(line, column) of a mark of the front matter's YAML (which starts on line 2)."""
        line = bisect.bisect_right(self._starts, mark.index) - 1
        return 2 + line, mark.index - self._starts[line] + 1

    def replace(self, node: yaml.Node, text: str) -> Edit:
        line, col = self.position(node.start_mark)
        end_line, end_col = self.position(node.end_mark)
        return Edit(line, col, end_line, end_col, text)

    def written(self, node: yaml.Node) -> str:
        """The node's text as written in the file."""
        line, col = self.position(node.start_mark)
        end_line, end_col = self.position(node.end_mark)
        if line != end_line:
            return "\n".join([self.lines[line - 1][col - 1 :], *self.lines[line : end_line - 1], self.lines[end_line - 1][: end_col - 1]])
        return self.lines[line - 1][col - 1 : end_col - 1]

    def entry(self, path: FieldPath) -> tuple[yaml.Node | None, yaml.Node | None]:
        """(key node, value node) at a path of the front matter as the file writes it
        (no merge keys, no aliases followed); (None, None) when not found."""
        key_node, node = None, self.root
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step and k.tag != "tag:yaml.org,2002:merge"]
                if len(pairs) != 1:
                    return None, None
                key_node, node = pairs[0]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                key_node, node = None, node.value[step]
            else:
                return None, None
        return key_node, node

    def scalar(self, path: FieldPath) -> yaml.ScalarNode | None:
        """The scalar written at a path on one line, not an alias or anchored, else None."""
        _, node = self.entry(path)
        if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line:
            return None
        if self.written(node)[:1] in ("*", "&", "!"):
            return None
        return node


def requote(node: yaml.ScalarNode, value: str) -> str:
    """``value`` written in the style the node was written in (plain, '...' or "...").
    Only for values that need no escaping (ids, keys, periods)."""
    if node.style == "'":
        return f"'{value}'"
    if node.style == '"':
        return f'"{value}"'
    return value


# --- what the rules' fix hooks are given ---------------------------------------------------


@dataclass
class FixContext:
    config: Config
    catalog_ids: set[str] | None  # None: unknown
    new_id: str | None = None  # the id for a file without one (the catalog's unique_ids)
    extra: dict[str, Any] = field(default_factory=dict)


def file_path(doc: SopDocument, path: FieldPath) -> FieldPath:
    """A path into the front matter with its first key as the file writes it."""
    if path and isinstance(path[0], str) and path[0] in doc.renamed:
        return (doc.renamed[path[0]], *path[1:])
    return path


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) between two words."""
    from rapidfuzz.distance import OSA

    return OSA.distance(a, b)


def allowed_distance(word: str) -> int:
    """How many edits a typo of ``word`` may be away from it and still be certainly it:
    none for words shorter than 4 characters, one up to 7, two from 8."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def unique_closest(word: str, choices: Iterable[str]) -> str | None:
    """The one choice that ``word`` is a typo of: the closest within its allowed
    distance, when no other choice is as close; None otherwise."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    matches = process.extract(word, list(choices), scorer=OSA.distance, score_cutoff=2, limit=8)
    found = sorted(((score, choice) for choice, score, *_ in matches), key=lambda p: p[0])
    if not found:
        return None
    best, choice = found[0]
    if best == 0 or best > allowed_distance(choice) or (len(found) > 1 and found[1][0] == best):
        return None
    return choice


# --- finding the fixes ---------------------------------------------------------------------


def fixes_for_text(path: Path, text: str, config: Config, catalog_ids: set[str] | None = None) -> list[Fix]:
    """The certain fixes for the file's current text (catalog_ids: every SOP id of the
    catalog, for id typos; None = unknown: no id fixes)."""
    return _fixes(path, text, config, FixContext(config, set(catalog_ids) if catalog_ids is not None else None))


def _fixes(path: Path, text: str, config: Config, ctx: FixContext) -> list[Fix]:
    from sopdocs.lint import rules as registry

    doc = _parse(path, text, config)
    if doc is None or doc.meta is None:
        return []
    source = Source(text)
    if source.root is None and not source.empty:
        return []
    settings = registry.settings(config)
    registry.schema_issues(doc, config)
    before = _counts(doc, config)
    found: list[Fix] = []
    for rule in registry.RULES.values():
        hook = getattr(rule.module, "fix", None)
        if hook is None or settings[rule.id].severity == "off":
            continue
        for title, edits in hook(doc, source, ctx):
            candidate = Fix(rule.code, rule.id, title, tuple(edits))
            if _certain(candidate, path, text, config, before, rule.scope == "catalog"):
                found.append(candidate)
    return found


def _parse(path: Path, text: str, config: Config) -> SopDocument | None:
    from sopdocs.core.parser import parse_bytes

    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return parse_bytes(data, SopDocument(path=path, display_path=path.as_posix()), config)


def _counts(doc: SopDocument, config: Config) -> Counter[str]:
    """Findings of the document's own rules, by rule (not those that depend on the date)."""
    from sopdocs.lint import rules as registry
    from sopdocs.lint.engine import lint_documents

    findings = lint_documents([doc], config, dt.date(2000, 1, 1), catalog_checks=False)
    return Counter(f.rule for f in findings if not registry.RULES[f.rule].uses_today)


def _certain(fix: Fix, path: Path, text: str, config: Config, before: Counter[str], catalog_rule: bool) -> bool:
    """Applied alone, the fix keeps the front matter readable and the body as it was,
    removes a finding of its own rule (a catalog rule's: the hook made sure) and adds no
    finding of any other rule."""
    if not fix.edits:
        return False
    fixed = apply(text, [fix])
    if fixed == text:
        return False
    doc = _parse(path, fixed, config)
    if doc is None or doc.meta is None or body_of(fixed) != body_of(text):
        return False
    after = _counts(doc, config)
    if not catalog_rule and after[fix.rule] >= before[fix.rule]:
        return False
    return all(after[rule] <= before[rule] for rule in after)


def body_of(text: str) -> str:
    """The text after the front matter (all of it when there is none)."""
    match = re.match(r"\ufeff?---[ \t]*(?:\r\n|\n|\r)", text)
    if not match:
        return text
    for close in re.finditer(r"(?:\r\n|\n|\r)(?:---|\.\.\.)[ \t]*(?=\r\n|\n|\r|$)", text[match.end() - 1 :]):
        return text[match.end() - 1 + close.end() :]
    return text


# --- applying them ------------------------------------------------------------------------


def apply(text: str, fixes: Iterable[Fix]) -> str:
    """The text with the fixes' edits applied (non-overlapping; overlapping later fixes
    are skipped)."""
    return _apply(text, fixes)[0]


def _apply(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """The text with the fixes applied, and the fixes that were (in order)."""
    starts = _line_starts(text)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied: list[Fix] = []
    for fix in fixes:
        spans = []
        for edit in fix.edits:
            start, end = _offset(starts, text, edit.line, edit.col), _offset(starts, text, edit.end_line, edit.end_col)
            if start is None or end is None or end < start:
                spans = None
                break
            spans.append((start, end, edit.text))
        if not spans or any(_overlap(s, e, ts, te) for s, e, _ in spans for ts, te in taken) or _self_overlap(spans):
            continue
        taken.extend((s, e) for s, e, _ in spans)
        chosen.extend(spans)
        applied.append(fix)
    for start, end, new in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text, applied


def _overlap(start: int, end: int, other_start: int, other_end: int) -> bool:
    if start == end or other_start == other_end:  # an insertion clashes inside a span, or at the same point
        return other_start < start < other_end or start < other_start < end or start == other_start
    return start < other_end and other_start < end


def _self_overlap(spans: list[tuple[int, int, str]]) -> bool:
    return any(_overlap(*a[:2], *b[:2]) for i, a in enumerate(spans) for b in spans[i + 1 :])


def _line_starts(text: str) -> list[int]:
    first = 1 if text.startswith(BOM) else 0
    return [first, *(m.end() for m in _LINE_BREAK.finditer(text))]


def _offset(starts: list[int], text: str, line: int, col: int) -> int | None:
    if not 1 <= line <= len(starts) or col < 1:
        return None
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    content = text[start:end]
    content = content[: len(content) - len(_LINE_BREAK.search(content).group())] if _LINE_BREAK.search(content) else content
    if col - 1 > len(content):
        return None
    return start + col - 1


# --- whole files, for the command line -----------------------------------------------------


@dataclass
class FileFixes:
    path: Path
    display_path: str
    before: str
    after: str
    fixes: list[Fix]

    def diff(self) -> str:
        old = self.before.splitlines(keepends=True)
        new = self.after.splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.display_path}", f"b/{self.display_path}"))


def fix_text(path: Path, text: str, config: Config, catalog_ids: set[str] | None, new_id: str | None = None) -> tuple[str, list[Fix]]:
    """The text with every certain fix applied, until none is left, and the fixes."""
    applied: list[Fix] = []
    for _ in range(MAX_ROUNDS):
        ctx = FixContext(config, set(catalog_ids) if catalog_ids is not None else None, new_id)
        fixes = _fixes(path, text, config, ctx)
        if not fixes:
            break
        fixed, done = _apply(text, fixes)
        if fixed == text:
            break
        applied.extend(done)
        text = fixed
    return text, applied


def fix_files(files: list[Path], config: Config, cwd: Path, catalog: list[Path] | None) -> list[FileFixes]:
    """The fixes of each file (those with any). ``catalog``: every SOP file of the
    catalog, whose ids the id fixes may use (None: unknown, no id fixes)."""
    from sopdocs.core import profiles
    from sopdocs.core.discover import display_path
    from sopdocs.core.parser import parse_file

    new_ids: dict[Path, str] = {}
    catalog_ids: set[str] | None = None
    if catalog is not None:
        known: dict[Path, tuple[bool, str | None]] = {}
        for file in sorted(set(catalog) | set(files)):
            doc = parse_file(file, config=config)
            if doc.meta is not None:
                known[file] = ("id" in doc.meta, doc.sop_id)
        catalog_ids = {sop_id for _, sop_id in known.values() if sop_id}
        new_ids = profiles.unique_ids(known)
    out = []
    for file in files:
        try:
            data = file.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the linter reports it
        if b"\x00" in data or len(data) > config.max_file_size:
            continue
        fixed, applied = fix_text(file, text, config, catalog_ids, new_ids.get(file))
        if applied and fixed != text:
            out.append(FileFixes(file, display_path(file, cwd), text, fixed, applied))
    return out


def write(found: list[FileFixes]) -> Iterator[str]:
    """Write the fixed files; yields an error message for each that could not be."""
    for item in found:
        try:
            item.path.write_bytes(item.after.encode("utf-8"))
        except OSError as exc:
            yield f"{item.display_path}: cannot write the fixes: {exc.strerror or exc}"


def fix_paths(
    paths: Iterable[str | Path] | None,
    config: Config,
    cwd: Path | None = None,
    catalog_checks: bool = True,
    force_exclude: bool = False,
    allow_empty: bool = True,
) -> list[FileFixes]:
    """The fixes of the SOP files under ``paths`` (default: the config's `paths`), found
    as `sopdocs lint` finds the files. With ``catalog_checks``, the id fixes know every
    SOP of the catalog; without, there are none. Nothing is written."""
    from sopdocs.core.discover import catalog_files, discover
    from sopdocs.errors import UsageError

    cwd = cwd or Path.cwd()
    explicit = list(paths or [])
    files = discover(explicit or [config.root / p for p in config.paths], config, cwd, force_exclude)
    if explicit and not files and not force_exclude and not allow_empty:
        named = ", ".join(str(p) for p in explicit)
        endings = ", ".join(f"*{ext}" for ext in config.extensions)
        raise UsageError(f"{named}: no SOP files ({endings}) there; check the path, or pass --allow-empty")
    catalog = sorted(set(catalog_files(config, cwd)) | set(files)) if catalog_checks else None
    return fix_files(files, config, cwd, catalog)


def summary(found: list[FileFixes], done: bool = True) -> str:
    from sopdocs.core.text import plural

    count = sum(len(item.fixes) for item in found)
    verb = "fixed" if done else "would fix"
    return f"{verb} {plural(count, 'problem')} in {plural(len(found), 'file')}"
