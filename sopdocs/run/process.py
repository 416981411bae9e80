"""Run one shell command: its own process group, a time limit, cancellation, and output
that is shown and digested only after secrets are redacted.

The command runs in a new session (``start_new_session=True``), so it has no
controlling terminal and everything it starts shares its process group. On a timeout
or a cancellation the whole group gets SIGTERM, then SIGKILL after a grace period:
grandchildren (``sleep 1000 &``) die with the command.
"""

from __future__ import annotations

import hashlib
import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from sopdocs.run.outcomes import CANCELLED, FAILURE, SUCCESS, TIMEOUT

TAIL_BYTES = 2048
# After the command exits, how long to keep reading pipes that background processes
# it started may still hold open.
_DRAIN_SECONDS = 0.5
_POLL_SECONDS = 0.05


class Redactor:
    """Replaces every secret value (and each line of a multi-line one) with ``***``.

    Values shorter than MIN_SECRET are refused earlier (parameters.py): redacting them
    would mangle ordinary output.
    """

    MIN_SECRET = 4
    MASK = b"***"

    def __init__(self, secrets: list[str]) -> None:
        needles: set[bytes] = set()
        for value in secrets:
            needles.add(value.encode("utf-8"))
            for line in value.splitlines():
                if len(line.strip()) >= self.MIN_SECRET:
                    needles.add(line.strip().encode("utf-8"))
        self.needles = sorted((n for n in needles if len(n) >= self.MIN_SECRET), key=len, reverse=True)
        # A secret may arrive split across two reads: keep this many bytes back.
        self.holdback = max((len(n) for n in self.needles), default=1) - 1

    def bytes(self, data: bytes) -> bytes:
        for needle in self.needles:
            data = data.replace(needle, self.MASK)
        return data

    def text(self, value: str) -> str:
        return self.bytes(value.encode("utf-8")).decode("utf-8", errors="replace")


class StreamCapture:
    """Redacts a stream as it arrives, forwards it to a sink, and keeps its SHA-256,
    size and last TAIL_BYTES - all of the redacted bytes, so what the trail attests is
    exactly what the terminal showed."""

    def __init__(self, redactor: Redactor, sink: BinaryIO | None) -> None:
        self.redactor = redactor
        self.sink = sink
        self.pending = b""
        self.digest = hashlib.sha256()
        self.size = 0
        self.tail = b""

    def feed(self, data: bytes) -> None:
        self.pending = self.redactor.bytes(self.pending + data)
        cut = len(self.pending) - self.redactor.holdback
        if cut > 0:
            self._emit(self.pending[:cut])
            self.pending = self.pending[cut:]

    def close(self) -> None:
        self._emit(self.redactor.bytes(self.pending))
        self.pending = b""

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        self.digest.update(data)
        self.size += len(data)
        self.tail = (self.tail + data)[-TAIL_BYTES:]
        if self.sink is not None:
            self.sink.write(data)
            self.sink.flush()

    def summary(self) -> dict[str, object]:
        return {"sha256": self.digest.hexdigest(), "bytes": self.size, "tail": self.tail.decode("utf-8", errors="replace")}


@dataclass
class CommandResult:
    result: str  # success | failure | timeout | cancelled
    exit_code: int | None  # None when the command could not start
    duration_ms: int
    stdout: dict[str, object]
    stderr: dict[str, object]
    error: str | None = None  # why it could not start

    def record(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "result": self.result,
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        if self.error:
            fields["error"] = self.error
        return fields


def shell_argv(shell: str, command: str) -> list[str]:
    """Fail fast like GitHub Actions' `bash` shell: a failing line fails the step."""
    if shell == "sh":
        return [shutil.which("sh") or "/bin/sh", "-e", "-c", command]
    return [shutil.which("bash") or "/bin/bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", command]


def group_alive(pgid: int) -> bool:
    """True while a process of the group is alive. Zombies do not count: in a container
    whose init does not reap orphans, a dead command's shell stays a zombie forever."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True  # no /proc: trust killpg
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[-1].split()
        except OSError:
            continue  # exited meanwhile
        # Fields after the command name: state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid).encode() and fields[0] != b"Z":
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_command(
    command: str,
    shell: str,
    *,
    env: dict[str, str],
    cwd: str,
    timeout: float,
    grace: float,
    redactor: Redactor,
    stdout: BinaryIO | None,
    stderr: BinaryIO | None,
    interrupted: Callable[[], bool],
    started: Callable[[int], None] | None = None,
) -> CommandResult:
    """Run ``command`` to completion, timeout or cancellation (``interrupted()`` turns
    true). ``started(pgid)`` learns the command's process group. Never raises for a
    command that fails or cannot start."""
    captures = (StreamCapture(redactor, stdout), StreamCapture(redactor, stderr))
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            shell_argv(shell, command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        message = redactor.text(f"cannot start {shell}: {exc.strerror or exc}")
        return CommandResult(FAILURE, None, 0, captures[0].summary(), captures[1].summary(), message)

    pgid = proc.pid  # a new session: the shell leads its own process group
    if started is not None:
        started(pgid)
    selector = selectors.DefaultSelector()
    for pipe, capture in zip((proc.stdout, proc.stderr), captures):
        assert pipe is not None
        selector.register(pipe, selectors.EVENT_READ, capture)
    outcome: str | None = None
    kill_at: float | None = None  # when SIGKILL follows the SIGTERM
    exited_at: float | None = None
    try:
        while True:
            now = time.monotonic()
            if outcome is None:
                if interrupted():
                    outcome = CANCELLED
                elif now - start > timeout:
                    outcome = TIMEOUT
                if outcome is not None:
                    _signal_group(pgid, signal.SIGTERM)
                    kill_at = now + grace
            if kill_at is not None:
                proc.poll()  # reap the shell, or its zombie keeps the group "alive"
                if not group_alive(pgid):
                    kill_at = None
                elif now >= kill_at:
                    _signal_group(pgid, signal.SIGKILL)
                    kill_at = None
            for key, _ in selector.select(_POLL_SECONDS):
                data = os.read(key.fd, 65536)
                if data:
                    key.data.feed(data)
                else:
                    selector.unregister(key.fileobj)
            if proc.poll() is not None and kill_at is None:
                if not selector.get_map():
                    break
                exited_at = exited_at or now
                if now - exited_at > _DRAIN_SECONDS:
                    break  # background processes keep the pipes open; stop reading
    finally:
        selector.close()
        if proc.poll() is None:  # only on an exception in the loop above
            _signal_group(pgid, signal.SIGKILL)
        proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        for capture in captures:
            capture.close()
    exit_code = proc.returncode
    if outcome is None:
        outcome = SUCCESS if exit_code == 0 else FAILURE
    duration_ms = int((time.monotonic() - start) * 1000)
    return CommandResult(outcome, exit_code, duration_ms, captures[0].summary(), captures[1].summary())
