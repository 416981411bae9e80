"""The metrics document as text (tables for a terminal) and JSON, and the problems of
its trails as `sopdocs audit verify`-style lines."""

from __future__ import annotations

import json
from typing import Any

from sopdocs.core.text import table_duration
from sopdocs.health.metrics.exposition import exposition


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def percent(figure: dict[str, Any]) -> str:
    """`67% of 3*`: the rate, the runs it is over, `*` for low confidence."""
    if figure["ratio"] is None:
        return "-"
    return f"{figure['ratio'] * 100:.0f}% of {figure['runs']}" + ("*" if figure["low_confidence"] else "")


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
            table_duration(f["duration_seconds"]["p50"]),
            table_duration(f["duration_seconds"]["p90"]),
            table_duration(f["duration_seconds"]["mean"]),
            table_duration(f["time_to_first_failure_seconds"]["p50"]),
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


REPORTERS = {
    "text": to_text,
    "json": to_json,
    "prometheus": lambda document: exposition(document, openmetrics=False),
    "openmetrics": lambda document: exposition(document, openmetrics=True),
}
