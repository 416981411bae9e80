"""Run the linter both ways on a catalog: the reference (every document fully parsed,
:func:`sopdocs.lint.lint_paths` as the rule tests use it) and the fast path of
`sopdocs lint` (sopdocs.workers: cache, worker processes)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from helpers import TODAY

from sopdocs.core.config import load_config
from sopdocs.lint.engine import Finding
from sopdocs.lint.fast import Options
from sopdocs.lint.files import lint_paths

# SOPs in the generated catalog of the scale tests (conftest.py): several chunks of
# parallel work (sopdocs.core.parallel.CHUNK = 50), below the default threshold for
# worker processes.
SIZE = 200


def reference(root: Path, today: str = TODAY, paths: list[Path] | None = None, **kwargs) -> list[Finding]:
    config = load_config(root / "sopdocs.yml")
    day = dt.date.fromisoformat(today)
    return lint_paths(paths or [root / "sops"], config, day, cwd=root, **kwargs).findings


def fast(
    root: Path,
    today: str = TODAY,
    paths: list[Path] | None = None,
    jobs: int | None = 1,
    cache: bool | None = True,
    parallel_min: int | None = None,
    **kwargs,
) -> list[Finding]:
    """The fast path; ``parallel_min`` None keeps the product's default threshold."""
    config = load_config(root / "sopdocs.yml")
    day = dt.date.fromisoformat(today)
    threshold = {} if parallel_min is None else {"parallel_min": parallel_min}
    options = Options(jobs=jobs, cache=cache, progress=False, **threshold)
    result = lint_paths(paths or [root / "sops"], config, day, cwd=root, fast=options, **kwargs)
    assert result.documents == []
    return result.findings


def cache_files(root: Path) -> list[Path]:
    return sorted((root / ".sopdocs-cache").glob("lint-*.json"))


def edit_keeping_size_and_mtime(path):
    """Change one character, keep the size, and set the modification time back: what a
    same-second edit on a coarse clock looks like (the change time still moves on)."""
    before = os.stat(path)
    data = path.read_bytes()
    at = data.index(b"## Steps")
    path.write_bytes(data[:at] + b"TODO(sopdocs)" + data[at + len(b"TODO(sopdocs)"):])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    return after
