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


def display_paths(paths: list[str | Path], cwd: Path, plain: set[str] | None = None) -> list[str]:
    """:func:`display_path` of each path, resolving each directory once (a symlinked
    file is still resolved itself): a tenth of a warm lint of a large catalog otherwise.
    ``plain``: paths known not to be symbolic links (from :func:`discover_names`), which
    need no check."""
    base = str(cwd.resolve())
    prefix = base.rstrip("/") + "/"
    directories: dict[str, str] = {}
    known = plain or ()
    out = []
    for path in paths:
        text = os.fspath(path)
        parent, _, name = text.rpartition("/")
        if os.sep == "/" and text.startswith("/") and name not in ("", ".", "..") and (text in known or not os.path.islink(text)):
            resolved = directories.get(parent)
            if resolved is None:
                resolved = directories[parent] = str(Path(parent or "/").resolve())
            full = resolved.rstrip("/") + "/" + name
            out.append(full[len(prefix) :] if full.startswith(prefix) else text)
        else:
            out.append(display_path(Path(path), cwd))
    return out


def discover(paths: Iterable[str | Path], config: Config, cwd: Path | None = None, force_exclude: bool = False) -> list[Path]:
    """SOP files under the given paths, sorted, minus `exclude` patterns.

    A named file is always included, unless ``force_exclude``: then a named file outside
    the config's `paths`, not ending in one of its `extensions`, or matching `exclude` is
    skipped (for hooks that pass every changed Markdown file). Directories are searched
    for files ending in one of the config's `extensions` (default `.md`), skipping
    hidden directories. A path that does not exist is a usage error.
    """
    names, _ = discover_names(paths, config, cwd, force_exclude)
    return [Path(name) for name in names]


def discover_names(
    paths: Iterable[str | Path], config: Config, cwd: Path | None = None, force_exclude: bool = False
) -> tuple[list[str], set[str]]:
    """:func:`discover` as absolute path strings (without making 10,000 Path objects
    for a warm lint), and the set of those found in a directory that are not symbolic
    links."""
    cwd = cwd or Path.cwd()
    found: dict[str, None] = {}
    plain: set[str] = set()
    endings = tuple(config.extensions)
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = cwd / path
        if path.is_file():
            if not force_exclude or in_scope(path, config):
                found[str(path)] = None
        elif path.is_dir():
            _walk(str(path), endings, config, found, plain)
        elif not (force_exclude and not path.exists()):
            raise UsageError(f"{raw}: no such file or directory")
    if os.sep == "/":
        return sorted(found), plain
    return sorted(found, key=lambda name: Path(name).as_posix()), plain


def _walk(top: str, endings: tuple[str, ...], config: Config, found: dict[str, None], plain: set[str]) -> None:
    """What ``os.walk(top)`` finds (symbolic links to directories are listed, not
    followed; hidden directories skipped), with the files' link status from the same
    directory read."""
    try:
        scan = os.scandir(top)
    except OSError:  # as os.walk: an unreadable directory is skipped
        return
    dirs = []
    with scan:
        for entry in scan:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith(".") and not entry.is_symlink():
                    dirs.append(entry.path)
                continue
            if entry.name.endswith(endings):
                name = entry.path
                if not config.exclude or not _excluded(Path(name), config):
                    found[name] = None
                    if not entry.is_symlink():
                        plain.add(name)
    for sub in dirs:
        _walk(sub, endings, config, found, plain)


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
