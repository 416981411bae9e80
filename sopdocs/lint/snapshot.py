"""The last run, reused: a lint that repeats with the same configuration, date and files
looks again only at the files that changed.

After a `sopdocs lint` through the cache (:mod:`sopdocs.lint.fast`), a record
``lint-<fingerprint>-<run>.run`` beside the cache's main file (one per list of files and
options; the ``KEEP`` last used are kept) records what the run saw and found: each file's path,
shown path, stat row (when it could be trusted: see ``fast.STAT_SLACK_NS``), SHA-256 and
id, the findings of each file, and every local link target it checked with whether it
existed. The next run with the same *run key* (the cache fingerprint, the date, the
options, how many files are reported) and the same list of files uses it like this:

* a file whose stat row is what it was is unchanged; any other file is hashed, and if its
  bytes differ, analysed again (its static findings from its bytes, its dynamic and
  catalog findings against the recorded ids of every other file);
* every recorded link target must exist, or not, as it did: a target that is one of the
  catalog's files counts as existing when this run found it a regular file.

The other files' findings stay what they were only if nothing they depend on moved: the
files are the same, no changed file has a new id (duplicate ids, `related` and
`rollback.sop` resolve against the ids), and no link target appeared or went. Anything
else (a file added, removed or renamed, an id changed, another date, a link target
created) makes the run fall back to the full path of :mod:`sopdocs.lint.fast`, which
writes a fresh record. Either way the findings are those of a full lint: the tests in
tests/scale/ compare them.

:func:`sopdocs.lint.fast.lint_files` reads and writes the record (``reuse`` there). The
file is an optimisation: deleting it is always safe, and one that cannot be read, is
damaged or has the wrong shape is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
# Records kept per cache fingerprint: one per list of files and options linted (the
# whole catalog, the pre-commit hook's catalog-wide run, a directory, ...).
KEEP = 6


def run_key(fingerprint: str, today: dt.date, reported: int, catalog_checks: bool, document_checks: bool) -> str:
    """What besides the files a run's findings depend on."""
    parts = [FORMAT, fingerprint, today.isoformat(), reported, catalog_checks, document_checks]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def record_path(directory: Path, fingerprint: str, key: str, names: list[str]) -> Path:
    """Where the record of a run with this cache ``fingerprint``, run ``key`` and list of
    files lives: ``lint-<fingerprint>-<run>.run``, so that runs over other files (a
    pre-commit hook's few files, then the whole catalog) do not replace each other's."""
    digest = hashlib.sha256(key.encode() + b"\0" + "\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()
    return directory / f"lint-{fingerprint[:20]}-{digest[:16]}.run"


@dataclass
class Run:
    """One recorded run. ``rows[i]`` is ``(size, mtime_ns, inode, ctime_ns)`` of
    ``paths[i]`` as it was before it was read, or None when that stat could not be
    trusted; ``findings`` maps a shown path to its findings' rows ``(line, column, code,
    rule, severity, message)``; ``targets`` maps a link target's path to whether it
    existed."""

    key: str
    paths: list[str]
    displays: list[str]
    rows: list[tuple[int, int, int, int] | None]
    shas: list[str]
    ids: list[str | None]
    findings: dict[str, list[tuple[Any, ...]]]
    targets: dict[str, bool]

    def dump(self) -> bytes:
        return marshal.dumps(
            (FORMAT, self.key, self.paths, self.displays, self.rows, self.shas, self.ids, self.findings, self.targets)
        )


def load(path: Path, key: str) -> Run | None:
    """The run recorded at ``path`` if it has ``key`` and the expected shape, else None."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):  # missing, unreadable, damaged
        return None
    if not (isinstance(data, tuple) and len(data) == 9 and data[0] == FORMAT and data[1] == key):
        return None
    _, key, paths, displays, rows, shas, ids, findings, targets = data
    if not (isinstance(paths, list) and isinstance(displays, list) and isinstance(rows, list)
            and isinstance(shas, list) and isinstance(ids, list)
            and len(paths) == len(displays) == len(rows) == len(shas) == len(ids)
            and isinstance(findings, dict) and isinstance(targets, dict)):  # fmt: skip
        return None
    if not (all(type(p) is str for p in paths) and all(type(d) is str for d in displays)
            and all(type(s) is str for s in shas) and all(i is None or type(i) is str for i in ids)
            and all(r is None or (type(r) is tuple and len(r) == 4 and all(type(v) is int for v in r)) for r in rows)
            and all(type(k) is str and type(v) is bool for k, v in targets.items())
            and all(type(k) is str and type(v) is list and all(_finding_shaped(f) for f in v) for k, v in findings.items())):  # fmt: skip
        return None
    return Run(key, paths, displays, rows, shas, ids, findings, targets)


def _finding_shaped(row: Any) -> bool:
    return (type(row) is tuple and len(row) == 6 and type(row[0]) is int and type(row[1]) is int
            and all(type(v) is str for v in row[2:]))  # fmt: skip


def save(path: Path, run: Run) -> None:
    """Record ``run`` atomically; a failure to write is not an error (a read-only
    checkout still lints)."""
    from sopdocs.core.files import atomic_write, older_than_newest, remove_quietly

    try:
        atomic_write(path, run.dump())
    except OSError:
        return
    prefix = path.name.rsplit("-", 1)[0]  # lint-<fingerprint>
    remove_quietly(older_than_newest(path.parent.glob(prefix + "-*.run"), KEEP))


def used(path: Path) -> None:
    """Mark a record as just used (the newest ``KEEP`` by modification time are kept)."""
    try:
        os.utime(path)
    except OSError:
        pass


def entry_id(entry: Any) -> str | None:
    """The id in a cache entry's facts (as ``SopDocument.sop_id``); None for an entry
    without one, or of the wrong shape."""
    try:
        meta = entry["d"]["m"]
    except (KeyError, TypeError):
        return None
    value = meta.get("id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def note_targets(doc: Any, targets: dict[str, bool]) -> None:
    """Add the local `.md` files a document's links name (what the link-broken rule
    checks) to ``targets``, each with whether it exists now."""
    from sopdocs.lint.rules.link_broken import local_targets

    for _, _, full in local_targets(doc):
        if full not in targets:
            targets[full] = os.path.isfile(full)


def finding_row(finding: Any) -> tuple[Any, ...]:
    """A finding as the record keeps it, under its file's shown path."""
    return (finding.line, finding.column, finding.code, finding.rule, finding.severity, finding.message)


def record(
    key: str,
    names: list[str],
    displays: list[str],
    rows: list[list[int] | None],
    results: list[tuple[str, dict[str, Any]]],
    findings: list[Any],
    linted: list[Any],
) -> Run | None:
    """The record of a full run (None when two files are shown under one path, where
    findings could not be told apart)."""
    if len(set(displays)) != len(displays):
        return None
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for f in findings:
        grouped.setdefault(f.path, []).append(finding_row(f))
    targets: dict[str, bool] = {}
    for doc in linted:
        note_targets(doc, targets)
    return Run(
        key=key,
        paths=list(names),
        displays=list(displays),
        rows=[tuple(r) if r is not None else None for r in rows],
        shas=[sha for sha, _ in results],
        ids=[entry_id(entry) for _, entry in results],
        findings=grouped,
        targets=targets,
    )


def findings_of(grouped: dict[str, list[tuple[Any, ...]]]) -> list[Any]:
    from sopdocs.lint.engine import Finding

    out = [Finding(display, *row) for display, rows in grouped.items() for row in rows]
    out.sort()
    return out
