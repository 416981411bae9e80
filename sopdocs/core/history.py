"""Review history from git: when an SOP's content last changed, and whether its review
date has been bumped since without anything else changing (a rubber stamp).

One `git log -p` over the catalog's directories serves every file; it is read newest
commit first and stopped as soon as every file's last content change is known. Without
git history (no git, a tarball, an untracked file) the answers are "unknown" with a
note, never an error; a shallow clone gives "unknown" for files whose last change lies
beyond the fetched history.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sopdocs.core import git

# Keys that record a review (as sopdocs writes them; profiles add their own names): a
# commit that changes only these lines is a review bump, not a content change.
REVIEW_KEYS = ("last_reviewed", "review_in")
_BLANK = re.compile(rb"^\s*$")


@dataclass(frozen=True)
class FileHistory:
    """What git knows about one SOP file."""

    last_changed: dt.date | None  # newest commit that changed more than the review lines
    commit: str | None  # that commit
    review_bumps: tuple[dt.date, ...] = ()  # later commits that changed only review lines, newest first
    note: str | None = None  # why last_changed is unknown

    def rubber_stamped(self, today: dt.date, days: int) -> bool:
        """Reviewed (review date bumped) at least once since the last content change,
        and the content unchanged for more than ``days`` days."""
        if days <= 0 or self.last_changed is None or not self.review_bumps:
            return False
        return (today - self.last_changed).days > days


@dataclass
class History:
    available: bool
    note: str | None = None  # why history is missing or incomplete
    files: dict[Path, FileHistory] = field(default_factory=dict)

    def get(self, path: Path) -> FileHistory | None:
        return self.files.get(path.resolve())


def load(paths: Iterable[Path], review_keys: Iterable[str]) -> History:
    """History of each file in ``paths``; see the module docstring."""
    files = sorted({p.resolve() for p in paths})
    if not files:
        return History(available=False, note="no files")
    try:
        top = git.toplevel(files[0].parent)
    except git.GitError as exc:
        return History(available=False, note=f"no git history ({exc}): last-changed dates and rubber-stamp checks are skipped")
    tracked = _tracked(top, files)
    history = History(available=True)
    if git.is_shallow(top):
        history.note = "shallow clone: files whose last change is older than the fetched history show no last-changed date (fetch with fetch-depth: 0)"
    boundary = git.shallow_boundary(top) if history.note else set()
    inside = [f for f in files if _relative(f, top) is not None]
    for path in files:
        if path not in tracked:
            reason = "outside the git repository" if _relative(path, top) is None else "not committed yet"
            history.files[path] = FileHistory(None, None, note=reason)
    wanted = {_relative(f, top): f for f in inside if f in tracked}
    if wanted:
        history.files.update(_walk(top, wanted, tuple(review_keys), boundary))
    return history


def _relative(path: Path, top: Path) -> str | None:
    try:
        return path.relative_to(top).as_posix()
    except ValueError:
        try:
            return path.relative_to(top.resolve()).as_posix()
        except ValueError:
            return None


def _tracked(top: Path, files: list[Path]) -> set[Path]:
    proc = git.run(["ls-files", "-z", "--full-name", "--", *sorted({_pathspec_dir(f, top) for f in files})], top)
    names = {top / os.fsdecode(n) for n in proc.stdout.split(b"\0") if n}
    resolved = {p.resolve() for p in names}
    return {f for f in files if f in names or f in resolved}


def _pathspec_dir(path: Path, top: Path) -> str:
    relative = _relative(path.parent, top)
    return relative if relative not in (None, "") else "."


def _minimal_dirs(names: Iterable[str]) -> list[str]:
    """Parent directories of the files, without those inside another one."""
    dirs = sorted({n.rsplit("/", 1)[0] if "/" in n else "." for n in names})
    if "." in dirs:
        return ["."]
    kept: list[str] = []
    for d in dirs:
        if not any(d.startswith(k + "/") for k in kept):
            kept.append(d)
    return kept


def _walk(top: Path, wanted: dict[str, Path], review_keys: tuple[str, ...], boundary: set[str]) -> dict[Path, FileHistory]:
    review_line = re.compile(rb"^\s*(?:" + b"|".join(re.escape(k.encode()) for k in review_keys) + rb")\s*:")
    # name in the commit being read -> the file it is today (renames are followed back)
    names = dict(wanted)
    bumps: dict[Path, list[dt.date]] = {p: [] for p in wanted.values()}
    done: dict[Path, FileHistory] = {}
    args = ["log", "-p", "-M", "--unified=0", "--no-color", "--no-ext-diff", "--format=%x00%H %as", "--", *_minimal_dirs(wanted)]
    proc = subprocess.Popen(git.command(*args), cwd=top, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git._env())
    try:
        for commit, day, diffs in _commits(proc.stdout):
            for old, new, lines, created in diffs:
                target = names.get(new) if new else None
                if target is None or target in done:
                    continue
                if old and old != new:  # renamed in this commit: older commits know the old name
                    names.pop(new, None)
                    names[old] = target
                if created:
                    names.pop(new, None)
                meaningful = [line for line in lines if not _BLANK.match(line[1:])]
                if not meaningful and not created:
                    continue  # a pure rename or a whitespace-only change
                if meaningful and not created and all(review_line.match(line[1:]) for line in meaningful):
                    bumps[target].append(day)
                    continue
                if commit in boundary and created:
                    done[target] = FileHistory(None, None, tuple(bumps[target]), "history truncated (shallow clone)")
                else:
                    done[target] = FileHistory(day, commit, tuple(bumps[target]))
            if len(done) == len(bumps):
                break
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
    for path, days in bumps.items():
        done.setdefault(path, FileHistory(None, None, tuple(days), "no content change found in the history"))
    return done


Diff = tuple[str | None, str | None, list[bytes], bool]  # old name, new name, changed lines, created


def _commits(stream) -> Iterator[tuple[str, dt.date, list[Diff]]]:
    commit: str | None = None
    day: dt.date | None = None
    diffs: list[list] = []
    current: list | None = None  # [old, new, lines, created, deleted]
    in_hunk = False
    for raw in stream:
        line = raw.rstrip(b"\n")
        if line.startswith(b"\0"):
            if commit is not None:
                yield commit, day, _finish(diffs)
            sha, _, date_text = line[1:].decode().partition(" ")
            commit, day, diffs, current = sha, dt.date.fromisoformat(date_text), [], None
        elif line.startswith(b"diff --git "):
            name = _same_name(line[len(b"diff --git ") :])
            current, in_hunk = [name, name, [], False, False], False
            diffs.append(current)
        elif current is None:
            continue
        elif in_hunk:
            if line[:1] in (b"+", b"-"):
                current[2].append(line)
        elif line.startswith(b"@@"):
            in_hunk = True
        elif line.startswith(b"new file mode"):
            current[3] = True
        elif line.startswith(b"deleted file mode"):
            current[4] = True
        elif line.startswith(b"rename from "):
            current[0] = _unquote(line[len(b"rename from ") :])
        elif line.startswith(b"rename to "):
            current[1] = _unquote(line[len(b"rename to ") :])
        elif line.startswith(b"--- "):
            current[0] = None if line[4:] == b"/dev/null" else _unquote(line[4:])[2:]
        elif line.startswith(b"+++ "):
            current[1] = None if line[4:] == b"/dev/null" else _unquote(line[4:])[2:]
    if commit is not None:
        yield commit, day, _finish(diffs)


def _same_name(rest: bytes) -> str | None:
    """The path of `diff --git a/P b/P` when both sides name the same file (the only
    name an empty new file gets: it has no ---/+++ lines)."""
    if rest.startswith(b'"'):
        return None
    n = (len(rest) - 5) // 2
    if n > 0 and rest[:2] == b"a/" and rest[2 + n : 5 + n] == b" b/" and rest[2 : 2 + n] == rest[5 + n :]:
        return _unquote(rest[2 : 2 + n])
    return None


def _finish(diffs: list) -> list[Diff]:
    out = []
    for old, new, lines, created, deleted in diffs:
        if deleted:
            continue  # a deletion says nothing about a file that exists now under that name
        out.append((None if created else old, new, lines, created))
    return out


def _unquote(name: bytes) -> str:
    """A path as git prints it: plain, or C-quoted ("a\\tb") when it has odd bytes."""
    if name.startswith(b'"') and name.endswith(b'"'):
        text = codecs.escape_decode(name[1:-1])[0]
        return os.fsdecode(text)
    return os.fsdecode(name)
