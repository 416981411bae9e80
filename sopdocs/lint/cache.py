"""The lint cache: per-file lint results, keyed by the file's content hash.

``.sopdocs-cache/`` next to the config file (else in the working directory) holds one
JSON file per *fingerprint*: sopdocs' version and code, the versions of the parsing and
validating libraries, the SOP schema, the configuration, and the rule set. Anything
that changes one of them selects another file, so a stale result is never used. Inside,
an entry is keyed by the SHA-256 of a file's bytes; its value is what the file yields
that does not depend on the date or on other files (see :mod:`sopdocs.lint.fast`).

The directory is safe to delete at any time. A file that cannot be read or decoded, or
an entry that does not have the expected shape, is ignored (and the file analysed
again); the cache is replaced atomically, so a crash or a concurrent run never leaves
half a file behind (the last writer wins).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sopdocs import __version__
from sopdocs.core.files import atomic_write, older_than_newest, remove_quietly

DIR_NAME = ".sopdocs-cache"
FORMAT = 1
# Fingerprint files kept in the directory (other configs, older sopdocs versions).
KEEP_FILES = 4
# Entries appended to the log before it is folded into the main file (at least; or a
# quarter of the entries, whichever is more).
LOG_MAX = 500
# Libraries whose behaviour shapes lint results.
LIBRARIES = ("PyYAML", "markdown-it-py", "pyromark", "jsonschema", "jsonschema-rs", "python-dateutil")


def cache_dir(config: Any, cwd: Path | None = None) -> Path:
    """Where the cache of this configuration lives."""
    if getattr(config, "source", None) is not None:
        return Path(config.source).parent / DIR_NAME
    return (cwd or Path.cwd()) / DIR_NAME


def enabled_in(config: Any) -> bool:
    """The config's `cache` setting (default true)."""
    return (getattr(config, "raw", None) or {}).get("cache", True) is not False


@functools.cache
def code_fingerprint(memo: Path | None = None, trusted_before: int | None = None) -> str:
    """sopdocs' own source and data files and the libraries' versions: an edited
    checkout (editable install, same version number) gets a fresh cache.

    ``memo`` (a cache directory) keeps the answer in ``code.json`` under a key made of
    the files' stat rows and those of the import path's directories (where installing
    another version of a library adds and removes entries); the files are read and
    hashed again when the key differs, or when one of them changed at ``trusted_before``
    (nanoseconds since the epoch) or later: too recently for its stat to stand for its
    content (see ``fast.STAT_SLACK_NS``). No memo when ``trusted_before`` is None."""
    package = Path(__file__).resolve().parents[1]  # all of sopdocs: the parser in core/ shapes results too
    files = _source_files(str(package))
    key = None
    if memo is not None and trusted_before is not None:
        key = _memo_key(files, trusted_before)
        if key is not None:
            try:
                known = json.loads((memo / "code.json").read_bytes())
            except (OSError, ValueError, RecursionError):
                known = None
            if isinstance(known, dict) and known.get("key") == key and isinstance(known.get("code"), str):
                return known["code"]
    from importlib import metadata

    digest = hashlib.sha256(__version__.encode())
    for relative, full, _ in files:
        digest.update(relative.encode() + b"\0")
        with open(full, "rb") as stream:
            digest.update(stream.read() + b"\0")
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    code = digest.hexdigest()
    if key is not None:
        try:
            memo.mkdir(parents=True, exist_ok=True)
            atomic_write(memo / "code.json", json.dumps({"key": key, "code": code}))
        except OSError:
            pass
    return code


def _source_files(package: str) -> list[tuple[str, str, os.stat_result]]:
    """(path relative to the package, full path, stat) of every .py and .json file of
    the package outside __pycache__, sorted by relative path."""
    found = []
    for root, dirs, names in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if name.endswith((".py", ".json")):
                full = os.path.join(root, name)
                found.append((os.path.relpath(full, package).replace(os.sep, "/"), full, os.stat(full)))
    found.sort()
    return found


def _memo_key(files: list[tuple[str, str, os.stat_result]], recent: int) -> str | None:
    """The memo key of :func:`code_fingerprint`, or None when a stat cannot be trusted."""
    import sys

    rows: list[Any] = [__version__, sys.version, sys.path]
    for relative, _, st in files:
        if max(st.st_mtime_ns, st.st_ctime_ns) >= recent:
            return None
        rows.append([relative, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns])
    here = os.getcwd()
    for entry in sys.path:
        if entry in ("", here):  # `python -m` puts the working directory first: reports are written there
            continue
        try:
            st = os.stat(entry)
        except OSError:
            continue
        if max(st.st_mtime_ns, st.st_ctime_ns) >= recent:
            return None
        rows.append([entry, st.st_mtime_ns, st.st_ino, st.st_ctime_ns])
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def fingerprint(config: Any, extra: str = "", memo: Path | None = None, trusted_before: int | None = None) -> str:
    """Everything besides a file's bytes that its cached results depend on. ``memo``,
    ``trusted_before``: where and when :func:`code_fingerprint` may keep its answer."""
    from sopdocs.core.schema import schema_text

    # The rule set is sopdocs' code (sopdocs/lint/rules/): `code` covers it, without
    # importing every rule on a lint that the last run's record answers.
    parts = {
        "format": FORMAT,
        "version": __version__,
        "code": code_fingerprint(memo, trusted_before),
        "schema": hashlib.sha256(schema_text("sop").encode()).hexdigest(),
        "config": config.fingerprint(),
        # A profile may read the default owner from a file of the documentation tool.
        "default_owner": config.owner_default,
        "extra": extra,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class LintCache:
    """The entries of one fingerprint: ``get(sha256)``, ``put(sha256, entry)``, ``save()``.

    Two files: ``lint-<key>.json``, all entries, replaced atomically; and
    ``lint-<key>.log``, entries added since, one JSON line each, appended. A re-lint
    after editing a few files appends a few lines instead of rewriting every entry;
    the log is folded into the main file once it grows (or when stale entries are
    dropped). A line cut short by a crash is skipped when reading.
    """

    def __init__(self, directory: Path, key: str, read: bool = True) -> None:
        self.directory = directory
        self.key = key
        self.path = directory / f"lint-{key[:20]}.json"
        self.log = self.path.with_suffix(".log")
        self.entries: dict[str, Any] = {}
        self.logged = 0  # entries in the log file
        self.new: dict[str, Any] = {}  # entries to write
        self.used: set[str] = set()
        self.rewrite = False  # the main file must be rewritten (bad entries were dropped)
        self.hits = 0
        self.misses = 0
        # The stat index: absolute path -> [size, mtime_ns, inode, ctime_ns, sha256] of a
        # file when it was hashed (sopdocs.lint.fast decides when a stat can be trusted).
        self.stats: dict[str, list[Any]] = {}
        self.new_stats: dict[str, list[Any]] = {}
        self.stats_used: set[str] = set()
        if read:
            self._load()

    def add(self, entries: dict[str, Any]) -> None:
        """Append entries to the log without reading the cache (a cache opened with
        ``read=False``): the next run that reads it folds them in. Nothing without a
        main file: only a full run starts one."""
        self.new.update(entries)
        try:
            if self.path.exists():
                self._append()
        except OSError:  # a read-only checkout, a full disk: linting still worked
            pass

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError, RecursionError):  # missing, unreadable or corrupt: start empty
            data = None
        if (
            isinstance(data, dict)
            and data.get("format") == FORMAT
            and data.get("fingerprint") == self.key
            and isinstance(data.get("entries"), dict)
        ):
            self.entries = data["entries"]
            stats = data.get("stats")
            if isinstance(stats, dict):
                self.stats = {k: v for k, v in stats.items() if _stat_shaped(v)}
        try:
            lines = self.log.read_bytes().split(b"\n")
        except OSError:
            return
        for line in lines:
            try:
                item = json.loads(line)
            except (ValueError, RecursionError):  # an empty, cut-off or foreign line
                continue
            if not isinstance(item, list):
                continue
            if len(item) == 2 and isinstance(item[0], str):  # [sha256, entry]
                self.entries[item[0]] = item[1]
                self.logged += 1
            elif len(item) == 3 and item[0] == "@" and isinstance(item[1], str) and _stat_shaped(item[2]):  # ["@", path, row]
                self.stats[item[1]] = item[2]
                self.logged += 1

    def get(self, sha256: str) -> Any:
        entry = self.entries.get(sha256)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
            self.used.add(sha256)
        return entry

    def discard(self, sha256: str) -> None:
        """Forget an entry that turned out to be unusable."""
        if self.entries.pop(sha256, None) is not None:
            self.used.discard(sha256)
            self.hits -= 1
            self.misses += 1
            self.rewrite = True

    def put(self, sha256: str, entry: Any) -> None:
        self.entries[sha256] = entry
        self.new[sha256] = entry
        self.used.add(sha256)

    def put_stat(self, path: str, row: list[Any]) -> None:
        """Record a file's stat row (with its sha256) as it was when hashed."""
        if self.stats.get(path) != row:
            self.stats[path] = row
            self.new_stats[path] = row
        self.stats_used.add(path)

    def stat_used(self, path: str) -> None:
        self.stats_used.add(path)

    def save(self) -> None:
        """Write what changed. Entries unused in this run are kept unless they
        outnumber the used ones (then the catalog has moved on)."""
        stale = len(self.entries) - len(self.used) > len(self.used)
        stale_stats = len(self.stats) - len(self.stats_used) > len(self.stats_used)
        fold = self.logged + len(self.new) + len(self.new_stats) > max(LOG_MAX, len(self.entries) // 4)
        try:
            if self.rewrite or stale or fold or (stale_stats and self.new_stats):
                self._write_all(stale)
            elif self.new or self.new_stats:
                self._append()
        except OSError:  # a read-only checkout, a full disk: linting still worked
            pass

    def _append(self) -> None:
        if not self.path.exists():  # the log only extends a main file
            return self._write_all(False)
        items = [*([sha, entry] for sha, entry in self.new.items()), *(["@", key, row] for key, row in self.new_stats.items())]
        lines = b"".join(json.dumps(item, separators=(",", ":")).encode() + b"\n" for item in items)
        # One write in append mode: concurrent runs do not interleave their lines.
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, lines)
        finally:
            os.close(fd)

    def _write_all(self, drop_stale: bool) -> None:
        entries = {k: v for k, v in self.entries.items() if k in self.used} if drop_stale else self.entries
        # Stat rows of files this run did not see (moved, deleted, another checkout) go
        # once they outnumber the ones it saw; a row whose entry was dropped goes too.
        stats = self.stats
        if len(stats) - len(self.stats_used) > len(self.stats_used):
            stats = {k: v for k, v in stats.items() if k in self.stats_used}
        stats = {k: v for k, v in stats.items() if v[4] in entries}
        data = {"format": FORMAT, "fingerprint": self.key, "entries": entries, "stats": stats}
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, b"# Created by sopdocs: a cache, safe to delete.\n*\n")
        atomic_write(self.path, json.dumps(data, separators=(",", ":")).encode())
        try:
            self.log.unlink()
        except FileNotFoundError:
            pass
        self._prune()

    def _prune(self) -> None:
        """Keep the newest few fingerprints, so old versions and configs do not pile up."""
        for old in older_than_newest(self.directory.glob("lint-*.json"), KEEP_FILES):
            if old != self.path:
                remove_quietly([old, old.with_suffix(".log"), *old.parent.glob(old.stem + "-*.run")])


def _stat_shaped(row: Any) -> bool:
    return (isinstance(row, list) and len(row) == 5 and all(type(v) is int for v in row[:4]) and isinstance(row[4], str))

