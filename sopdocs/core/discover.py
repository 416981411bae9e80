"""Which files are SOPs: the files and directories given, or the config's `paths`,
searched for the config's `extensions`, minus its `exclude` patterns. And how a file's
path is shown in findings: relative to the working directory when it is inside it."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

from sopdocs.core.config import Config
from sopdocs.errors import UsageError


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def display_paths(paths: list[Path], cwd: Path) -> list[str]:
    """:func:`display_path` of each path, resolving each directory once (a symlinked
    file is still resolved itself): a tenth of a warm lint of a large catalog otherwise."""
    base = str(cwd.resolve())
    prefix = base.rstrip("/") + "/"
    directories: dict[str, str] = {}
    out = []
    for path in paths:
        text = str(path)
        if os.sep == "/" and text.startswith("/") and path.name not in ("", ".", "..") and not os.path.islink(text):
            parent, _, name = text.rpartition("/")
            resolved = directories.get(parent)
            if resolved is None:
                resolved = directories[parent] = str(Path(parent or "/").resolve())
            full = resolved.rstrip("/") + "/" + name
            out.append(full[len(prefix) :] if full.startswith(prefix) else text)
        else:
            out.append(display_path(path, cwd))
    return out


def discover(paths: Iterable[str | Path], config: Config, cwd: Path | None = None, force_exclude: bool = False) -> list[Path]:
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
            endings = tuple(config.extensions)
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                base = Path(root)
                for name in sorted(files):
                    if name.endswith(endings):
                        candidate = base / name
                        if not config.exclude or not _excluded(candidate, config):
                            found[candidate] = None
        elif not (force_exclude and not path.exists()):
            raise UsageError(f"{raw}: no such file or directory")
    return sorted(found, key=lambda p: p.as_posix())


def catalog_files(config: Config, cwd: Path) -> list[Path]:
    """Every SOP of the configured catalog (the config's `paths` that exist)."""
    roots = [config.root / p for p in config.paths if (config.root / p).exists()]
    return discover(roots, config, cwd) if roots else []


def has_extension(name: str, config: Config) -> bool:
    return any(name.endswith(ext) for ext in config.extensions)


def in_scope(path: Path, config: Config) -> bool:
    """True when ``path`` is an SOP of the configured catalog: under one of the
    config's `paths`, with one of its `extensions`, and not excluded."""
    if not has_extension(path.name, config) or _excluded(path, config):
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
