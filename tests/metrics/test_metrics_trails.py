"""Trails written through sopdocs' own AuditTrail with chosen timestamps: exact times,
percentiles, periods, and what a broken chain leaves out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from metricskit import Writer

from sopdocs.health.metrics import figures, trails


def document(*paths: Path, today: dt.date | None = None, **settings) -> dict:
    return figures.metrics_from_paths(paths, figures.Settings(**settings), today)


def only(doc: dict, sop_id: str = "s") -> dict:
    return next(s for s in doc["sops"] if s["sop_id"] == sop_id)


@pytest.mark.parametrize(
    ("values", "p50", "p90"),
    [([], None, None), ([7], 7, 7), ([4, 1, 3, 2], 2, 4), (list(range(1, 11)), 5, 9), (list(range(1, 12)), 6, 10)],
)
def test_nearest_rank(values, p50, p90):
    assert figures.nearest_rank(values, 50) == p50
    assert figures.nearest_rank(values, 90) == p90


def test_times_and_percentiles(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    for n, seconds in enumerate([4, 1, 10, 3, 2]):
        w.run(f"r{n}", n * 100, seconds)
    w.run("f1", 600, 8, "failure", rollback="success")  # its step.end at 4 s
    figures = only(document(trail))
    # Successful runs take 1, 2, 3, 4, 10 s: mean 4; p50 is the 3rd (ceil 2.5), p90 the 5th (ceil 4.5).
    assert figures["duration_seconds"] == {"runs": 5, "mean": 4.0, "p50": 3.0, "p90": 10.0, "sum": 20.0}
    assert figures["time_to_first_failure_seconds"] == {"runs": 1, "mean": 4.0, "p50": 4.0, "p90": 4.0, "sum": 4.0}
    assert figures["last_success"] == "2026-11-02T09:06:42.000Z"  # r4: starts at 400 s, takes 2 s
    assert figures["success_rate"] == {"ratio": 5 / 6, "runs": 6, "low_confidence": False}


def test_runs_per_period_fill_gaps_and_cross_years(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    day = 86400
    w.run("nov", 0, 1)  # 2026-11-02, ISO week 45
    w.run("dec", 56 * day, 1)  # 2026-12-28, ISO week 2026-W53
    w.run("jan", 63 * day, 1)  # 2027-01-04, ISO week 2027-W01
    months = only(document(trail, today=dt.date(2027, 2, 10)))["runs_per_period"]
    assert months == {"2026-11": 1, "2026-12": 1, "2027-01": 1, "2027-02": 0}
    weeks = only(document(trail, period="week"))["runs_per_period"]
    assert list(weeks)[:: len(weeks) - 1] == ["2026-W45", "2027-W01"]
    assert weeks["2026-W53"] == 1 and weeks["2026-W46"] == 0 and len(weeks) == 10


def test_stale_after_more_than_stale_days(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    Writer(trail, monkeypatch).run("r", 0, 1)  # 2026-11-02
    assert only(document(trail, today=dt.date(2027, 1, 31)))["stale"] is False  # 90 days
    late = only(document(trail, today=dt.date(2027, 2, 1)))
    assert late["stale"] is True and late["days_since_last_run"] == 91
    assert only(document(trail, today=dt.date(2026, 12, 1), stale_days=28))["stale"] is True


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _line_of(path: Path, run_id: str, event: str) -> int:
    for number, line in enumerate(_lines(path), start=1):
        record = json.loads(line)
        if record["run"] == run_id and record["event"] == event:
            return number
    raise AssertionError((run_id, event))


def test_edit_excludes_its_run_and_every_later_one(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    w.run("before", 0, 1)
    # Two runs interleave; `early` ends before the edited record, `open` does not.
    w.start("early", 10)
    w.start("open", 11)
    w.record("early", 12, "run.end", result="success", rollback="not-needed")
    w.record("open", 13, "step.start", item="step-1", attempt=1)
    w.record("open", 14, "step.end", item="step-1", attempt=1, result="failure")
    w.record("open", 15, "run.end", result="failure", rollback="not-needed")
    w.run("after", 20, 1, sop_id="other")
    lines = _lines(trail)
    bad = _line_of(trail, "open", "step.end")
    lines[bad - 1] = lines[bad - 1].replace('"failure"', '"success"')
    trail.write_text("\n".join(lines) + "\n", encoding="utf-8")

    doc = document(trail)
    (report,) = doc["trails"]
    assert (report["intact"], report["line"], report["verified_records"]) == (False, bad, bad - 1)
    assert [(e["run"], e["sop_id"]) for e in report["excluded_runs"]] == [("after", "other"), ("open", "s")]
    counted = only(doc)
    assert counted["runs"] == 2 and [r["run"] for r in counted["recent_runs"]] == ["before", "early"]
    assert counted["excluded_runs"] == 1
    assert only(doc, "other")["runs"] == 0 and only(doc, "other")["excluded_runs"] == 1
    assert doc["summary"]["excluded_runs"] == 2 and doc["summary"]["runs"] == 2


def test_unattributable_bad_line_excludes_every_open_run(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    w.run("done", 0, 1)
    w.start("crashed", 10)
    w.record("crashed", 11, "step.start", item="step-1", attempt=1)
    # A torn last record: no newline, not JSON; whose it was cannot be told.
    with trail.open("a", encoding="utf-8") as stream:
        stream.write('{"event":"step.end","item":"ste')
    doc = document(trail)
    (report,) = doc["trails"]
    assert report["error"] == "incomplete last record (no newline at the end)"
    assert [e["run"] for e in report["excluded_runs"]] == ["crashed"]
    assert only(doc)["runs"] == 1


def test_removed_record_breaks_at_its_place(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    w.run("one", 0, 1)
    w.run("two", 10, 1, "failure", rollback="success")
    lines = _lines(trail)
    gone = _line_of(trail, "two", "rollback")
    trail.write_text("\n".join(lines[: gone - 1] + lines[gone:]) + "\n", encoding="utf-8")
    doc = document(trail)
    assert doc["trails"][0]["line"] == gone and "sequence number" in doc["trails"][0]["error"]
    assert [e["run"] for e in doc["trails"][0]["excluded_runs"]] == ["two"]
    assert only(doc)["runs"] == 1 and only(doc)["rollbacks"] == 0


def test_missing_end_records_make_an_audit_incomplete(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    w.run("fine", 0, 1)
    w.start("gap", 10)
    w.record("gap", 11, "step.start", item="step-1", attempt=1)
    w.record("gap", 12, "run.end", result="failure", rollback="not-needed")
    w.start("partial", 20)
    w.record("partial", 21, "rollback", actions=["rollback-1", "rollback-2"])
    w.record("partial", 21, "rollback.start", item="rollback-1", attempt=1)
    w.record("partial", 22, "rollback.end", item="rollback-1", attempt=1, result="success")
    w.record("partial", 23, "run.end", result="failure", rollback="success")
    figures = only(document(trail))
    assert figures["complete_audits"] == 1
    assert {r["run"]: r["reason"] for r in figures["incomplete_runs"]} == {
        "gap": "no end record for step step-1",
        "partial": "no rollback.end for rollback-2",
    }


def test_a_copied_trail_counts_each_run_once(tmp_path, monkeypatch):
    trail = tmp_path / "a" / "t.jsonl"
    trail.parent.mkdir()
    Writer(trail, monkeypatch).run("r", 0, 1)
    copy = tmp_path / "b" / "t.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(trail.read_bytes())
    doc = document(tmp_path)  # a directory: both files
    assert only(doc)["runs"] == 1
    assert [t["duplicate_runs"] for t in doc["trails"]] == [[], ["r"]]
    assert [t["runs"] for t in doc["trails"]] == [1, 0]
    # The same file named twice is read once.
    assert len(document(trail, trail, tmp_path / "a")["trails"]) == 1


def test_manual_confirmations_count_people_only(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    w = Writer(trail, monkeypatch)
    w.start("r", 0)
    w.record("r", 0, "approval", item="step-1", by="alice", via="--confirm")
    for item, answer, via in (
        ("step-1", "yes", "--confirm"),
        ("step-2", "yes", "prompt"),
        ("step-3", "yes", "--yes"),
        ("step-4", "no", "prompt"),
    ):
        w.record("r", 1, "confirm", item=item, answer=answer, by="alice", via=via)
    w.record("r", 2, "run.end", result="cancelled", rollback="not-needed")
    figures = only(document(trail))
    assert figures["manual_confirmations"] == 2
    assert figures["outcomes"]["cancelled"] == 1 and figures["failure_rate"]["ratio"] == 0


def test_metrics_json_is_checked(tmp_path):
    other = tmp_path / "x.json"
    other.write_text('{"version": 1}', encoding="utf-8")
    with pytest.raises(trails.MetricsError, match="not a metrics file"):
        figures.load_metrics_json(other)
