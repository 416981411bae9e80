"""The workspace's catalog as the language server sees it, and the findings of an open
document against it.

Every SOP of the configured catalog (the config's `paths`) is known by its *facts* (id,
`related`, `rollback`, review keys, links: :func:`sopdocs.lint.fast.facts`), read from
the lint cache or analysed at start-up as `sopdocs lint` does. An open document is
known by its full parse of the editor's unsaved text, which replaces its file's facts.
The findings of an open document are those of `sopdocs lint` on it with the rest of the
catalog known: the per-file rules on its text, the catalog-wide ones (duplicate ids,
unknown `related`, dangling rollback references) against every other SOP.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from sopdocs.core.config import YAML_NAMES, Config, load_config
from sopdocs.core.discover import catalog_files, display_path, display_paths, has_extension, in_scope
from sopdocs.core.model import ParseProblem, Position, SopDocument
from sopdocs.core.parser import parse_bytes, parse_file
from sopdocs.core.review import today_from
from sopdocs.errors import SopdocsError
from sopdocs.lint import fast
from sopdocs.lint.engine import Finding, lint_documents

_FRONT_VALUE = re.compile(r"^(owner|backup_owner|title):[ \t]*(.*?)[ \t]*$")


@dataclass
class Catalog:
    root: Path
    config: Config = field(init=False)
    config_error: str | None = field(default=None, init=False)
    disk: dict[Path, SopDocument] = field(default_factory=dict, init=False)  # facts of the files on disk
    open: dict[Path, SopDocument] = field(default_factory=dict, init=False)  # full parses of open buffers
    _values: dict[Path, dict[str, str]] = field(default_factory=dict, init=False)  # owner/title read from disk
    load_seconds: float = field(default=0.0, init=False)  # how long the last load took

    def __post_init__(self) -> None:
        self.root = self.key(self.root)
        self.load_config()

    # --- loading ------------------------------------------------------------------------

    def load_config(self) -> None:
        """The workspace's config (the nearest sopdocs.yml or [tool.sopdocs]); a bad one
        is reported and replaced by the defaults, so the editor still gets findings."""
        from sopdocs.lint.rules import settings

        self.config_error = None
        try:
            self.config = load_config(cwd=self.root)
            settings(self.config)
        except SopdocsError as exc:
            self.config_error = str(exc)
            self.config = Config(root=self.root)

    def load(self) -> int:
        """Read the facts of every SOP of the catalog (the lint cache makes this about as
        fast as a warm `sopdocs lint`). Returns how many files."""
        started = time.perf_counter()
        collecting = gc.isenabled()
        gc.disable()  # as sopdocs lint: many long-lived objects, few cycles
        try:
            files = catalog_files(self.config, self.root)
            displays = display_paths(files, self.root)
            results, reanalyse, store = fast.entries(files, displays, self.config, self.today(), self.root, fast.Options(progress=False))
            disk: dict[Path, SopDocument] = {}
            shared: dict[tuple[int, int], Position] = {}
            for index, (path, display) in enumerate(zip(files, displays)):
                sha, entry = results[index]
                try:
                    doc = fast.light_document(path, display, sha, entry, shared)
                except (KeyError, TypeError, ValueError, AttributeError):
                    sha, entry = reanalyse(index)
                    doc = fast.light_document(path, display, sha, entry)
                disk[self.key(path)] = doc
            if store is not None:
                store.save()
        finally:
            if collecting:
                gc.enable()
        self.disk = disk
        self._values.clear()
        self.load_seconds = time.perf_counter() - started
        return len(disk)

    def today(self) -> dt.date:
        try:
            return today_from(None)
        except SopdocsError:
            return dt.date.today()

    @staticmethod
    def key(path: Path) -> Path:
        """How a file is known: its absolute, normalised path (not resolved: resolving
        every file of a large catalog costs more than reading its facts from the cache)."""
        return Path(os.path.normpath(os.path.abspath(path)))

    def is_config(self, path: Path) -> bool:
        return path.name in YAML_NAMES or path.name == "pyproject.toml"

    def in_catalog(self, path: Path) -> bool:
        try:
            return in_scope(path, self.config)
        except (OSError, ValueError):
            return False

    def display(self, path: Path) -> str:
        return display_path(path, self.root)

    # --- files changing -----------------------------------------------------------------

    def file_changed(self, path: Path) -> None:
        """A file was created or changed on disk: read its facts again."""
        key = self.key(path)
        self._values.pop(key, None)
        if not path.is_file() or not self.in_catalog(path):
            self.disk.pop(key, None)
            return
        _, entry = fast.analyse(path, self.display(path), self.config, self.today())
        self.disk[key] = fast.light_document(path, self.display(path), "", entry)

    def file_deleted(self, path: Path) -> None:
        key = self.key(path)
        self.disk.pop(key, None)
        self._values.pop(key, None)

    def set_text(self, path: Path, text: str) -> SopDocument:
        """An open document's unsaved text: parse it fully (it replaces the file's facts)."""
        doc = parse_text(path, self.display(path), text, self.config)
        self.open[self.key(path)] = doc
        return doc

    def close(self, path: Path) -> None:
        self.open.pop(self.key(path), None)

    # --- what is known -------------------------------------------------------------------

    def documents(self) -> dict[Path, SopDocument]:
        """Every SOP known: the files' facts, open buffers in place of their files
        (an open file outside the catalog's `paths` is not part of the catalog). A buffer
        whose front matter cannot be read now (`related: [` half typed) leaves its file's
        facts in place, so other SOPs do not flicker with findings meanwhile."""
        known = dict(self.disk)
        for key, doc in self.open.items():
            if doc.meta is None and key in known:
                continue
            if key in known or self.in_catalog(key):
                known[key] = doc
        return known

    def ids(self) -> dict[str, Path]:
        """SOP id -> its file (the first by path when several share one)."""
        found: dict[str, Path] = {}
        for key, doc in sorted(self.documents().items(), key=lambda item: item[1].display_path):
            if doc.sop_id:
                found.setdefault(doc.sop_id, key)
        return found

    def document(self, path: Path) -> SopDocument | None:
        """The full parse of an SOP: its open buffer, else its file."""
        key = self.key(path)
        if key in self.open:
            return self.open[key]
        if not path.is_file():
            return None
        return parse_file(path, self.display(path), self.config)

    def front_values(self, path: Path) -> dict[str, str]:
        """`owner`, `backup_owner` and `title` as an SOP's front matter writes them, read
        cheaply (a line scan, no YAML) and remembered until the file changes."""
        key = self.key(path)
        doc = self.open.get(key)
        if doc is not None:
            meta = doc.meta or {}
            return {k: meta[k] for k in ("owner", "backup_owner", "title") if isinstance(meta.get(k), str)}
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = _scan_front(key)
        return found

    def owners(self) -> tuple[list[str], str]:
        """Owner values to offer: the config's `owners`, else those the catalog uses;
        and where they come from."""
        if self.config.owners:
            return list(self.config.owners), f"an owner listed in {self.config.where}"
        seen: dict[str, None] = {}
        for key in self.documents():
            for name in ("owner", "backup_owner"):
                value = self.front_values(key).get(name)
                if value:
                    seen[value] = None
        return sorted(seen), "an owner used in the catalog"

    # --- findings ---------------------------------------------------------------------------

    def findings(self, path: Path) -> list[Finding]:
        """What `sopdocs lint` finds in an open document, the catalog known."""
        key = self.key(path)
        doc = self.open.get(key)
        if doc is None:
            return []
        others = [d for k, d in self.documents().items() if k != key]
        return lint_documents([doc], self.config, self.today(), others, True)


def parse_text(path: Path, display: str, text: str, config: Config) -> SopDocument:
    """Parse an editor's text as the file would be parsed (the size limit, the profile)."""
    doc = SopDocument(path=path, display_path=display)
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > config.max_file_size:
        doc.problems.append(ParseProblem("file-unreadable", "too-large", Position(1, 1), {"size": len(data), "limit": config.max_file_size}))
        return doc
    return parse_bytes(data, doc, config)


def _scan_front(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            if stream.readline().rstrip() != "---":
                return found
            for count, line in enumerate(stream):
                if line.rstrip() in ("---", "...") or count > 200:
                    break
                match = _FRONT_VALUE.match(line)
                if match and match.group(2):
                    value = match.group(2).split(" #")[0].strip().strip("\"'")
                    if value:
                        found.setdefault(match.group(1), value)
    except OSError:
        pass
    return found


def is_sop_name(path: Path, config: Config) -> bool:
    return has_extension(path.name, config)


# --- reading the catalog while the server starts ---------------------------------------------

_prefetch: dict[str, object] = {}


def prefetch(root: Path) -> None:
    """Start reading the catalog of ``root`` (where editors start the server: the
    workspace) in a thread, while the protocol library is imported; the server takes it
    if its workspace is ``root`` (:func:`prefetched`)."""
    import threading

    def run() -> None:
        try:
            catalog = Catalog(root)
            catalog.load()
            _prefetch["catalog"] = catalog
        except Exception:  # noqa: BLE001 - the server reads the catalog itself then
            _prefetch["catalog"] = None

    thread = threading.Thread(target=run, name="sopdocs-catalog", daemon=True)
    _prefetch["thread"] = thread
    thread.start()


def prefetched(root: Path) -> Catalog | None:
    """The catalog :func:`prefetch` read, if it is ``root``'s (waiting for it)."""
    thread = _prefetch.pop("thread", None)
    if thread is None:
        return None
    thread.join()  # type: ignore[attr-defined]
    catalog = _prefetch.pop("catalog", None)
    if isinstance(catalog, Catalog) and catalog.root == Catalog.key(root):
        return catalog
    return None
