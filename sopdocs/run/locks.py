"""Run locks: one file per SOP and per resource, created atomically, naming its holder.

A lock file is written in full under a temporary name and then hard-linked to its
final name: ``link`` fails when the name exists (like ``O_CREAT | O_EXCL``) and a
reader never sees a half-written lock. The file records the holder's pid, host,
actor, role, run id and start time, and the pid's start time from ``/proc`` so a
reused pid is not mistaken for the holder. A lock whose holder is dead on this host is
*stale*; it is broken only on request (``--break-stale-lock``), and the runner records
that in the audit trail. While a command runs, the lock also names its process group:
a runner killed with SIGKILL leaves its command running (it has its own session), and
the lock is not stale until that group is gone too.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.run.process import group_alive

LIVE, STALE, REMOTE, ORPHANED = "live", "stale", "remote", "orphaned"

# A half-finished break (a crash between its two renames) is forgotten after this long.
_BREAK_GUARD_SECONDS = 30


@dataclass(frozen=True)
class LockSpec:
    name: str  # for people: "SOP restart-api", "resource database=orders"
    path: Path


class LockHeld(Exception):
    def __init__(self, spec: LockSpec, holder: dict[str, Any] | None, stale: bool, why: str) -> None:
        super().__init__(why)
        self.spec = spec
        self.holder = holder
        self.stale = stale
        self.why = why


def lock_specs(lock_dir: Path, sop_id: str, resources: list[tuple[str, str, str]]) -> list[LockSpec]:
    """The SOP's lock, then one per resource parameter (name, value, value to show).

    A resource lock is keyed by parameter name and value, so two different SOPs that
    both take `database=orders` never run at once.
    """
    specs = [LockSpec(f"SOP {sop_id}", lock_dir / f"sop-{sop_id}.lock")]
    for name, value, shown in sorted(resources):
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
        specs.append(LockSpec(f"resource {name}={shown}", lock_dir / f"resource-{name}-{digest}.lock"))
    return specs


def process_start(pid: int) -> str | None:
    """The kernel's start time of a process (clock ticks since boot), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return False
    except OSError:
        pass
    current = process_start(pid)
    return not (start and current and current != start)


def holder_info(run_id: str, actor: str, role: str | None, sop_id: str, started: str) -> dict[str, Any]:
    pid = os.getpid()
    return {
        "run": run_id,
        "sop": sop_id,
        "actor": actor,
        "role": role,
        "host": socket.gethostname(),
        "pid": pid,
        "pid_start": process_start(pid),
        "since": started,
    }


def read_holder(path: Path) -> dict[str, Any] | None:
    """The lock's content; None when it is unreadable (treated as stale)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def holder_state(holder: dict[str, Any] | None) -> str:
    """LIVE, STALE (holder dead, or an unreadable lock), REMOTE (another host: unknown)
    or ORPHANED (holder dead, but the command it started still runs)."""
    if holder is None:
        return STALE
    if holder.get("host") != socket.gethostname():
        return REMOTE
    pid = holder.get("pid")
    if isinstance(pid, int) and pid > 0 and _pid_alive(pid, holder.get("pid_start")):
        return LIVE
    pgid = holder.get("command_pgid")
    if isinstance(pgid, int) and pgid > 0 and group_alive(pgid):
        return ORPHANED
    return STALE


def describe(holder: dict[str, Any] | None) -> str:
    if holder is None:
        return "an unreadable lock file"
    who = holder.get("actor", "?") + (f" (role {holder['role']})" if holder.get("role") else "")
    text = f"{who} on {holder.get('host', '?')}, pid {holder.get('pid', '?')}, run {holder.get('run', '?')}, since {holder.get('since', '?')}"
    if holder.get("left"):
        text += f"; that run ended without restoring the system: {holder['left']}"
    return text


def _write_new(path: Path, content: dict[str, Any]) -> bool:
    """Create ``path`` with ``content`` unless it exists. True when created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    temp.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    try:
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    finally:
        temp.unlink(missing_ok=True)


def acquire(spec: LockSpec, info: dict[str, Any]) -> None:
    """Take the lock or raise LockHeld (stale or not). OSError when the directory is unusable."""
    if _write_new(spec.path, info):
        return
    holder = read_holder(spec.path)
    if holder is None and not spec.path.exists():
        if _write_new(spec.path, info):  # released between our two looks
            return
        holder = read_holder(spec.path)
    state = holder_state(holder)
    why = {
        REMOTE: "held from another host; sopdocs cannot tell whether that run is still going",
        STALE: "stale: the process that took it is no longer running",
        ORPHANED: f"the run that took it is dead, but the command it started (process group "
        f"{holder and holder.get('command_pgid')}) is still running; stop that first",
        LIVE: "held by a running process",
    }[state]
    raise LockHeld(spec, holder, state == STALE, why)


def break_stale(spec: LockSpec, seen: dict[str, Any] | None, info: dict[str, Any]) -> None:
    """Replace the stale lock ``seen`` with ours. A guard file keeps two breakers apart;
    the lock is re-read under the guard so a lock taken meanwhile is never broken."""
    guard = spec.path.with_name(spec.path.name + ".breaking")
    try:
        fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            old = time.time() - guard.stat().st_mtime > _BREAK_GUARD_SECONDS
        except OSError:
            old = True
        if not old:
            raise LockHeld(spec, seen, True, "another run is breaking this lock right now") from None
        guard.unlink(missing_ok=True)
        fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
    try:
        current = read_holder(spec.path)
        if current != seen or holder_state(current) != STALE:
            raise LockHeld(spec, current, holder_state(current) == STALE, "the lock changed while it was being broken")
        spec.path.unlink(missing_ok=True)
        if not _write_new(spec.path, info):
            raise LockHeld(spec, read_holder(spec.path), False, "taken by another run while it was being broken")
    finally:
        guard.unlink(missing_ok=True)


def release(spec: LockSpec, run_id: str) -> None:
    holder = read_holder(spec.path)
    if holder is not None and holder.get("run") == run_id:
        spec.path.unlink(missing_ok=True)


def _rewrite(spec: LockSpec, run_id: str, **changes: Any) -> None:
    """Update our own lock in place (atomically); someone else's is left alone."""
    holder = read_holder(spec.path)
    if holder is None or holder.get("run") != run_id:
        return
    holder.update(changes)
    temp = spec.path.with_name(f".{spec.path.name}.{os.getpid()}.update")
    temp.write_text(json.dumps(holder, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, spec.path)


def note_command(spec: LockSpec, run_id: str, pgid: int | None) -> None:
    """Record the process group of the command that runs now (None: none runs)."""
    _rewrite(spec, run_id, command_pgid=pgid)


def abandon(spec: LockSpec, run_id: str, note: str) -> None:
    """Leave the lock in place with a note: the system is in an intermediate state, and
    the next run must break the (then stale) lock on purpose."""
    _rewrite(spec, run_id, left=note)
