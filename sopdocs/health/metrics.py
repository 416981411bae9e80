"""SOP health metrics from the runner's audit trails.

Every trail is verified first (:func:`sopdocs.audit.verify_lines`). Runs are then
summarised one by one (:class:`Run`) and aggregated per SOP and per SOP version
(:func:`figures`). The result is one plain, JSON-ready dict (:func:`compute`) that the
text table, the Prometheus/OpenMetrics exposition and the catalog site all read.

The definitions (what counts as a run, which runs a rate is over, how percentiles are
taken) are in docs/metrics.md; the code follows them line by line. Nothing here reads
the clock: "days since the last run" needs an explicit ``today``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.errors import UsageError
from sopdocs.run.audit import verify_lines

FORMAT = "sopdocs-metrics"
FORMAT_VERSION = 1
DEFAULT_MIN_RUNS = 5
DEFAULT_STALE_DAYS = 90
DEFAULT_RECENT = 20
PERIODS = ("month", "week")

# The result of a run, from its run.end record; "unfinished" when it has none.
SUCCESS, FAILURE, TIMEOUT, CANCELLED, REFUSED, UNFINISHED = "success", "failure", "timeout", "cancelled", "refused", "unfinished"
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
class Settings:
    min_runs: int = DEFAULT_MIN_RUNS
    stale_days: int = DEFAULT_STALE_DAYS
    period: str = "month"
    recent: int = DEFAULT_RECENT

    def as_dict(self) -> dict[str, Any]:
        return {"min_runs": self.min_runs, "stale_days": self.stale_days, "period": self.period, "recent": self.recent}


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


# --- reading trails --------------------------------------------------------------------


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


# --- figures ---------------------------------------------------------------------------


def nearest_rank(values: list[int], percent: int) -> int | None:
    """The nearest-rank percentile: the smallest value with at least ``percent``% of
    the values at or below it, i.e. the ceil(p/100 * n)-th smallest."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent * len(ordered) / 100)) - 1]


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 3)


def _timing(values: list[int]) -> dict[str, Any]:
    return {
        "runs": len(values),
        "mean": _seconds(sum(values) / len(values)) if values else None,
        "p50": _seconds(nearest_rank(values, 50)),
        "p90": _seconds(nearest_rank(values, 90)),
        "sum": _seconds(sum(values)),
    }


def rate(part: float, whole: int, min_runs: int) -> dict[str, Any]:
    """A rate and the number of runs it is over; low confidence under ``min_runs``."""
    return {"ratio": part / whole if whole else None, "runs": whole, "low_confidence": whole < min_runs}


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def period_of(day: dt.date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _next_period(key: str, period: str) -> str:
    if period == "week":
        year, week = key.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(week), 1) + dt.timedelta(days=7)
        return period_of(monday, period)
    year, month = map(int, key.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def runs_per_period(runs: list[Run], period: str, today: dt.date | None) -> dict[str, int]:
    """Runs by the period of their start (UTC), every period from the first run's to the
    last run's (or today's, when later) included, with zeros."""
    if not runs:
        return {}
    counts: dict[str, int] = {}
    for run in runs:
        key = period_of(run.started.date(), period)
        counts[key] = counts.get(key, 0) + 1
    last = max(counts)
    if today is not None:
        last = max(last, period_of(today, period))
    key, filled = min(counts), {}
    while key <= last:
        filled[key] = counts.get(key, 0)
        key = _next_period(key, period)
    return filled


def figures(runs: list[Run], settings: Settings, today: dt.date | None) -> dict[str, Any]:
    """Every figure over a set of runs (one SOP, or one version of it)."""
    runs = sorted(runs, key=lambda r: (r.started, r.run_id))
    outcomes = {name: sum(1 for r in runs if r.result == name) for name in OUTCOMES}
    finished = [r for r in runs if r.finished]
    rollbacks = [r for r in finished if r.rollback]
    rollback_failures = [r for r in rollbacks if r.rollback_result in ROLLBACK_NOT_RESTORED]
    failed = outcomes[FAILURE] + outcomes[TIMEOUT]
    confirmations = sum(r.manual_confirmations for r in finished)
    complete = sum(1 for r in runs if r.complete)
    ran = [r for r in runs if r.result != REFUSED]
    last_run = ran[-1] if ran else None
    successes = [r for r in runs if r.result == SUCCESS]
    last_success = successes[-1] if successes else None
    days_since = None
    if today is not None and last_run is not None:
        days_since = max(0, (today - last_run.started.date()).days)
    n = settings.min_runs
    return {
        "runs": len(runs),
        "outcomes": outcomes,
        "finished_runs": len(finished),
        "success_rate": rate(outcomes[SUCCESS], len(finished), n),
        "failure_rate": rate(failed, len(finished), n),
        "rollbacks": len(rollbacks),
        "rollback_rate": rate(len(rollbacks), len(finished), n),
        "rollback_failures": len(rollback_failures),
        "duration_seconds": _timing([r.duration_ms for r in successes if r.duration_ms is not None]),
        "time_to_first_failure_seconds": _timing([r.first_failure_ms for r in runs if r.first_failure_ms is not None]),
        "manual_confirmations": confirmations,
        "manual_confirmations_per_run": rate(confirmations, len(finished), n),
        "complete_audits": complete,
        "audit_completeness": rate(complete, len(runs), n),
        "runs_per_period": runs_per_period(runs, settings.period, today),
        "first_run": _time(runs[0].started) if runs else None,
        "last_run": _time(last_run.started) if last_run else None,
        "last_run_result": last_run.result if last_run else None,
        "last_success": _time(last_success.ended) if last_success else None,
        "days_since_last_run": days_since,
        "stale": None if today is None else (last_run is None or days_since > settings.stale_days),  # type: ignore[operator]
    }


def _latest(runs: list[Run], attribute: str) -> str | None:
    for run in sorted(runs, key=lambda r: (r.started, r.run_id), reverse=True):
        value = getattr(run, attribute)
        if value:
            return value
    return None


def _recent(runs: list[Run], count: int) -> list[dict[str, Any]]:
    chosen = sorted(runs, key=lambda r: (r.started, r.run_id))[-count:] if count else []
    return [
        {
            "run": r.run_id,
            "started": _time(r.started),
            "version": r.version,
            "result": r.result,
            "rollback": r.rollback_result if r.rollback else None,
            "duration_seconds": _seconds(r.duration_ms),
            "complete": r.complete,
        }
        for r in chosen
    ]


def _version_key(version: str | None, runs: list[Run]) -> tuple[dt.datetime, str]:
    return (min(r.started for r in runs), version or "")


def owner_totals(sops: list[dict[str, Any]], owner_of, min_runs: int) -> list[dict[str, Any]]:
    """Totals per owner over per-SOP figures; ``owner_of(sop) -> str``."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for sop in sops:
        grouped.setdefault(owner_of(sop) or "(no owner)", []).append(sop)
    totals = []
    for owner, group in sorted(grouped.items()):
        finished = sum(s["finished_runs"] for s in group)
        outcomes = {name: sum(s["outcomes"][name] for s in group) for name in OUTCOMES}
        rollbacks = sum(s["rollbacks"] for s in group)
        totals.append(
            {
                "owner": owner,
                "sops": len(group),
                "sops_run": sum(1 for s in group if s["runs"]),
                "runs": sum(s["runs"] for s in group),
                "outcomes": outcomes,
                "finished_runs": finished,
                "success_rate": rate(outcomes[SUCCESS], finished, min_runs),
                "failure_rate": rate(outcomes[FAILURE] + outcomes[TIMEOUT], finished, min_runs),
                "rollbacks": rollbacks,
                "rollback_rate": rate(rollbacks, finished, min_runs),
                "rollback_failures": sum(s["rollback_failures"] for s in group),
            }
        )
    return totals


def compute(reports: list[TrailReport], runs: list[Run], settings: Settings, today: dt.date | None) -> dict[str, Any]:
    """The metrics document (what `sopdocs metrics --format json` prints)."""
    by_sop: dict[str, list[Run]] = {}
    for run in runs:
        by_sop.setdefault(run.sop_id, []).append(run)
    excluded_by_sop: dict[str, int] = {}
    for report in reports:
        for excluded in report.excluded:
            if excluded.sop_id:
                excluded_by_sop[excluded.sop_id] = excluded_by_sop.get(excluded.sop_id, 0) + 1
    sops = []
    for sop_id in sorted(set(by_sop) | set(excluded_by_sop)):
        sop_runs = by_sop.get(sop_id, [])
        versions: dict[str | None, list[Run]] = {}
        for run in sop_runs:
            versions.setdefault(run.version, []).append(run)
        entry = {
            "sop_id": sop_id,
            "title": _latest(sop_runs, "title"),
            "owner": _latest(sop_runs, "owner"),
            **figures(sop_runs, settings, today),
            "excluded_runs": excluded_by_sop.get(sop_id, 0),
            "incomplete_runs": [
                {"run": r.run_id, "trail": r.trail, "reason": r.incomplete_reason}
                for r in sorted(sop_runs, key=lambda r: (r.started, r.run_id))
                if not r.complete
            ],
            "recent_runs": _recent(sop_runs, settings.recent),
            "versions": [
                {"version": version, "owner": _latest(vruns, "owner"), **figures(vruns, settings, today)}
                for version, vruns in sorted(versions.items(), key=lambda kv: _version_key(kv[0], kv[1]))
            ],
        }
        sops.append(entry)
    excluded_total = sum(len(r.excluded) for r in reports)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "today": today.isoformat() if today else None,
        "settings": settings.as_dict(),
        "summary": {
            "trails": len(reports),
            "broken_trails": sum(1 for r in reports if not r.intact),
            "runs": len(runs),
            "excluded_runs": excluded_total,
            "sops": sum(1 for s in sops if s["runs"]),
        },
        "trails": [r.as_dict() for r in sorted(reports, key=lambda r: r.path)],
        "sops": sops,
        "owners": owner_totals([s for s in sops if s["runs"]], lambda s: s["owner"], settings.min_runs),
    }


def metrics_from_paths(
    paths: Iterable[str | Path], settings: Settings | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    reports, runs = read_runs(paths)
    return compute(reports, runs, settings or Settings(), today)


def load_metrics_json(path: Path) -> dict[str, Any]:
    """A document written by `sopdocs metrics --format json`. Raises MetricsError."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MetricsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise MetricsError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MetricsError(f"{path}: not a metrics file (write one with `sopdocs metrics --format json`)")
    if data.get("format_version") != FORMAT_VERSION:
        raise MetricsError(f"{path}: metrics format version {data.get('format_version')!r}; this sopdocs reads {FORMAT_VERSION}")
    return data


# --- output ----------------------------------------------------------------------------


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def percent(figure: dict[str, Any]) -> str:
    """`67% of 3*`: the rate, the runs it is over, `*` for low confidence."""
    if figure["ratio"] is None:
        return "-"
    return f"{figure['ratio'] * 100:.0f}% of {figure['runs']}" + ("*" if figure["low_confidence"] else "")


def _sec(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}s"
    return f"{value:.1f}s" if value < 60 else f"{value / 60:.1f}m"


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.append("  ".join(cells).rstrip())
    return out


def to_text(document: dict[str, Any]) -> str:
    settings = document["settings"]
    header = [
        "SOP", "VERSION", "OWNER", "RUNS", "SUCCESS", "FAILURE", "ROLLBACK", "RB-FAIL",
        "P50", "P90", "MEAN", "1ST-FAIL P50", "CONFIRM/RUN", "AUDIT", "LAST SUCCESS",
    ]  # fmt: skip

    def row(name: str, version: str, owner: str, f: dict[str, Any]) -> list[str]:
        confirm = f["manual_confirmations_per_run"]
        return [
            name,
            version,
            owner,
            str(f["runs"]),
            percent(f["success_rate"]),
            percent(f["failure_rate"]),
            percent(f["rollback_rate"]),
            str(f["rollback_failures"]),
            _sec(f["duration_seconds"]["p50"]),
            _sec(f["duration_seconds"]["p90"]),
            _sec(f["duration_seconds"]["mean"]),
            _sec(f["time_to_first_failure_seconds"]["p50"]),
            "-" if confirm["ratio"] is None else f"{confirm['ratio']:.1f}",
            percent(f["audit_completeness"]),
            (f["last_success"] or "-")[:10],
        ]

    rows = [header]
    for sop in document["sops"]:
        if not sop["runs"]:
            continue
        rows.append(row(sop["sop_id"], "(all)", sop["owner"] or "-", sop))
        for version in sop["versions"]:
            rows.append(row("", version["version"] or "(none)", "", version))
    lines: list[str] = []
    if len(rows) > 1:
        lines += _table(rows, right={3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
    else:
        lines.append("No runs in the audit trails.")
    owners = document["owners"]
    if owners:
        lines += ["", "Per owner:"]
        owner_rows = [["OWNER", "SOPS", "RUNS", "SUCCESS", "FAILURE", "ROLLBACK", "RB-FAIL"]]
        for o in owners:
            owner_rows.append(
                [o["owner"], str(o["sops"]), str(o["runs"]), percent(o["success_rate"]), percent(o["failure_rate"]),
                 percent(o["rollback_rate"]), str(o["rollback_failures"])]
            )  # fmt: skip
        lines += _table(owner_rows, right={1, 2, 3, 4, 5, 6})
    period = settings["period"]
    with_runs = [s for s in document["sops"] if s["runs"]]
    if with_runs:
        lines += ["", f"Runs per {period}:"]
        for sop in with_runs:
            counts = ", ".join(f"{k}: {v}" for k, v in sop["runs_per_period"].items())
            lines.append(f"  {sop['sop_id']}: {counts}")
    if document["today"]:
        stale = [s for s in with_runs if s["stale"]]
        lines += ["", f"Not run for more than {settings['stale_days']} days as of {document['today']}:"]
        lines += [f"  {s['sop_id']}: last run {(s['last_run'] or 'never')[:10]}" for s in stale] or ["  none"]
    incomplete = [(s["sop_id"], r) for s in document["sops"] for r in s["incomplete_runs"]]
    if incomplete:
        lines += ["", "Incomplete audit trails:"]
        lines += [f"  {sop_id} run {r['run']} ({r['trail']}): {r['reason']}" for sop_id, r in incomplete]
    summary = document["summary"]
    lines += [
        "",
        (
            "Rates are over finished runs (success, failure, timeout, cancelled); "
            f"* fewer than {settings['min_runs']} runs: low confidence."
        ),
        f"Runs: {summary['runs']} from {summary['trails']} trails"
        + (
            f"; excluded: {summary['excluded_runs']}, from {summary['broken_trails']} broken trails (see stderr)"
            if summary["broken_trails"]
            else ""
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def chain_problems(document: dict[str, Any]) -> list[str]:
    """One message per broken trail and each run it excludes, `sopdocs audit verify`
    style, for stderr."""
    messages = []
    for trail in document["trails"]:
        if trail["intact"]:
            continue
        messages.append(f"{trail['path']}:{trail['line']}: {trail['error']}")
        messages.append(
            f"{trail['path']}: chain BROKEN at line {trail['line']}; runs excluded: {len(trail['excluded_runs'])}; "
            f"runs counted: {trail['runs']}, from the {trail['verified_records']} intact records before it"
        )
        for excluded in trail["excluded_runs"]:
            messages.append(f"  excluded run {excluded['run']} (SOP {excluded['sop_id'] or 'unknown'}): {excluded['reason']}")
    for trail in document["trails"]:
        for run_id in trail["duplicate_runs"]:
            messages.append(f"{trail['path']}: run {run_id} was already read from another trail; counted once")
    return messages


# --- Prometheus / OpenMetrics ----------------------------------------------------------

# (name, type, unit, help, value of a per-version figure dict). Names and labels are a
# contract with dashboards and alerts: add, never rename.
_COUNTERS_AND_GAUGES: list[tuple[str, str, str, str, Any]] = [
    ("sopdocs_sop_runs", "counter", "", "Runs of the SOP version in the audit trails, every outcome (runs in broken chains excluded).",
     lambda f: f["runs"]),
    ("sopdocs_sop_finished_runs", "counter", "", "Runs that ended in success, failure, timeout or cancelled: the runs the ratios are over.",
     lambda f: f["finished_runs"]),
    ("sopdocs_sop_success_ratio", "gauge", "", "Successful runs / finished runs.", lambda f: f["success_rate"]["ratio"]),
    ("sopdocs_sop_failure_ratio", "gauge", "", "Runs that failed or timed out / finished runs.", lambda f: f["failure_rate"]["ratio"]),
    ("sopdocs_sop_rollbacks", "counter", "", "Finished runs in which the rollback was started.", lambda f: f["rollbacks"]),
    ("sopdocs_sop_rollback_ratio", "gauge", "", "Finished runs with a rollback / finished runs.", lambda f: f["rollback_ratio"]),
    ("sopdocs_sop_rollback_failures", "counter", "", "Rollbacks that did not restore the system (failed, incomplete or aborted).",
     lambda f: f["rollback_failures"]),
    ("sopdocs_sop_low_confidence", "gauge", "", "1 when the ratios are over fewer finished runs than the configured minimum (default 5).",
     lambda f: 1 if f["success_rate"]["low_confidence"] else 0),
    ("sopdocs_sop_manual_confirmations", "counter", "", "Confirmations given by a person (prompt or --confirm) in finished runs.",
     lambda f: f["manual_confirmations"]),
    ("sopdocs_sop_manual_confirmations_per_run", "gauge", "", "Manual confirmations / finished runs.",
     lambda f: f["manual_confirmations_per_run"]["ratio"]),
    ("sopdocs_sop_complete_audits", "counter", "", "Runs whose trail holds every expected record.", lambda f: f["complete_audits"]),
    ("sopdocs_sop_audit_completeness_ratio", "gauge", "", "Runs with a complete trail / runs.", lambda f: f["audit_completeness"]["ratio"]),
    ("sopdocs_sop_last_run_timestamp_seconds", "gauge", "seconds", "Start of the latest run that was not refused (Unix time).",
     lambda f: _unix(f["last_run"])),
    ("sopdocs_sop_last_success_timestamp_seconds", "gauge", "seconds", "End of the latest successful run (Unix time).",
     lambda f: _unix(f["last_success"])),
]  # fmt: skip
_SUMMARIES = [
    ("sopdocs_sop_duration_seconds", "Time from run.start to run.end of successful runs.", "duration_seconds"),
    ("sopdocs_sop_time_to_first_failure_seconds",
     "In runs that failed or timed out: time from run.start to the first failed step or probe.", "time_to_first_failure_seconds"),
]  # fmt: skip
_TRAIL_GAUGES = [
    ("sopdocs_audit_trail_intact", "1 when the trail's hash chain is intact, 0 when it is broken.", lambda t: 1 if t["intact"] else 0),
    ("sopdocs_audit_trail_records", "Lines in the trail.", lambda t: t["records"]),
    ("sopdocs_audit_trail_excluded_runs", "Runs left out of every figure because the chain breaks at or before them.",
     lambda t: len(t["excluded_runs"])),
]  # fmt: skip


def _unix(value: str | None) -> float | None:
    parsed = parse_time(value)
    return None if parsed is None else round(parsed.timestamp(), 3)


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{k}="{_label_value(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def exposition(document: dict[str, Any], openmetrics: bool = False) -> str:
    """The Prometheus text format (for node_exporter's textfile collector), or
    OpenMetrics (ending in `# EOF`). One series per SOP version, labelled sop_id,
    version ("" when the SOP has none) and owner; per-SOP totals are sums over it."""
    series = []
    for sop in document["sops"]:
        for version in sop["versions"]:
            figures_ = {**version, "rollback_ratio": version["rollback_rate"]["ratio"]}
            labels = [("sop_id", sop["sop_id"]), ("version", version["version"] or ""), ("owner", version["owner"] or "")]
            series.append((labels, figures_))
    lines: list[str] = []

    def family(name: str, kind: str, unit: str, text: str) -> str:
        """Write HELP/TYPE; return the sample name."""
        meta_name = name
        sample = name
        if kind == "counter":
            sample = name + "_total"
            meta_name = name if openmetrics else sample
        lines.append(f"# HELP {meta_name} {_help(text)}")
        lines.append(f"# TYPE {meta_name} {kind}")
        if openmetrics and unit:
            lines.append(f"# UNIT {meta_name} {unit}")
        return sample

    for name, kind, unit, text, value_of in _COUNTERS_AND_GAUGES:
        sample = family(name, kind, unit, text)
        for labels, f in series:
            value = value_of(f)
            if value is not None:
                lines.append(f"{sample}{_labels(labels)} {_number(value)}")
    sample = family(
        "sopdocs_sop_run_outcomes", "counter", "", "Runs by outcome: success, failure, timeout, cancelled, refused, unfinished."
    )
    for labels, f in series:
        for outcome in OUTCOMES:
            lines.append(f"{sample}{_labels([*labels, ('result', outcome)])} {f['outcomes'][outcome]}")
    for name, text, key in _SUMMARIES:
        family(name, "summary", "seconds", text)
        for labels, f in series:
            timing = f[key]
            for quantile, field_name in (("0.5", "p50"), ("0.9", "p90")):
                if timing[field_name] is not None:
                    lines.append(f"{name}{_labels([*labels, ('quantile', quantile)])} {_number(timing[field_name])}")
            lines.append(f"{name}_sum{_labels(labels)} {_number(timing['sum'] or 0)}")
            lines.append(f"{name}_count{_labels(labels)} {timing['runs']}")
    for name, text, value_of in _TRAIL_GAUGES:
        family(name, "gauge", "", text)
        for trail in document["trails"]:
            lines.append(f"{name}{_labels([('trail', trail['path'])])} {_number(value_of(trail))}")
    if openmetrics:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"


REPORTERS = {
    "text": to_text,
    "json": to_json,
    "prometheus": lambda document: exposition(document, openmetrics=False),
    "openmetrics": lambda document: exposition(document, openmetrics=True),
}
