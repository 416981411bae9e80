"""The metrics document in the Prometheus text format (for node_exporter's textfile
collector) and as OpenMetrics."""

from __future__ import annotations

from typing import Any

from sopdocs.health.metrics.trails import OUTCOMES, parse_time

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
