"""Writing files so that a reader never sees half of one, and keeping a cache's few newest
files."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def atomic_write(path: Path, data: bytes | str, mode: int | None = None) -> None:
    """Write ``data`` to a new file beside ``path``, then rename it over ``path``: a
    concurrent reader (a web server, node_exporter, another lint run) sees the old file
    or the new one, and a crash leaves no partial file behind. The file gets the
    permissions a new file would (``mode`` sets them explicitly). Raises OSError."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def older_than_newest(paths: Iterable[Path], keep: int) -> list[Path]:
    """The paths after the ``keep`` most recently modified (one that cannot be read
    counts as the oldest): what a cache that keeps a few files lets go."""
    return sorted(paths, key=_mtime, reverse=True)[keep:]


def remove_quietly(paths: Iterable[Path]) -> None:
    """Delete files; one that is gone already or cannot be deleted is left."""
    for path in paths:
        try:
            path.unlink()
        except OSError:
            pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
