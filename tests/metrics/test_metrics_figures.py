"""Every figure of `sopdocs metrics --format json` over trails the real runner wrote
(see conftest.py for the runs), against values worked out here from the runs' own
records: counts by hand from the scenario, times from the records' timestamps."""

from __future__ import annotations

from fractions import Fraction

import pytest
from metricskit import ms_between, nth_smallest, seconds


def sop(document: dict, sop_id: str) -> dict:
    return next(s for s in document["sops"] if s["sop_id"] == sop_id)


def version(document: dict, sop_id: str, name: str | None) -> dict:
    return next(v for v in sop(document, sop_id)["versions"] if v["version"] == name)


def rate(ratio: Fraction | None, runs: int, low: bool) -> dict:
    return {"ratio": None if ratio is None else float(ratio), "runs": runs, "low_confidence": low}


def period(scenario, labels: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label in labels:
        month = scenario.records(label).start["time"][:7]
        counts[month] = counts.get(month, 0) + 1
    return counts


def test_alpha_over_both_versions(scenario, metrics_json):
    alpha = sop(metrics_json, "alpha")
    records = {label: scenario.records(label) for label in ("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8")}
    # 8 runs: a1 a2 a8 success; a3 a5 a6 failure; a4 timeout; a7 refused. 7 finished.
    assert alpha["runs"] == 8
    assert alpha["outcomes"] == {"success": 3, "failure": 3, "timeout": 1, "cancelled": 0, "refused": 1, "unfinished": 0}
    assert alpha["finished_runs"] == 7
    assert alpha["success_rate"] == rate(Fraction(3, 7), 7, False)
    assert alpha["failure_rate"] == rate(Fraction(4, 7), 7, False)
    # Rolled back: a3 a4 a5 a6; a6's rollback failed.
    assert alpha["rollbacks"] == 4
    assert alpha["rollback_rate"] == rate(Fraction(4, 7), 7, False)
    assert alpha["rollback_failures"] == 1

    # Time to execute, over the 3 successful runs: p50 is the 2nd smallest, p90 the 3rd.
    durations = [records[label].duration_ms() for label in ("a1", "a2", "a8")]
    assert alpha["duration_seconds"] == {
        "runs": 3,
        "mean": seconds(sum(durations) / 3),
        "p50": nth_smallest(durations, 2),
        "p90": nth_smallest(durations, 3),
        "sum": seconds(sum(durations)),
    }
    # To the first failed step or probe: a3 and a6 step-2's step.end, a4 its timeout,
    # a5 the verify probe (probe.end comes before step.end). p50: 2nd of 4, p90: 4th.
    first = [
        ms_between(records["a3"].start, records["a3"].first(("step.end",), ("failure",))),
        ms_between(records["a4"].start, records["a4"].first(("step.end",), ("timeout",))),
        ms_between(records["a5"].start, records["a5"].first(("probe.end",), ("failure",))),
        ms_between(records["a6"].start, records["a6"].first(("step.end",), ("failure",))),
    ]
    a5_probe = records["a5"].first(("probe.end", "step.end"), ("failure",))
    assert a5_probe["event"] == "probe.end"
    assert alpha["time_to_first_failure_seconds"] == {
        "runs": 4,
        "mean": seconds(sum(first) / 4),
        "p50": nth_smallest(first, 2),
        "p90": nth_smallest(first, 4),
        "sum": seconds(sum(first)),
    }
    # --confirm step-1 in every finished run, plus verify-1 in a1; a7 (refused) only
    # has an `approval` record; `--yes` confirmations do not count.
    assert alpha["manual_confirmations"] == 8
    assert alpha["manual_confirmations_per_run"] == rate(Fraction(8, 7), 7, False)
    assert alpha["complete_audits"] == 8
    assert alpha["audit_completeness"] == rate(Fraction(1), 8, False)
    assert alpha["incomplete_runs"] == []

    assert alpha["first_run"] == records["a1"].start["time"]
    assert alpha["last_run"] == records["a8"].start["time"]
    assert alpha["last_run_result"] == "success"
    assert alpha["last_success"] == records["a8"].end["time"]
    assert alpha["runs_per_period"] == period(scenario, list(records))
    assert alpha["owner"] == "team-sre" and alpha["title"] == "Alpha procedure"
    assert alpha["excluded_runs"] == 0
    assert [r["run"] for r in alpha["recent_runs"]] == [scenario.runs[label] for label in records]
    assert [r["result"] for r in alpha["recent_runs"]] == [
        "success", "success", "failure", "timeout", "failure", "failure", "refused", "success",
    ]  # fmt: skip
    assert [r["rollback"] for r in alpha["recent_runs"]] == [None, None, "success", "success", "success", "failed", None, None]


def test_alpha_per_version(scenario, metrics_json):
    assert [v["version"] for v in sop(metrics_json, "alpha")["versions"]] == ["1.0.0", "2.0.0"]
    v1 = version(metrics_json, "alpha", "1.0.0")
    assert v1["runs"] == 7 and v1["finished_runs"] == 6
    assert v1["outcomes"] == {"success": 2, "failure": 3, "timeout": 1, "cancelled": 0, "refused": 1, "unfinished": 0}
    assert v1["success_rate"] == rate(Fraction(2, 6), 6, False)
    assert v1["rollback_rate"] == rate(Fraction(4, 6), 6, False)
    assert v1["rollback_failures"] == 1
    assert v1["manual_confirmations_per_run"] == rate(Fraction(7, 6), 6, False)
    durations = [scenario.records(label).duration_ms() for label in ("a1", "a2")]
    # Two values: p50 is the 1st smallest (rank ceil(1.0)), p90 the 2nd (rank ceil(1.8)).
    assert v1["duration_seconds"]["p50"] == nth_smallest(durations, 1)
    assert v1["duration_seconds"]["p90"] == nth_smallest(durations, 2)
    assert v1["last_success"] == scenario.records("a2").end["time"]
    assert v1["last_run"] == scenario.records("a6").start["time"]  # a7 was refused: not a run of the SOP
    assert v1["last_run_result"] == "failure"

    v2 = version(metrics_json, "alpha", "2.0.0")
    assert v2["runs"] == 1 and v2["finished_runs"] == 1
    assert v2["success_rate"] == rate(Fraction(1), 1, True)  # 1 run < 5: low confidence
    assert v2["rollback_rate"] == rate(Fraction(0), 1, True)
    assert v2["duration_seconds"]["p50"] == v2["duration_seconds"]["p90"] == seconds(scenario.records("a8").duration_ms())
    assert v2["owner"] == "team-sre"


def test_beta_cancelled_and_crashed_runs(scenario, metrics_json):
    beta = sop(metrics_json, "beta")
    assert beta["runs"] == 4
    assert beta["outcomes"] == {"success": 2, "failure": 0, "timeout": 0, "cancelled": 1, "refused": 0, "unfinished": 1}
    # b4 has no run.end: not finished, so out of every rate, but an incomplete audit.
    assert beta["finished_runs"] == 3
    assert beta["success_rate"] == rate(Fraction(2, 3), 3, True)
    assert beta["failure_rate"] == rate(Fraction(0), 3, True)
    assert beta["rollbacks"] == 1 and beta["rollback_rate"] == rate(Fraction(1, 3), 3, True)
    assert beta["rollback_failures"] == 0
    assert beta["time_to_first_failure_seconds"] == {"runs": 0, "mean": None, "p50": None, "p90": None, "sum": 0.0}
    assert beta["manual_confirmations"] == 0
    assert beta["complete_audits"] == 3
    assert beta["audit_completeness"] == rate(Fraction(3, 4), 4, True)
    assert [(r["run"], r["reason"][:14]) for r in beta["incomplete_runs"]] == [(scenario.runs["b4"], "no run.end rec")]
    assert beta["last_run"] == scenario.records("b4").start["time"] and beta["last_run_result"] == "unfinished"
    assert beta["last_success"] == scenario.records("b3").end["time"]
    assert [v["version"] for v in beta["versions"]] == [None]
    durations = [scenario.records(label).duration_ms() for label in ("b1", "b3")]
    assert beta["duration_seconds"]["mean"] == seconds(sum(durations) / 2)
    cancelled = scenario.records("b2")
    assert cancelled.end["result"] == "cancelled" and any(r["event"] == "run.cancelled" for r in cancelled.records)


def test_a_tampered_run_is_excluded_and_reported(scenario, metrics_json):
    gamma = sop(metrics_json, "gamma")
    # g1 lies wholly before the edited record: counted. g2 holds it: excluded.
    assert gamma["runs"] == 1 and gamma["outcomes"]["success"] == 1 and gamma["outcomes"]["failure"] == 0
    assert gamma["excluded_runs"] == 1
    assert [r["run"] for r in gamma["recent_runs"]] == [scenario.runs["g1"]]
    trail = next(t for t in metrics_json["trails"] if t["path"] == "gamma-trail.jsonl")
    assert trail["intact"] is False
    assert trail["line"] == scenario.tampered_line
    assert trail["verified_records"] == scenario.tampered_line - 1
    assert "does not match its hash" in trail["error"]
    assert trail["runs"] == 1
    assert [(e["run"], e["sop_id"]) for e in trail["excluded_runs"]] == [(scenario.runs["g2"], "gamma")]
    summary = metrics_json["summary"]
    assert summary == {"trails": 4, "broken_trails": 1, "runs": 8 + 4 + 1 + 1, "excluded_runs": 1, "sops": 4}
    assert all(t["intact"] for t in metrics_json["trails"] if t["path"] != "gamma-trail.jsonl")


def test_owner_totals(metrics_json):
    owners = {o["owner"]: o for o in metrics_json["owners"]}
    assert sorted(owners) == sorted(["team-sre", "team-data", "<img src=x onerror=alert(1)>"])
    sre = owners["team-sre"]  # alpha (8 runs, 7 finished) + gamma (1 run, 1 finished)
    assert (sre["sops"], sre["runs"], sre["finished_runs"]) == (2, 9, 8)
    assert sre["success_rate"] == rate(Fraction(4, 8), 8, False)
    assert sre["failure_rate"] == rate(Fraction(4, 8), 8, False)
    assert sre["rollback_rate"] == rate(Fraction(4, 8), 8, False)
    assert sre["rollback_failures"] == 1
    data = owners["team-data"]
    assert (data["sops"], data["runs"], data["finished_runs"]) == (1, 4, 3)
    assert data["success_rate"] == rate(Fraction(2, 3), 3, True)


def test_days_since_the_last_run_need_today(scenario):
    today = scenario.project.sopdocs("metrics", ".sopdocs/audit", "--format", "json", "--today", "2027-06-01")
    without = scenario.project.sopdocs("metrics", ".sopdocs/audit", "--format", "json", env={"SOPDOCS_TODAY": ""})
    import datetime as dt
    import json

    alpha = sop(json.loads(today.stdout), "alpha")
    last = dt.date.fromisoformat(scenario.records("a8").start["time"][:10])
    assert alpha["days_since_last_run"] == (dt.date(2027, 6, 1) - last).days
    assert alpha["stale"] is True  # more than 90 days
    # Runs per month run up to today's month, with zeros.
    months = list(alpha["runs_per_period"])
    assert months[-1] == "2027-06" and alpha["runs_per_period"]["2027-05"] == 0
    no_today = json.loads(without.stdout)
    assert no_today["today"] is None
    assert sop(no_today, "alpha")["days_since_last_run"] is None and sop(no_today, "alpha")["stale"] is None


@pytest.mark.parametrize("fmt", ["text", "json", "prometheus", "openmetrics"])
def test_output_is_deterministic(scenario, fmt):
    args = ("metrics", ".sopdocs/audit", "gamma-trail.jsonl", "--format", fmt, "--today", "2026-11-26")
    first, second = scenario.project.sopdocs(*args), scenario.project.sopdocs(*args)
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout


def test_text_table(scenario):
    proc = scenario.project.sopdocs("metrics", ".sopdocs/audit", "gamma-trail.jsonl", "--today", "2026-11-26")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    alpha = next(line for line in lines if line.startswith("alpha "))
    assert "43% of 7" in alpha and "57% of 7" in alpha and "(all)" in alpha and "team-sre" in alpha
    beta = next(line for line in lines if line.startswith("beta "))
    assert "67% of 3*" in beta  # low confidence
    assert any(line.strip().startswith("2.0.0") and "100% of 1*" in line for line in lines)
    assert "* fewer than 5 runs: low confidence" in proc.stdout
    assert f"beta run {scenario.runs['b4']}" in proc.stdout  # the incomplete audit is named
    # The broken chain goes to stderr, `sopdocs audit verify` style, with the run left out.
    assert f"gamma-trail.jsonl:{scenario.tampered_line}: the record's content does not match its hash" in proc.stderr
    assert f"excluded run {scenario.runs['g2']} (SOP gamma)" in proc.stderr


def test_min_runs_and_week_periods(scenario):
    import json

    proc = scenario.project.sopdocs("metrics", ".sopdocs/audit", "--format", "json", "--min-runs", "8", "--period", "week")
    assert proc.returncode == 0, proc.stderr  # gamma's broken trail is not among these
    document = json.loads(proc.stdout)
    alpha = sop(document, "alpha")
    assert alpha["success_rate"]["low_confidence"] is True  # 7 finished runs < 8
    assert alpha["audit_completeness"]["low_confidence"] is False  # over 8 runs
    import datetime as dt

    year, week, _ = dt.date.fromisoformat(scenario.records("a1").start["time"][:10]).isocalendar()
    assert f"{year}-W{week:02d}" in alpha["runs_per_period"]
    assert document["settings"] == {"min_runs": 8, "period": "week", "recent": 20, "stale_days": 90}


def test_usage_errors(scenario):
    missing = scenario.project.sopdocs("metrics", "no-such-dir")
    assert missing.returncode == 2 and "no-such-dir: no such file or directory" in missing.stderr
    bad_day = scenario.project.sopdocs("metrics", ".sopdocs/audit", "--today", "yesterday")
    assert bad_day.returncode == 2 and "invalid date" in bad_day.stderr
