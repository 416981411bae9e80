"""SOP health metrics from the runs in audit trails: the figures per SOP and per SOP
version (:func:`figures`), in one plain, JSON-ready document (:func:`compute`) that the
text table, the Prometheus/OpenMetrics exposition and the catalog site all read.

The definitions (what counts as a run, which runs a rate is over, how percentiles are
taken) are in docs/metrics.md; the code follows them line by line. Nothing here reads
the clock: "days since the last run" needs an explicit ``today``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdocs.core.text import NO_OWNER
from sopdocs.health.metrics.trails import (
    OUTCOMES,
    ROLLBACK_NOT_RESTORED,
    MetricsError,
    Run,
    TrailReport,
    read_runs,
)
from sopdocs.run.outcomes import FAILURE, REFUSED, SUCCESS, TIMEOUT

FORMAT = "sopdocs-metrics"
FORMAT_VERSION = 1
DEFAULT_MIN_RUNS = 5
DEFAULT_STALE_DAYS = 90
DEFAULT_RECENT = 20
PERIODS = ("month", "week")


@dataclass(frozen=True)
class Settings:
    min_runs: int = DEFAULT_MIN_RUNS
    stale_days: int = DEFAULT_STALE_DAYS
    period: str = "month"
    recent: int = DEFAULT_RECENT

    def as_dict(self) -> dict[str, Any]:
        return {"min_runs": self.min_runs, "stale_days": self.stale_days, "period": self.period, "recent": self.recent}


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
        grouped.setdefault(owner_of(sop) or NO_OWNER, []).append(sop)
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


