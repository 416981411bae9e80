"""Reading audit trails for metrics: every trail verified first
(:func:`sopdocs.run.audit.verify_lines`), then each run it can vouch for summarised
(:class:`Run`). Definitions: docs/metrics.md."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.errors import UsageError
from sopdocs.run.audit import verify_lines
from sopdocs.run.outcomes import CANCELLED, FAILURE, REFUSED, SUCCESS, TIMEOUT

# The result of a run, from its run.end record (the runner's outcomes); "unfinished"
# when it has none.
UNFINISHED = "unfinished"
OUTCOMES = (SUCCESS, FAILURE, TIMEOUT, CANCELLED, REFUSED, UNFINISHED)
# Runs that went to an end the runner recorded and were not refused: the runs every
# rate is over.
FINISHED = (SUCCESS, FAILURE, TIMEOUT, CANCELLED)
FAILED = (FAILURE, TIMEOUT)
ROLLBACK_NOT_RESTORED = ("failed", "incomplete", "aborted")
# Confirmations a person gave: at a prompt, or named in advance with --confirm. `--yes`
# confirms automated steps only and is not counted.
MANUAL_VIA = ("prompt", "--confirm")
# Records of a step (or probe) that did not succeed, for "time to the first failure".
FAILURE_EVENTS = ("step.end", "probe.end", "verification.end")
PAIRED = ("precondition", "step", "rollback")



class MetricsError(UsageError):
    """A usage problem: a path that does not exist or cannot be read."""



@dataclass(frozen=True)
class Run:
    """One run, from its records in one trail."""

    run_id: str
    trail: str
    sop_id: str
    version: str | None
    owner: str | None
    title: str | None
    started: dt.datetime
    ended: dt.datetime | None  # run.end's time
    result: str  # one of OUTCOMES
    rollback: bool  # a `rollback` record: the rollback was started
    rollback_result: str | None  # run.end's `rollback` field
    duration_ms: int | None  # run.start to run.end
    first_failure_ms: int | None  # run.start to the first failed step/probe record
    manual_confirmations: int
    complete: bool  # the trail holds every record the run should have
    incomplete_reason: str | None = None

    @property
    def finished(self) -> bool:
        return self.result in FINISHED


@dataclass
class ExcludedRun:
    run_id: str
    sop_id: str | None  # as its run.start claims: not verified
    reason: str


@dataclass
class TrailReport:
    path: str
    records: int = 0  # lines read
    verified: int = 0  # records before the first problem
    error: str | None = None
    line: int | None = None
    runs: int = 0  # runs counted from this trail
    excluded: list[ExcludedRun] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # run ids already read from another trail
    unattributed: int = 0  # intact records without a run id, or runs without run.start

    @property
    def intact(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "intact": self.intact,
            "records": self.records,
            "verified_records": self.verified,
            "error": self.error,
            "line": self.line,
            "runs": self.runs,
            "excluded_runs": [{"run": e.run_id, "sop_id": e.sop_id, "reason": e.reason} for e in self.excluded],
            "duplicate_runs": list(self.duplicates),
            "unattributed_records": self.unattributed,
        }


def find_trails(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """(path, display name) of every trail: files as given, `*.jsonl` under directories,
    each file once. Raises MetricsError for a path that does not exist."""
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.jsonl") if p.is_file())
        elif path.exists():
            files = [path]
        else:
            raise MetricsError(f"{given}: no such file or directory")
        for file in files:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append((file, file.as_posix()))
    return found


def _read_locked(path: Path) -> bytes:
    """The file's bytes, read under a shared flock: the runner appends under an
    exclusive one, so a record being written is never read in half."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_trail(path: Path, display: str) -> tuple[TrailReport, list[Run]]:
    """Verify one trail and summarise the runs it can vouch for.

    With a broken chain, only records before the first bad line are trusted. A run is
    excluded when any of its records is at or after that line; when the bad line
    cannot be attributed to a run (not JSON, no run id), every run still open at that
    point (no run.end before it) is excluded too, since the bad record may be theirs.
    Raises OSError when the file cannot be read.
    """
    data = _read_locked(path)
    lines = data.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline, as it must
    verification = verify_lines(lines)
    report = TrailReport(display, records=len(lines) + (1 if torn else 0), verified=verification.records)
    if verification.ok and torn:
        report.error, report.line = "incomplete last record (no newline at the end)", len(lines) + 1
    elif not verification.ok:
        report.error, report.line = verification.error, verification.line
    trusted = [json.loads(raw) for raw in lines[: verification.records]]
    by_run: dict[str, list[dict[str, Any]]] = {}
    for record in trusted:
        run_id = record.get("run")
        if isinstance(run_id, str):
            by_run.setdefault(run_id, []).append(record)
        else:
            report.unattributed += 1

    excluded: dict[str, str] = {}
    if report.line is not None:
        after = lines[report.line - 1 :] + ([torn] if torn else [])
        claimed: dict[str, str | None] = {}
        bad_run: str | None = None
        for index, raw in enumerate(after):
            record = _loads(raw)
            run_id = record.get("run") if record else None
            if not isinstance(run_id, str):
                continue
            if index == 0:
                bad_run = run_id
            if record.get("event") == "run.start":
                claimed[run_id] = _sop_field(record, "id")
            claimed.setdefault(run_id, None)
            excluded.setdefault(run_id, f"has a record at or after line {report.line}, where the chain breaks")
        if bad_run is None:
            for run_id, records in by_run.items():
                if run_id not in excluded and not any(r.get("event") == "run.end" for r in records):
                    excluded[run_id] = f"was still open at line {report.line}, where the chain breaks (that record names no run)"
        for run_id in sorted(excluded):
            sop_id = claimed.get(run_id)
            if sop_id is None and run_id in by_run:
                sop_id = _sop_field(by_run[run_id][0], "id") if by_run[run_id][0].get("event") == "run.start" else None
            report.excluded.append(ExcludedRun(run_id, sop_id, excluded[run_id]))

    runs = []
    for run_id, records in by_run.items():
        if run_id in excluded:
            continue
        run = summarize_run(run_id, records, display)
        if run is None:
            report.unattributed += len(records)
            continue
        runs.append(run)
    report.runs = len(runs)
    return report, runs


def _loads(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _sop_field(record: dict[str, Any], key: str) -> str | None:
    sop = record.get("sop")
    value = sop.get(key) if isinstance(sop, dict) else None
    return value if isinstance(value, str) and value else None


def parse_time(value: Any) -> dt.datetime | None:
    """A record's `time` (UTC, `2026-11-26T10:15:02.381Z`)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _ms(start: dt.datetime, end: dt.datetime) -> int:
    delta = end - start
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def summarize_run(run_id: str, records: list[dict[str, Any]], trail: str) -> Run | None:
    """A :class:`Run` from its records in trail order; None without a run.start naming
    an SOP (nothing could be attributed)."""
    start = records[0]
    sop_id = _sop_field(start, "id")
    started = parse_time(start.get("time"))
    if start.get("event") != "run.start" or sop_id is None or started is None:
        return None
    end = records[-1] if records[-1].get("event") == "run.end" else None
    result = end.get("result") if end else None
    if result not in OUTCOMES or result == UNFINISHED:
        result = UNFINISHED
    ended = parse_time(end.get("time")) if end else None

    first_failure = next(
        (r for r in records if r.get("event") in FAILURE_EVENTS and r.get("result") in FAILED and parse_time(r.get("time"))),
        None,
    )
    first_failure_ms = None
    if result in FAILED and first_failure is not None:
        first_failure_ms = _ms(started, parse_time(first_failure["time"]))  # type: ignore[arg-type]
    confirmations = sum(
        1 for r in records if r.get("event") == "confirm" and r.get("answer") == "yes" and r.get("via") in MANUAL_VIA
    )
    rollback_records = [r for r in records if r.get("event") == "rollback"]
    reason = _missing_record(records, end, result)
    return Run(
        run_id=run_id,
        trail=trail,
        sop_id=sop_id,
        version=_sop_field(start, "version"),
        owner=_sop_field(start, "owner"),
        title=_sop_field(start, "title"),
        started=started,
        ended=ended,
        result=result,
        rollback=bool(rollback_records),
        rollback_result=end.get("rollback") if end and isinstance(end.get("rollback"), str) else None,
        duration_ms=_ms(started, ended) if ended else None,
        first_failure_ms=first_failure_ms,
        manual_confirmations=confirmations,
        complete=reason is None,
        incomplete_reason=reason,
    )


def _missing_record(records: list[dict[str, Any]], end: dict[str, Any] | None, result: str) -> str | None:
    """Why the run's records are not complete, or None when every expected record is
    there: run.end last, an end for every start, a rollback.end for every action the
    rollback record lists, and times on run.start and run.end."""
    if end is None:
        return "no run.end record (the run crashed, was killed, or its trail stopped accepting records)"
    if result == UNFINISHED:
        return f"run.end has an unknown result {end.get('result')!r}"
    if parse_time(end.get("time")) is None:
        return "run.end has no valid time"
    open_items: dict[tuple[str, Any, Any], int] = {}
    for record in records:
        event = str(record.get("event", ""))
        phase, _, edge = event.partition(".")
        if phase not in PAIRED or edge not in ("start", "end"):
            continue
        key = (phase, record.get("item"), record.get("attempt"))
        if edge == "start":
            open_items[key] = open_items.get(key, 0) + 1
        elif open_items.get(key):
            open_items[key] -= 1
    unmatched = sorted(f"{phase} {item}" for (phase, item, _), count in open_items.items() if count)
    if unmatched:
        return f"no end record for {', '.join(unmatched)}"
    for rollback in (r for r in records if r.get("event") == "rollback"):
        actions = rollback.get("actions") if isinstance(rollback.get("actions"), list) else []
        ended = {r.get("item") for r in records if r.get("event") == "rollback.end"}
        missing = [a for a in actions if a not in ended]
        if missing:
            return f"no rollback.end for {', '.join(map(str, missing))}"
    return None


def read_runs(paths: Iterable[str | Path]) -> tuple[list[TrailReport], list[Run]]:
    """Every trail under ``paths``, verified, and the runs they vouch for. A run id read
    from two trails (a copied file) is counted once, from the first.
    Raises MetricsError for a missing or unreadable path."""
    reports: list[TrailReport] = []
    runs: list[Run] = []
    seen: set[str] = set()
    for path, display in find_trails(paths):
        try:
            report, found = read_trail(path, display)
        except OSError as exc:
            raise MetricsError(f"{display}: cannot read: {exc.strerror or exc}") from None
        for run in found:
            if run.run_id in seen:
                report.duplicates.append(run.run_id)
                continue
            seen.add(run.run_id)
            runs.append(run)
        report.runs -= len(report.duplicates)
        report.duplicates.sort()
        reports.append(report)
    return reports, runs


