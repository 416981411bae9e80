"""The few git queries sopdocs needs: which files changed since a revision, and an old
version of a file. Every call goes through :func:`run`, which turns "git is missing" and
"not a repository" into :class:`GitError` with a message a user can act on."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sopdocs.errors import UsageError


class GitError(UsageError):
    """git is missing, the directory is not in a repository, or a revision is unknown."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"})
    return env


def command(*args: str) -> list[str]:
    # Paths are printed as they are (no octal escapes for non-ASCII names) and never
    # treated as glob patterns.
    return ["git", "-c", "core.quotepath=off", "--literal-pathspecs", *args]


def run(args: list[str], cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(command(*args), cwd=cwd, env=_env(), input=input, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None


def toplevel(cwd: Path) -> Path:
    proc = run(["rev-parse", "--show-toplevel"], cwd)
    if proc.returncode != 0:
        raise GitError(f"{cwd} is not in a git repository")
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))


def is_shallow(top: Path) -> bool:
    proc = run(["rev-parse", "--is-shallow-repository"], top)
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def shallow_boundary(top: Path) -> set[str]:
    """Commits whose parents a shallow clone did not fetch."""
    proc = run(["rev-parse", "--git-path", "shallow"], top)
    if proc.returncode != 0:
        return set()
    path = Path(os.fsdecode(proc.stdout.strip()))
    path = path if path.is_absolute() else top / path
    try:
        return set(path.read_text(encoding="ascii").split())
    except OSError:
        return set()


@dataclass
class Changes:
    """Files that differ between ``base`` and the working tree (committed, staged,
    unstaged or untracked), as absolute paths."""

    top: Path
    base: str
    changed: set[Path] = field(default_factory=set)  # added or modified, exists now
    deleted: set[Path] = field(default_factory=set)  # existed at base, gone now


def changes_since(rev: str, cwd: Path) -> Changes:
    """What changed since ``rev``: from the merge base of ``rev`` and HEAD (so a
    pull-request branch is compared with where it forked, as GitHub does) to the
    working tree, plus untracked files."""
    top = toplevel(cwd)
    if not rev or rev.startswith("-"):
        raise GitError(f"invalid revision {rev!r}")
    verify = run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], top)
    if verify.returncode != 0:
        hint = " (in a shallow clone, fetch it first: actions/checkout with fetch-depth: 0)" if is_shallow(top) else ""
        raise GitError(f"unknown revision {rev!r}: no such commit, branch or tag in {top}{hint}")
    commit = verify.stdout.decode().strip()
    merge_base = run(["merge-base", commit, "HEAD"], top)
    base = merge_base.stdout.decode().strip() if merge_base.returncode == 0 and merge_base.stdout.strip() else commit
    diff = run(["diff", "--name-status", "--no-renames", "-z", base, "--"], top)
    if diff.returncode != 0:
        raise GitError(f"git diff against {rev!r} failed: {diff.stderr.decode(errors='replace').strip()}")
    changes = Changes(top, base)
    fields = diff.stdout.split(b"\0")
    for status, name in zip(fields[0::2], fields[1::2]):
        path = top / os.fsdecode(name)
        (changes.deleted if status.startswith(b"D") else changes.changed).add(path)
    untracked = run(["ls-files", "--others", "--exclude-standard", "-z"], top)
    for name in untracked.stdout.split(b"\0"):
        if name:
            changes.changed.add(top / os.fsdecode(name))
    return changes


def read_blobs(top: Path, rev: str, paths: list[Path]) -> dict[Path, bytes]:
    """The content of each path at ``rev`` (one `git cat-file --batch` for all);
    paths that did not exist there are left out."""
    if not paths:
        return {}
    names = [p.relative_to(top).as_posix() for p in paths]
    if any("\n" in n for n in names):
        names = [n for n in names if "\n" not in n]
    request = "".join(f"{rev}:{name}\n" for name in names).encode()
    proc = run(["cat-file", "--batch"], top, input=request)
    out, blobs, offset = proc.stdout, {}, 0
    for name in names:
        end = out.index(b"\n", offset)
        header = out[offset:end].split()
        offset = end + 1
        if len(header) == 3:  # "<sha> <type> <size>", then the content; else "<name> missing"
            size = int(header[2])
            if header[1] == b"blob":
                blobs[top / name] = out[offset : offset + size]
            offset += size + 1
    return blobs
