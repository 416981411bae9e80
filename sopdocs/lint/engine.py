"""The linter: find SOP files, parse them, run every enabled rule, collect findings."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sopdocs.core import profiles
from sopdocs.core.config import Config
from sopdocs.core.model import Position, SopDocument
from sopdocs.core.parser import parse_file
from sopdocs.lint import rules as registry
from sopdocs.lint.rules._common import Context

SEVERITIES = ("error", "warning")
# Review dates say whether to trust an SOP, not whether it can be executed: during an
# incident an overdue SOP must still run. The runner and the exporter show these
# findings as warnings (and the runner records them) instead of refusing.
REVIEW_RULES = frozenset({"review-overdue", "review-due-soon"})


class UsageError(Exception):
    """Bad paths or options: exit code 2."""


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    rule: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    documents: list[SopDocument] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "files_with_findings": len({f.path for f in self.findings}),
            "errors": self.errors,
            "warnings": self.warnings,
        }


def blocks_execution(finding: Finding) -> bool:
    """An error that makes an SOP unfit to export or run."""
    return finding.severity == "error" and finding.rule not in REVIEW_RULES


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(
    paths: Iterable[str | Path], config: Config, cwd: Path | None = None, force_exclude: bool = False
) -> list[Path]:
    """SOP files under the given paths, sorted, minus `exclude` patterns.

    A named file is always included, unless ``force_exclude``: then a named file outside
    the config's `paths`, not ending in one of its `extensions`, or matching `exclude` is
    skipped (for hooks that pass every changed Markdown file). Directories are searched
    for files ending in one of the config's `extensions` (default `.md`), skipping
    hidden directories. A path that does not exist is a usage error.
    """
    cwd = cwd or Path.cwd()
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = cwd / path
        if path.is_file():
            if not force_exclude or in_scope(path, config):
                found[path] = None
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if _has_extension(name, config):
                        candidate = Path(root) / name
                        if not _excluded(candidate, config):
                            found[candidate] = None
        elif not (force_exclude and not path.exists()):
            raise UsageError(f"{raw}: no such file or directory")
    return sorted(found, key=lambda p: p.as_posix())


def _has_extension(name: str, config: Config) -> bool:
    return any(name.endswith(ext) for ext in config.extensions)


def in_scope(path: Path, config: Config) -> bool:
    """True when ``path`` is an SOP of the configured catalog: under one of the
    config's `paths`, with one of its `extensions`, and not excluded."""
    if not _has_extension(path.name, config) or _excluded(path, config):
        return False
    resolved = path.resolve()
    for root in config.paths:
        base = (config.root / root).resolve()
        if resolved == base or base in resolved.parents:
            return not any(part.startswith(".") for part in resolved.relative_to(base).parts[:-1])
    return False


def _excluded(path: Path, config: Config) -> bool:
    if not config.exclude:
        return False
    relative = display_path(path, config.root)
    return any(fnmatch.fnmatch(relative, pattern) for pattern in config.exclude)


def severity_of(rule, config: Config) -> str:
    setting = config.rules.get(rule.ID, {})
    return setting.get("severity", rule.SEVERITY)


def lint_documents(
    docs: list[SopDocument],
    config: Config,
    today: dt.date,
    catalog: list[SopDocument] | None = None,
    catalog_checks: bool = True,
    select: set[str] | None = None,
) -> list[Finding]:
    """Run the rules over parsed documents. ``catalog`` adds SOPs that are known (for
    references and duplicate ids) but not reported on. ``select`` limits the run to
    these rule ids (still only the enabled ones)."""
    known = sorted({id(d): d for d in [*docs, *(catalog or [])]}.values(), key=lambda d: d.display_path)
    profiles.apply_all(known, config)
    ids: dict[str, list[SopDocument]] = {}
    for doc in known:
        if doc.sop_id:
            ids.setdefault(doc.sop_id, []).append(doc)
    ctx = Context(today=today, config=config, catalog_ids=ids, catalog_checks=catalog_checks)

    findings: list[Finding] = []
    active = []
    for rule in registry.RULES.values():
        severity = severity_of(rule, config)
        if severity == "off" or (select is not None and rule.ID not in select):
            continue
        conf = {**rule.DEFAULT, **{k: v for k, v in config.rules.get(rule.ID, {}).items() if k != "severity"}}
        active.append((rule, severity, conf))

    for doc in docs:
        parse_only = doc.meta is None
        for rule, severity, conf in active:
            if rule.SCOPE != "document" or (parse_only and not getattr(rule, "PARSE", False)):
                continue
            for position, message in rule.check(doc, conf, ctx):
                message = profiles.rename_in_message(doc, message)
                findings.append(Finding(doc.display_path, position.line, position.column, rule.CODE, rule.ID, severity, message))
    if catalog_checks:
        readable = [d for d in docs if d.meta is not None]
        for rule, severity, conf in active:
            if rule.SCOPE != "catalog":
                continue
            for doc, position, message in rule.check(readable, conf, ctx):
                message = profiles.rename_in_message(doc, message)
                findings.append(Finding(doc.display_path, position.line, position.column, rule.CODE, rule.ID, severity, message))
    findings.sort()
    return findings


def parse_paths(files: list[Path], config: Config, cwd: Path) -> list[SopDocument]:
    from sopdocs.core.progress import Progress

    docs = []
    with Progress("reading", len(files)) as progress:  # a line on a terminal, for large catalogs
        for path in files:
            docs.append(parse_file(path, display_path(path, cwd), config.max_file_size))
            progress.advance()
    profiles.apply_all(docs, config)
    return docs


def catalog_rule_ids() -> set[str]:
    return {rule.ID for rule in registry.RULES.values() if rule.SCOPE == "catalog"}


def lint_paths(
    paths: Iterable[str | Path] | None,
    config: Config,
    today: dt.date,
    cwd: Path | None = None,
    catalog_checks: bool = True,
    document_checks: bool = True,
    force_exclude: bool = False,
    changed_since: str | None = None,
    fast: object | None = None,
) -> LintResult:
    """Lint files or directories (default: the config's `paths`).

    ``document_checks=False`` runs only the catalog-wide rules (the pre-commit catalog
    hook); ``catalog_checks=False`` only the per-file ones. ``changed_since`` limits the
    report to SOPs changed since a git revision (see :func:`lint_changed`).
    ``fast`` (a :class:`sopdocs.workers.Options`) lints in worker processes and through
    the lint cache; the result then has no ``documents``.
    """
    cwd = cwd or Path.cwd()
    explicit = list(paths or [])
    if changed_since is not None:
        return lint_changed(explicit, config, today, changed_since, cwd, catalog_checks, document_checks)
    files = discover(explicit or [config.root / p for p in config.paths], config, cwd, force_exclude)
    if fast is not None:
        from sopdocs.lint.fast import catalog_extra, lint_files

        extra = catalog_extra(files, explicit, config, cwd) if catalog_checks and explicit else []
        return lint_files(files, extra, config, today, cwd, catalog_checks, document_checks, fast)
    docs = parse_paths(files, config, cwd)
    catalog: list[SopDocument] = []
    if catalog_checks and explicit:
        # References may point at SOPs outside the files named on the command line.
        linted = set(files)
        extra = [p for p in _catalog_files(config, cwd) if p not in linted]
        catalog = parse_paths(extra, config, cwd)
    select = None if document_checks else catalog_rule_ids()
    findings = lint_documents(docs, config, today, catalog, catalog_checks, select) if (docs or catalog) else []
    return LintResult(findings=findings, files=[d.display_path for d in docs], documents=docs)


def lint_changed(
    explicit: list[str | Path],
    config: Config,
    today: dt.date,
    since: str,
    cwd: Path,
    catalog_checks: bool = True,
    document_checks: bool = True,
) -> LintResult:
    """Lint the SOPs changed since the git revision ``since`` (committed, staged,
    unstaged or untracked), and report the catalog-wide findings that involve them.

    The catalog checks still see every SOP. Besides the changed files, a finding is
    reported on an unchanged SOP when a change caused it: it refers (``related``,
    ``rollback.sop``) to an id that a changed or deleted SOP had or has, shares its id
    with a changed SOP, or links to a changed or deleted file.
    """
    from sopdocs.core import git
    from sopdocs.core.model import SopDocument as Doc
    from sopdocs.core.parser import parse_bytes

    try:
        changes = git.changes_since(since, config.root)
    except git.GitError as exc:
        raise UsageError(f"--changed-since: {exc}") from None
    roots = explicit or [config.root / p for p in config.paths if (config.root / p).exists()]
    scope = discover(roots, config, cwd) if roots else []
    resolved = {p: p.resolve() for p in scope}
    changed_paths = {p for p in scope if resolved[p] in changes.changed}
    deleted = {
        p
        for p in changes.deleted
        if in_scope(p, config)
        or (_has_extension(p.name, config) and any(_under(p, Path(r) if Path(r).is_absolute() else cwd / r) for r in roots))
    }

    # The changed SOPs in full; the rest of the catalog only as far as the catalog-wide
    # checks need it (ids and references are in the front matter), which halves the
    # parsing on a big catalog.
    catalog_paths = sorted({*scope, *_catalog_files(config, cwd)}, key=lambda p: p.as_posix())
    changed_docs = parse_paths(sorted(changed_paths, key=lambda p: p.as_posix()), config, cwd)
    by_path = {d.path: d for d in changed_docs}
    for path in catalog_paths:
        if path not in by_path:
            by_path[path] = _parse_front_matter_only(path, config, cwd)

    # Ids the changed and deleted files had at the base revision: a reference to one of
    # them may have broken.
    involved_ids = {d.sop_id for d in changed_docs if d.sop_id}
    old = git.read_blobs(changes.top, changes.base, sorted({*(p.resolve() for p in changed_paths), *deleted}))
    for path, data in old.items():
        before = parse_bytes(data, Doc(path=path, display_path=str(path)))
        profiles.apply_all([before], config)
        if before.sop_id:
            involved_ids.add(before.sop_id)
    involved_files = {p.resolve() for p in changed_paths} | {p.resolve() for p in deleted}
    names = {p.name.encode() for p in involved_files}
    others = []
    for path in scope:
        if path in changed_paths:
            continue
        doc = by_path[path]
        if names and doc.cache.get("mentions") and any(name in doc.cache["mentions"] for name in names):
            doc = by_path[path] = parse_paths([path], config, cwd)[0]  # may link to a changed file
        if _involved(doc, involved_ids, involved_files):
            others.append(doc)
    everything = list(by_path.values())

    findings: list[Finding] = []
    if changed_docs:
        select = None if document_checks else catalog_rule_ids()
        findings += lint_documents(changed_docs, config, today, everything, catalog_checks, select)
    if others and catalog_checks:
        by_display = {d.display_path: d for d in others}
        findings += [
            f
            for f in lint_documents(others, config, today, everything, True, catalog_rule_ids() | {"link-broken"})
            if _caused_by(f, by_display[f.path], involved_ids, involved_files)
        ]
    findings.sort()
    return LintResult(findings=findings, files=[d.display_path for d in changed_docs], documents=changed_docs)


_OPENING = re.compile(rb"(?:\xef\xbb\xbf)?---[ \t]*\r?\n")
_CLOSING = re.compile(rb"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def _parse_front_matter_only(path: Path, config: Config, cwd: Path) -> SopDocument:
    """The front matter of an SOP, without parsing its body; the raw text is kept in
    ``cache["mentions"]`` to find the few files that link to a changed one."""
    from sopdocs.core.model import SopDocument as Doc
    from sopdocs.core.parser import parse_bytes

    doc = Doc(path=path, display_path=display_path(path, cwd))
    try:
        if path.stat().st_size > config.max_file_size:
            return doc
        data = path.read_bytes()
    except OSError:
        return doc
    opening = _OPENING.match(data)
    closing = _CLOSING.search(data, opening.end()) if opening else None
    if closing is None:
        return doc
    end = closing.end() + (1 if data[closing.end() : closing.end() + 1] == b"\n" else 0)
    parse_bytes(data[:end], doc)
    doc.cache["mentions"] = data[end:]
    profiles.apply_all([doc], config)
    return doc


def _under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _references(doc: SopDocument) -> Iterator[tuple[str, object, Position]]:
    """What ``doc`` refers to: ("id", its own id), ("related"/"rollback", an id) and
    ("link", a resolved local path), each with its position."""
    from urllib.parse import unquote, urlsplit

    meta = doc.meta or {}
    if doc.sop_id:
        yield "id", doc.sop_id, doc.position_of(("id",))
    related = meta.get("related")
    for index, target in enumerate(related if isinstance(related, list) else []):
        yield "related", target, doc.position_of(("related", index))
    rollback = meta.get("rollback")
    if isinstance(rollback, dict):
        yield "rollback", rollback.get("sop"), doc.position_of(("rollback", "sop"))
    for link in doc.links:
        parts = urlsplit(link.target)
        if not parts.scheme and not parts.netloc and parts.path and not parts.path.startswith("/"):
            yield "link", (doc.path.parent / unquote(parts.path)).resolve(), link.position


def _touches(kind: str, target: object, ids: set[str], files: set[Path]) -> bool:
    return target in files if kind == "link" else target in ids


def _involved(doc: SopDocument, ids: set[str], files: set[Path]) -> bool:
    """Whether a catalog-wide finding on ``doc`` could come from the given changes."""
    return any(_touches(kind, target, ids, files) for kind, target, _ in _references(doc))


def _caused_by(finding: Finding, doc: SopDocument, ids: set[str], files: set[Path]) -> bool:
    """Whether a finding on an unchanged SOP is about a reference the changes touch
    (and not an older problem of the same SOP)."""
    kinds = {"duplicate-id": "id", "related-unknown": "related", "rollback-unknown": "rollback", "link-broken": "link"}
    at = (finding.line, finding.column)
    return any(
        kind == kinds.get(finding.rule) and (position.line, position.column) == at and _touches(kind, target, ids, files)
        for kind, target, position in _references(doc)
    )


def _catalog_files(config: Config, cwd: Path) -> list[Path]:
    roots = [config.root / p for p in config.paths if (config.root / p).exists()]
    return discover(roots, config, cwd) if roots else []
