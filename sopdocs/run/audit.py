"""The audit trail: an append-only JSON Lines file, one record per event, hash-chained.

Every record carries ``seq`` (1, 2, ... across the whole file), ``prev`` (the ``hash``
of the record before it, 64 zeros for the first) and ``hash``: the SHA-256 of the
record's canonical JSON without ``hash`` itself. Editing, inserting or deleting a
record in the middle breaks the chain at that line; ``verify_file`` finds it.

Each record is written as one line in a single ``write`` under an exclusive ``flock``,
then fsync'ed: several runs may append to the same file and the chain stays linear,
and a crash leaves at most the last record missing, never half of one. A failed write
is cut off again so the file still ends in a well-formed record.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core import clock
from sopdocs.errors import SopdocsError

GENESIS = "0" * 64
# A record is far smaller than this; reading the last one never scans the whole file.
_TAIL_CHUNK = 64 * 1024


class AuditError(SopdocsError):
    """The trail cannot be read or written: the run must not go on unrecorded."""


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def utc_now() -> str:
    return clock.utc_stamp()


def _last_line(fd: int) -> bytes | None:
    """The last line of the file (without its newline), None for an empty file.

    Raises AuditError when the file does not end with a newline: a torn write.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    data = b""
    position = size
    while position > 0:
        start = max(0, position - _TAIL_CHUNK)
        data = os.pread(fd, position - start, start) + data
        position = start
        if data.count(b"\n") >= 2 or position == 0:
            break
    if not data.endswith(b"\n"):
        raise AuditError("the last record is incomplete (a crash or a full disk?)")
    return data[:-1].rsplit(b"\n", 1)[-1]


class AuditTrail:
    """Appends records to one trail file. Records of several runs may interleave."""

    def __init__(self, path: Path, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self.records = 0

    def open(self) -> None:
        """Create the file (and its directory) if needed and check that it ends in a
        well-formed record. Raises AuditError."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot open the audit trail: {exc.strerror or exc}") from None
        try:
            self._head(fd)
        finally:
            os.close(fd)

    def _head(self, fd: int) -> tuple[int, str]:
        """(seq, hash) of the last record in the file."""
        try:
            line = _last_line(fd)
        except AuditError as exc:
            raise AuditError(f"{self.path}: {exc}; run `sopdocs audit verify {self.path}`, then move the file aside") from None
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot read the audit trail: {exc.strerror or exc}") from None
        if line is None:
            return 0, GENESIS
        try:
            last = json.loads(line)
            seq, digest = int(last["seq"]), str(last["hash"])
        except (ValueError, KeyError, TypeError):
            raise AuditError(
                f"{self.path}: the last line is not an audit record; run `sopdocs audit verify {self.path}`"
            ) from None
        return seq, digest

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Write one record and make it durable. Raises AuditError: the caller must stop."""
        # No O_CREAT: a trail removed under a running run is an error, not a fresh chain.
        flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if self.records == 0 else 0)
        try:
            fd = os.open(self.path, flags, 0o640)
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot open the audit trail: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            seq, prev = self._head(fd)
            record = {"seq": seq + 1, "prev": prev, "time": utc_now(), "run": self.run_id, "event": event, **fields}
            record["hash"] = record_hash(record)
            line = canonical(record) + b"\n"
            size = os.fstat(fd).st_size
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(0, f"short write ({written} of {len(line)} bytes)")
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass
                raise AuditError(f"{self.path}: cannot write the audit trail: {exc.strerror or exc}") from None
        finally:
            os.close(fd)  # also releases the flock
        self.records += 1
        return record


@dataclass(frozen=True)
class Verification:
    records: int  # records verified before the first problem (all of them when intact)
    head: str  # hash of the last verified record (GENESIS for none)
    error: str | None = None  # what is wrong; None when the chain is intact
    line: int | None = None  # where

    @property
    def ok(self) -> bool:
        return self.error is None


def verify_lines(lines: list[bytes]) -> Verification:
    prev, count = GENESIS, 0
    for number, raw in enumerate(lines, start=1):
        problem = _check_record(raw, count + 1, prev)
        if problem:
            return Verification(count, prev, problem, number)
        record = json.loads(raw)
        prev, count = record["hash"], count + 1
    return Verification(count, prev)


def _check_record(raw: bytes, seq: int, prev: str) -> str | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return "not a JSON record (truncated or edited)"
    if not isinstance(record, dict) or not isinstance(record.get("hash"), str):
        return "not an audit record (no hash)"
    if record.get("seq") != seq:
        return f"sequence number is {record.get('seq')!r}, expected {seq} (a record was removed or inserted)"
    if record.get("prev") != prev:
        return "`prev` does not match the hash of the record before it (a record was removed, inserted or edited)"
    if record_hash(record) != record["hash"]:
        return "the record's content does not match its hash (the record was edited)"
    return None


def verify_file(path: Path) -> Verification:
    """Check the whole chain. Raises OSError when the file cannot be read."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline, as it must
    result = verify_lines(lines)
    if result.ok and torn:
        return Verification(result.records, result.head, "incomplete last record (no newline at the end)", len(lines) + 1)
    return result
