"""The audit trail: an append-only JSON Lines file, one record per event, hash-chained.

Every record carries ``seq`` (1, 2, ... across the whole file), ``prev`` (the ``hash``
of the record before it, 64 zeros for the first) and ``hash``: the SHA-256 of the
record's canonical JSON without ``hash`` and ``mac``. Each line must be exactly that
canonical JSON (keys sorted, no spaces, UTF-8): a line that is not, or that holds a key
twice, fails verification even when its hash matches, so what one JSON parser reads is
what every other reads.

With a key (``$SOPDOCS_AUDIT_KEY``, or a file named by ``$SOPDOCS_AUDIT_KEY_FILE``)
every record also carries ``mac``: HMAC-SHA256 of its ``hash`` under the key. Without
the key nobody can write records that verify with it: an edited record, a trail
re-chained from an edit on, or a forged record appended at the end is caught. An
*anchor* (``seq`` and ``hash`` of a record, kept outside the trail) catches truncation
and rewriting up to that record. docs/runner.md says what each mode detects and what
it cannot.

Each record is written as one line in a single ``write`` under an exclusive ``flock``,
then fsync'ed: several runs may append to the same file and the chain stays linear,
and a crash leaves at most the last record missing, never half of one. A failed write
is cut off again so the file still ends in a well-formed record. A run knows the last
record it wrote, and stops when the trail no longer holds it (emptied, truncated or
replaced under the run).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core import clock
from sopdocs.errors import SopdocsError, UsageError

GENESIS = "0" * 64
# A record is far smaller than this; reading the last one never scans the whole file.
_TAIL_CHUNK = 64 * 1024
KEY_ENV = "SOPDOCS_AUDIT_KEY"
KEY_FILE_ENV = "SOPDOCS_AUDIT_KEY_FILE"
_ANCHOR = re.compile(r"^(?:sopdocs-anchor:)?([1-9][0-9]*):([0-9a-f]{64})$")


class AuditError(SopdocsError):
    """The trail cannot be read or written: the run must not go on unrecorded."""


class AuditKeyError(UsageError):
    """The audit key cannot be read (a usage error: exit 2)."""


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k not in ("hash", "mac")})).hexdigest()


def record_mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def utc_now() -> str:
    return clock.utc_stamp()


def key_from(environ: Mapping[str, str] = os.environ, key_file: str | None = None) -> bytes | None:
    """The audit key: ``key_file``, else $SOPDOCS_AUDIT_KEY_FILE, else $SOPDOCS_AUDIT_KEY;
    None without one. A key file's trailing newline is not part of the key. Raises
    AuditKeyError for a file that cannot be read or a key that is empty."""
    path = key_file or environ.get(KEY_FILE_ENV)
    if path:
        try:
            key = Path(path).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise AuditKeyError(f"{path}: cannot read the audit key: {exc.strerror or exc}") from None
        where = path
    elif environ.get(KEY_ENV):
        key, where = environ[KEY_ENV].encode("utf-8"), f"${KEY_ENV}"
    else:
        return None
    if not key:
        raise AuditKeyError(f"{where}: the audit key is empty")
    return key


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` (as `sopdocs audit anchor` prints it) -> (seq, hash). Raises UsageError."""
    match = _ANCHOR.match(text.strip())
    if match is None:
        raise UsageError(f"invalid anchor {text!r}: write it as `sopdocs audit anchor` prints it, e.g. sopdocs-anchor:42:<sha256>")
    return int(match.group(1)), match.group(2)


def _tail(fd: int, lines: int) -> list[bytes]:
    """The last ``lines`` lines of the file, or fewer; [] for an empty file.

    Raises AuditError when the file does not end with a newline: a torn write.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return []
    data = b""
    position = size
    while position > 0:
        start = max(0, position - _TAIL_CHUNK)
        data = os.pread(fd, position - start, start) + data
        position = start
        if data.count(b"\n") > lines or position == 0:
            break
    if not data.endswith(b"\n"):
        raise AuditError("the last record is incomplete (a crash or a full disk?)")
    return data[:-1].split(b"\n")[-lines:]


class AuditTrail:
    """Appends records to one trail file. Records of several runs may interleave."""

    def __init__(self, path: Path, run_id: str, key: bytes | None = None) -> None:
        self.path = path
        self.run_id = run_id
        self.key = key
        self.records = 0
        self.last: tuple[int, str] | None = None  # (seq, hash) of the last record this run wrote

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
            tail = _tail(fd, 1)
        except AuditError as exc:
            raise AuditError(f"{self.path}: {exc}; run `sopdocs audit verify {self.path}`, then move the file aside") from None
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot read the audit trail: {exc.strerror or exc}") from None
        if not tail:
            return 0, GENESIS
        return self._seq_and_hash(tail[-1])

    def _seq_and_hash(self, line: bytes) -> tuple[int, str]:
        try:
            last = json.loads(line)
            return int(last["seq"]), str(last["hash"])
        except (ValueError, KeyError, TypeError):
            raise AuditError(
                f"{self.path}: the last line is not an audit record; run `sopdocs audit verify {self.path}`"
            ) from None

    def _still_holds_our_last(self, fd: int, head: tuple[int, str]) -> None:
        """The trail must still hold the last record this run wrote, at its place: other
        runs may have appended since, but nothing may have been removed or replaced."""
        assert self.last is not None
        seq, digest = self.last
        if head[0] == seq and head[1] == digest:
            return
        if head[0] > seq:
            try:
                tail = _tail(fd, head[0] - seq + 1)
            except (AuditError, OSError):
                tail = []
            if len(tail) == head[0] - seq + 1 and self._seq_and_hash(tail[0]) == (seq, digest):
                return
        raise AuditError(
            f"{self.path}: the audit trail no longer holds this run's last record (seq {seq}): it was emptied, "
            "truncated or replaced while the run went on"
        )

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
            if self.last is not None:
                self._still_holds_our_last(fd, (seq, prev))
            record = {"seq": seq + 1, "prev": prev, "time": utc_now(), "run": self.run_id, "event": event, **fields}
            record["hash"] = record_hash(record)
            if self.key is not None:
                record["mac"] = record_mac(self.key, record["hash"])
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
        self.last = (record["seq"], record["hash"])
        return record


@dataclass(frozen=True)
class Verification:
    records: int  # records verified before the first problem (all of them when intact)
    head: str  # hash of the last verified record (GENESIS for none)
    error: str | None = None  # what is wrong; None when the chain is intact
    line: int | None = None  # where
    keyed: bool = False  # every verified record's MAC was checked with the key

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def anchor(self) -> str:
        """The anchor of the last verified record, to keep outside the trail."""
        return f"sopdocs-anchor:{self.records}:{self.head}"


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _Duplicate(key)
        record[key] = value
    return record


def verify_lines(lines: list[bytes], key: bytes | None = None) -> Verification:
    prev, count = GENESIS, 0
    for number, raw in enumerate(lines, start=1):
        problem, record = _check_record(raw, count + 1, prev, key)
        if problem:
            return Verification(count, prev, problem, number, keyed=key is not None)
        prev, count = record["hash"], count + 1
    return Verification(count, prev, keyed=key is not None)


def _check_record(raw: bytes, seq: int, prev: str, key: bytes | None) -> tuple[str | None, dict[str, Any]]:
    try:
        record = json.loads(raw, object_pairs_hook=_no_duplicates)
    except _Duplicate as exc:
        return f"key `{exc.args[0]}` appears twice in the record (parsers disagree on which one counts)", {}
    except ValueError:
        return "not a JSON record (truncated or edited)", {}
    if not isinstance(record, dict) or not isinstance(record.get("hash"), str):
        return "not an audit record (no hash)", {}
    if record.get("seq") != seq:
        return f"sequence number is {record.get('seq')!r}, expected {seq} (a record was removed or inserted)", {}
    if record.get("prev") != prev:
        return "`prev` does not match the hash of the record before it (a record was removed, inserted or edited)", {}
    if record_hash(record) != record["hash"]:
        return "the record's content does not match its hash (the record was edited)", {}
    if canonical(record) != raw:
        return "the line is not the canonical form of its record (keys sorted, no spaces): it was edited", {}
    if key is not None:
        mac = record.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, record_mac(key, record["hash"])):
            what = "has no MAC" if mac is None else "has a MAC that this key did not make"
            return f"the record {what}: forged, or written without this key", {}
    return None, record


def verify_file(path: Path, key: bytes | None = None, anchor: tuple[int, str] | None = None) -> Verification:
    """Check the whole chain (with ``key``: every record's MAC too; with ``anchor``: the
    trail still holds that record). Raises OSError when the file cannot be read."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline, as it must
    result = verify_lines(lines, key)
    if result.ok and torn:
        return Verification(result.records, result.head, "incomplete last record (no newline at the end)", len(lines) + 1, result.keyed)
    if result.ok and anchor is not None:
        seq, digest = anchor
        if result.records < seq:
            error = f"the anchor names record {seq}, but the trail holds {result.records}: it was truncated"
            return Verification(result.records, result.head, error, result.records + 1, result.keyed)
        if json.loads(lines[seq - 1])["hash"] != digest:
            error = f"record {seq} is not the anchored one (hash {digest[:12]}…): the trail was rewritten"
            return Verification(result.records, result.head, error, seq, result.keyed)
    return result
