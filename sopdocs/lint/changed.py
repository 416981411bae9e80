"""`sopdocs lint --changed-since REV`: lint the SOPs a branch changed, and report the
catalog-wide findings its changes cause on SOPs it did not touch."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from sopdocs.core import git
from sopdocs.core.config import Config
from sopdocs.core.discover import catalog_files, discover, display_path, has_extension, in_scope
from sopdocs.core.model import Position, SopDocument
from sopdocs.core.parser import parse_bytes, parse_files
from sopdocs.errors import UsageError
from sopdocs.lint.engine import Finding, LintResult, catalog_rule_ids, lint_documents


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
        or (has_extension(p.name, config) and any(_under(p, Path(r) if Path(r).is_absolute() else cwd / r) for r in roots))
    }

    # The changed SOPs in full; the rest of the catalog only as far as the catalog-wide
    # checks need it (ids and references are in the front matter), which halves the
    # parsing on a big catalog.
    catalog_paths = sorted({*scope, *catalog_files(config, cwd)}, key=lambda p: p.as_posix())
    changed_docs = parse_files(sorted(changed_paths, key=lambda p: p.as_posix()), config, cwd)
    by_path = {d.path: d for d in changed_docs}
    for path in catalog_paths:
        if path not in by_path:
            by_path[path] = parse_front_matter_only(path, config, cwd)

    # Ids the changed and deleted files had at the base revision: a reference to one of
    # them may have broken.
    involved_ids = {d.sop_id for d in changed_docs if d.sop_id}
    old = git.read_blobs(changes.top, changes.base, sorted({*(p.resolve() for p in changed_paths), *deleted}))
    for path, data in old.items():
        before = parse_bytes(data, SopDocument(path=path, display_path=str(path)), config)
        if before.sop_id:
            involved_ids.add(before.sop_id)
    involved_files = {p.resolve() for p in changed_paths} | {p.resolve() for p in deleted}
    names = {p.name.encode() for p in involved_files}
    others = []
    for path in scope:
        if path in changed_paths:
            continue
        doc = by_path[path]
        if names and doc.unparsed_body and any(name in doc.unparsed_body for name in names):
            doc = by_path[path] = parse_files([path], config, cwd)[0]  # may link to a changed file
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


def parse_front_matter_only(path: Path, config: Config, cwd: Path) -> SopDocument:
    """The front matter of an SOP, without parsing its body; the body's bytes are kept
    in ``unparsed_body`` to find the few files that link to a changed one."""
    doc = SopDocument(path=path, display_path=display_path(path, cwd))
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
    parse_bytes(data[:end], doc, config)
    doc.unparsed_body = data[end:]
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
