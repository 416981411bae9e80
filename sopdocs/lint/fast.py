"""Lint many SOPs fast: per-file work in parallel and cached, catalog work in one place.

`sopdocs lint` splits the rules in two:

* **per-file, static**: what a file's bytes decide under a given configuration: parse
  problems, the schema, the steps, credentials, placeholders. This is almost all of the
  work. It runs once per distinct file content, in worker processes when there are many
  files (:mod:`sopdocs.core.parallel`), and its findings are stored in the cache
  (:mod:`sopdocs.lint.cache`) under the file's SHA-256.
* **everything else**, run on every lint from a few *facts* per file (the id,
  ``related``, ``rollback``, the review keys and their positions, the links): the rules
  that depend on today or on other files existing (their modules say so), and the
  catalog-wide rules (duplicate ids, references between SOPs).

Results are identical to :func:`sopdocs.lint.engine.lint_documents` over fully parsed
documents (tests/scale proves it on generated catalogs), sorted the same way, whatever
the number of workers and whatever was cached.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import os
import stat as statmod
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core import parallel
from sopdocs.core.discover import display_paths
from sopdocs.core.model import Link, Position, SopDocument
from sopdocs.core.parallel import CHUNK, Pool

# Front-matter keys that the dynamic and catalog rules read.
FACT_KEYS = ("id", "related", "rollback", "last_reviewed", "review_in")
# Below this many files to analyse, starting worker processes (about 0.3 s of CPU
# each) costs more than it saves (about 1.3 ms of CPU per file).
PARALLEL_MIN = 500
# A file's stat (size, mtime, inode, ctime) stands for its content only if the file was
# last changed at least this long before the stat was taken: a change within the same
# tick of a coarse file-system clock (FAT: 2 s) could leave every field as it was ("racy
# git"). Newer files are read and hashed every time until they are old enough.
STAT_SLACK_NS = 2_000_000_000
# Windows' st_ctime is the creation time, not the last change: there, always hash.
STAT_TRUSTED = os.name != "nt"


@dataclass(frozen=True)
class Options:
    """How :func:`lint_files` runs. ``jobs``: processes that parse, this one included
    (None: one per CPU when at least ``parallel_min`` files need parsing; 1: no workers). ``cache``: read and write
    the lint cache (None: unless the config says `cache: false`). ``progress``: None
    shows a progress line on a terminal (see :mod:`sopdocs.progress`)."""

    jobs: int | None = None
    cache: bool | None = None
    cache_dir: Path | None = None
    progress: bool | None = None
    parallel_min: int = PARALLEL_MIN


def static_rule_ids() -> frozenset[str]:
    """Rules whose findings on a file follow from its bytes and the config: cached.
    (Each rule module says what else it reads: USES_TODAY, USES_OTHER_FILES; tests/scale
    checks that no other rule reads the date or the file system.)"""
    from sopdocs.lint import rules as registry

    return frozenset(r.id for r in registry.RULES.values() if r.static)


def dynamic_rule_ids() -> frozenset[str]:
    """Every other rule: run on each lint, over the files' facts."""
    from sopdocs.lint import rules as registry

    return frozenset(r.id for r in registry.RULES.values() if not r.static)


# --- one file --------------------------------------------------------------------------


def analyse(path: Path, display: str, config: Any, today: dt.date) -> tuple[str, dict[str, Any]]:
    """Parse one file and run the static rules: (sha256 of the bytes read, or "" when
    the file was not read; the cache entry)."""
    from sopdocs.core.parser import parse_file

    doc = parse_file(path, display, config)
    return doc.sha256, analyse_document(doc, config, today)


def analyse_document(doc: SopDocument, config: Any, today: dt.date) -> dict[str, Any]:
    """The cache entry of a parsed document (parsed with ``config``): its static
    findings and its facts."""
    from sopdocs.lint.engine import lint_documents

    findings = lint_documents([doc], config, today, None, False, set(static_rule_ids()))
    return {
        "f": [[f.line, f.column, f.code, f.rule, f.severity, f.message] for f in findings],
        "d": facts(doc),
    }


def facts(doc: SopDocument) -> dict[str, Any]:
    """What the dynamic and catalog rules need of a document (JSON-ready)."""
    meta = None
    positions = []
    if doc.meta is not None:
        meta = {key: doc.meta[key] for key in FACT_KEYS if key in doc.meta}
        if "rollback" in meta and not isinstance(meta["rollback"], dict):
            meta["rollback"] = []  # steps: nothing for the rules to resolve
        for path, position in doc.key_positions.items():
            if _needed(path):
                positions.append([list(path), position.line, position.column])
    return {
        "m": meta,
        "l": doc.front_matter_line,
        "p": positions,
        "k": [[link.target, link.position.line, link.position.column] for link in doc.links],
        "r": doc.renamed or None,
        "pr": doc.profile,
    }


def _needed(path: tuple[Any, ...]) -> bool:
    """Whether the dynamic and catalog rules may ask for this position: the fact keys,
    the items of `related`, `rollback.sop` (others fall back to these, as before)."""
    if len(path) == 1:
        return path[0] in FACT_KEYS
    return len(path) == 2 and (path[0] == "related" or path == ("rollback", "sop"))


def light_document(
    path: Path, display: str, sha256: str, entry: dict[str, Any], positions: dict[tuple[int, int], Position] | None = None
) -> SopDocument:
    """A document with just the facts; raises on an entry of the wrong shape.
    ``positions`` shares equal (immutable) positions between documents."""
    data = entry["d"]
    meta = data["m"]
    if meta is not None and not isinstance(meta, dict):
        raise TypeError("meta")
    shared = {} if positions is None else positions

    def position(line: Any, column: Any) -> Position:
        found = shared.get((line, column))
        if found is None:
            found = shared[(line, column)] = Position(int(line), int(column))
        return found

    doc = SopDocument(path=path, display_path=display, meta=meta, front_matter_line=int(data["l"]), sha256=sha256)
    doc.key_positions = {tuple(p): position(line, column) for p, line, column in data["p"]}
    doc.links = [Link(str(target), position(line, column)) for target, line, column in data["k"]]
    if data["r"] is not None:
        doc.renamed = dict(data["r"])
    if data["pr"] is not None:
        doc.profile = str(data["pr"])
    return doc


def static_findings(display: str, entry: dict[str, Any]) -> list[Any]:
    from sopdocs.lint.engine import Finding

    return [Finding(display, int(line), int(column), str(code), str(rule), str(severity), str(message))
            for line, column, code, rule, severity, message in entry["f"]]


def stat_row(path: Path) -> list[int] | None:
    """[size, mtime_ns, inode, ctime_ns] of a file, taken before it is read; None when it
    cannot be trusted to stand for the content later (too recent, or not statable)."""
    if not STAT_TRUSTED:
        return None
    now = time.time_ns()
    try:
        st = os.stat(path)
    except OSError:
        return None
    if max(st.st_mtime_ns, st.st_ctime_ns) >= now - STAT_SLACK_NS:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def file_sha256(path: Path, max_bytes: int) -> str:
    """SHA-256 of the file, or "" when it cannot be read or is over the size limit
    (such files are not cached: the parser reports them without reading them)."""
    try:  # os.open/os.read: a tenth of a warm run is spent here, and file objects cost more
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return ""
    chunks, size = [], 0
    try:
        while size <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    if size > max_bytes:
        return ""
    return hashlib.sha256(b"".join(chunks)).hexdigest()


# --- worker processes -------------------------------------------------------------------


@dataclass(frozen=True)
class Analyser:
    """The job of each process of a parallel lint (see :mod:`sopdocs.core.parallel`)."""

    config: Any
    today: dt.date

    def analyse(self, items: list[tuple[int, Path, str]], payload: Any = None) -> list[tuple[Any, ...]]:
        """(index, sha256, entry, stat row taken before reading) of each item."""
        return [(index, stat_row(path), *analyse(path, display, self.config, self.today)) for index, path, display in items]


def _run(
    items: list[tuple[int, Path, str]], config: Any, today: dt.date, jobs: int, progress: Any
) -> Iterator[tuple[Any, ...]]:
    """(index, stat row, sha256, entry) of each item, in any order. ``jobs`` processes share the
    work: this one and ``jobs - 1`` workers (whose start-up, about 0.2 s, this one
    covers by working too)."""
    chunks = -(-len(items) // CHUNK)
    if jobs > 1 and chunks > 1:
        with Pool(functools.partial(Analyser, config, today), min(jobs, chunks)) as pool:
            for _, results in pool.map("analyse", items):
                yield from results
                progress.advance(len(results))
        return
    for index, path, display in items:
        yield index, stat_row(path), *analyse(path, display, config, today)
        progress.advance()


# --- the last run, reused (sopdocs.lint.snapshot) ---------------------------------------


@dataclass
class Reuse:
    """What a reused run gives: the findings (None: the record could not stand for this
    run after all), the files analysed again (for the cache, also when the findings are
    None: the full run need not analyse them again), and the new record."""

    findings: list[Any] | None
    fresh: dict[str, dict[str, Any]]  # sha256 -> cache entry
    run: Any = None
    changed: bool = False  # the record must be written again


def reuse(
    run: Any,
    names: list[str],
    displays: list[str],
    reported: int,
    config: Any,
    today: dt.date,
    catalog_checks: bool,
    document_checks: bool,
) -> Reuse | None:
    """The findings of this run from ``run`` (a :class:`sopdocs.lint.snapshot.Run`) and
    the files that changed, or None (or a Reuse without findings) when the record cannot
    stand for this run (see :mod:`sopdocs.lint.snapshot`)."""
    if names != run.paths or displays != run.displays:
        return None
    from sopdocs.lint import snapshot

    trusted = STAT_TRUSTED
    regular: set[str] = set()
    suspects: list[int] = []
    rows = run.rows
    for index, name in enumerate(names):
        try:
            st = os.stat(name)
        except OSError:
            suspects.append(index)
            continue
        if statmod.S_ISREG(st.st_mode):
            regular.add(name)
        row = rows[index]
        if not (trusted and row is not None and row == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)):
            suspects.append(index)
    for target, existed in run.targets.items():
        if (target in regular or os.path.isfile(target)) != existed:
            return None

    new_rows = list(rows)
    new_shas = list(run.shas)
    changed_files: list[int] = []
    entries: dict[int, dict[str, Any]] = {}
    fresh: dict[str, dict[str, Any]] = {}
    moved = False
    for index in suspects:
        path = Path(names[index])
        row = stat_row(path)
        sha = file_sha256(path, config.max_file_size)
        if sha and sha == run.shas[index]:  # touched, not changed
            new_rows[index] = tuple(row) if row is not None else None
            continue
        sha, entry = analyse(path, displays[index], config, today)
        if sha:
            fresh[sha] = entry
        if snapshot.entry_id(entry) != run.ids[index]:
            moved = True  # other files' duplicate-id and reference findings may move
        new_rows[index] = tuple(row) if row is not None and sha else None
        new_shas[index] = sha
        entries[index] = entry
        changed_files.append(index)
    if moved:
        return Reuse(None, fresh)

    findings = dict(run.findings)
    targets = dict(run.targets)
    if changed_files:
        _relint(run, names, displays, reported, changed_files, entries, findings, targets, config, today, catalog_checks, document_checks)
    new = snapshot.Run(run.key, run.paths, run.displays, new_rows, new_shas, run.ids, findings, targets)
    return Reuse(snapshot.findings_of(findings), fresh, new, changed=bool(suspects))


def _relint(run, names, displays, reported, changed_files, entries, findings, targets, config, today, catalog_checks, document_checks):
    """Findings of the changed files, against the recorded ids of the others."""
    from sopdocs.lint import snapshot
    from sopdocs.lint.engine import catalog_rule_ids, lint_documents

    mine = {index: light_document(Path(names[index]), displays[index], "", entries[index]) for index in changed_files}
    ids: dict[str, list[Any]] = {}
    for index, sop_id in enumerate(run.ids):
        if sop_id:
            ids.setdefault(sop_id, []).append(mine.get(index) or _Known(displays[index]))
    for owners in ids.values():
        if len(owners) > 1:
            owners.sort(key=lambda d: d.display_path)
    select = set(dynamic_rule_ids()) if document_checks else catalog_rule_ids()
    for index in changed_files:
        if index >= reported:
            continue  # known to the catalog checks, not reported: only its id matters
        doc, display = mine[index], displays[index]
        own = static_findings(display, entries[index]) if document_checks else []
        own += lint_documents([doc], config, today, None, catalog_checks, select, ids=ids)
        own.sort()
        findings.pop(display, None)
        if own:
            findings[display] = [snapshot.finding_row(f) for f in own]
        snapshot.note_targets(doc, targets)


class _Known:
    """Another file of the catalog, as the catalog rules see it through its id."""

    __slots__ = ("display_path",)

    def __init__(self, display_path: str) -> None:
        self.display_path = display_path


# --- the whole run ------------------------------------------------------------------------


def lint_files(
    files: list[str] | list[Path],
    catalog: list[str] | list[Path],
    config: Any,
    today: dt.date,
    cwd: Path,
    catalog_checks: bool = True,
    document_checks: bool = True,
    options: Options | None = None,
    plain: set[str] | None = None,
) -> Any:
    """Lint ``files`` (with ``catalog``: more SOPs known to the catalog checks but not
    reported on), absolute paths. ``plain``: those known not to be symbolic links
    (:func:`sopdocs.core.discover.discover_names`). Returns a
    :class:`~sopdocs.lint.LintResult` without documents."""
    # The run allocates a few hundred thousand long-lived objects (cache entries,
    # facts) and almost no reference cycles (parsing 1,000 SOPs leaves about 15
    # objects for the cycle collector), so the collector's full passes over the
    # growing heap are pure cost: up to half of a warm run. Reference counting still
    # frees everything else as usual.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint_files(files, catalog, config, today, cwd, catalog_checks, document_checks, options, plain)
    finally:
        if collecting:
            gc.enable()


def _lint_files(
    files: list[str] | list[Path],
    catalog: list[str] | list[Path],
    config: Any,
    today: dt.date,
    cwd: Path,
    catalog_checks: bool,
    document_checks: bool,
    options: Options | None,
    plain: set[str] | None,
) -> Any:
    from sopdocs.lint.engine import LintResult

    options = options or Options()
    from sopdocs.lint import snapshot

    names = [os.fspath(path) for path in [*files, *catalog]]
    displays = display_paths(names, cwd, plain)
    key = record_path = run_key = reused = None
    if uses_cache(options, config):
        from sopdocs.lint.cache import LintCache, cache_dir, fingerprint

        directory = options.cache_dir or cache_dir(config, cwd)
        key = fingerprint(config, memo=directory, trusted_before=time.time_ns() - STAT_SLACK_NS if STAT_TRUSTED else None)
        run_key = snapshot.run_key(key, today, len(files), catalog_checks, document_checks)
        record_path = snapshot.record_path(directory, key, run_key, names)
        last = snapshot.load(record_path, run_key)
        reused = reuse(last, names, displays, len(files), config, today, catalog_checks, document_checks) if last else None
        if reused is not None and reused.findings is not None:
            if reused.fresh:
                LintCache(directory, key, read=False).add(reused.fresh)
            if reused.changed:
                snapshot.save(record_path, reused.run)
            else:
                snapshot.used(record_path)
            return LintResult(findings=reused.findings, files=displays[: len(files)], documents=[])

    _check_rules(config)
    paths = [Path(name) for name in names]
    rows: list[list[int] | None] = []
    analysed = reused.fresh if reused is not None else None
    results, reanalyse, store = entries(paths, displays, config, today, cwd, options, cache_key=key, rows=rows, analysed=analysed)
    findings, linted = combine(paths, displays, results, len(files), config, today, catalog_checks, document_checks, reanalyse)
    if store is not None:
        store.save()
        run = snapshot.record(run_key, names, displays, rows, results, findings, linted)
        if run is not None:
            snapshot.save(record_path, run)
    return LintResult(findings=findings, files=[d.display_path for d in linted], documents=[])


def _check_rules(config: Any) -> None:
    """A bad `rules` section of the config: ConfigError before any file is read. (A run
    the record answers had the same config, checked by the run that made the record.)"""
    from sopdocs.lint import rules as registry

    registry.settings(config)


def uses_cache(options: Options, config: Any) -> bool:
    """Whether a run reads and writes the lint cache: ``options.cache``, else the
    config's `cache` setting."""
    from sopdocs.lint.cache import enabled_in

    return options.cache or (options.cache is None and enabled_in(config))


def entries(
    paths: list[Path],
    displays: list[str],
    config: Any,
    today: dt.date,
    cwd: Path,
    options: Options | None = None,
    cache_key: str | None = None,
    rows: list[Any] | None = None,
    analysed: dict[str, Any] | None = None,
) -> tuple[list[Any], Any, Any]:
    """Each file's (sha256, cache entry), from the lint cache or analysed (in worker
    processes when there are many): ``(results, reanalyse, store)``. ``reanalyse(index)``
    analyses a file again when its cache entry turns out unusable; ``store`` (None without
    a cache) is to be saved by the caller when done. ``cache_key``: the cache fingerprint, if
    already known. ``rows`` (a list) receives each file's stat row as it was before the
    file was read (None where that stat cannot be trusted, see :func:`stat_row`).
    ``analysed``: cache entries (by sha256) of files analysed already in this run."""
    from sopdocs.core.progress import Progress
    from sopdocs.lint.cache import LintCache, cache_dir, fingerprint

    options = options or Options()
    store = None
    if uses_cache(options, config):
        store = LintCache(options.cache_dir or cache_dir(config, cwd), cache_key or fingerprint(config))
        for sha, entry in (analysed or {}).items():
            store.put(sha, entry)

    results: list[tuple[str, dict[str, Any]] | None] = [None] * len(paths)
    trusted: list[Any] = [None] * len(paths)
    todo: list[int] = []
    keys = [os.path.abspath(path) for path in paths] if store is not None else []
    if store is not None and store.entries:
        stats = store.stats if STAT_TRUSTED else {}
        for index, path in enumerate(paths):
            # A file whose stat is what it was when its content was hashed (and was old
            # enough then) is that content: not read again. Anything else is hashed.
            key = keys[index]
            known = stats.get(key)
            sha = ""
            if known is not None:
                try:
                    st = os.stat(key)
                except OSError:
                    st = None
                if st is not None and known[:4] == [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]:
                    sha = known[4]
                    store.stat_used(key)
                    trusted[index] = known[:4]
            if not sha:
                row = stat_row(path)
                sha = file_sha256(path, config.max_file_size)
                if row is not None and sha:
                    store.put_stat(key, [*row, sha])
                    trusted[index] = row
            entry = store.get(sha) if sha else None
            if entry is not None:
                results[index] = (sha, entry)
            else:
                todo.append(index)
    else:
        todo = list(range(len(paths)))

    # Asked for (--jobs): worker processes whenever there are two chunks.
    jobs = options.jobs if options.jobs is not None else parallel.default_jobs(len(todo), options.parallel_min)
    with Progress("linting", len(paths), enabled=options.progress) as progress:
        progress.advance(len(paths) - len(todo))
        items = [(index, paths[index], displays[index]) for index in todo]
        for index, row, sha, entry in _run(items, config, today, jobs, progress):
            results[index] = (sha, entry)
            trusted[index] = row if sha else None
            if store is not None and sha:
                store.put(sha, entry)
                if row is not None:
                    store.put_stat(keys[index], [*row, sha])

    if rows is not None:
        rows[:] = trusted

    def reanalyse(index: int) -> tuple[str, dict[str, Any]]:  # an unusable cache entry: analyse again
        if store is not None:
            store.discard(results[index][0])  # type: ignore[index]
        if rows is not None:
            rows[index] = None
        sha, entry = analyse(paths[index], displays[index], config, today)
        if store is not None and sha:
            store.put(sha, entry)
        return sha, entry

    return results, reanalyse, store


def combine(
    paths: list[Path],
    displays: list[str],
    results: list[Any],
    reported: int,
    config: Any,
    today: dt.date,
    catalog_checks: bool = True,
    document_checks: bool = True,
    reanalyse: Any = None,
) -> tuple[list[Any], list[SopDocument]]:
    """Every finding, from each file's (sha256, cache entry): the static findings of the
    first ``reported`` files, then the dynamic and catalog rules over light documents.
    Returns the sorted findings and the light documents of the reported files."""
    from sopdocs.lint.engine import catalog_rule_ids, lint_documents

    docs: list[SopDocument] = []
    findings = []
    shared: dict[tuple[int, int], Position] = {}
    for index, result in enumerate(results):
        assert result is not None
        sha, entry = result
        try:
            doc = light_document(paths[index], displays[index], sha, entry, shared)
            static = static_findings(displays[index], entry) if index < reported and document_checks else []
        except (KeyError, TypeError, ValueError, AttributeError):
            if reanalyse is None:
                raise
            sha, entry = reanalyse(index)
            doc = light_document(paths[index], displays[index], sha, entry)
            static = static_findings(displays[index], entry) if index < reported and document_checks else []
        docs.append(doc)
        findings.extend(static)

    linted, known = docs[:reported], docs[reported:]
    select = set(dynamic_rule_ids()) if document_checks else catalog_rule_ids()
    if linted or known:
        findings.extend(lint_documents(linted, config, today, known, catalog_checks, select))
    findings.sort()
    return findings, linted
