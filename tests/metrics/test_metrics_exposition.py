"""The Prometheus and OpenMetrics output, read back by prometheus_client's parsers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from metricskit import Writer
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

from sopdocs.health.metrics import exposition, figures, output

LABELS = ("sop_id", "version", "owner")


def samples(families) -> dict[tuple, float]:
    """(sample name, sorted labels) -> value."""
    found = {}
    for family in families:
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def key(name: str, sop_id: str, version: str, owner: str, **extra: str) -> tuple:
    return (name, tuple(sorted({"sop_id": sop_id, "version": version, "owner": owner, **extra}.items())))


@pytest.fixture(scope="module")
def expositions(scenario) -> dict[str, str]:
    out = {}
    for fmt in ("openmetrics", "prometheus"):
        proc = scenario.project.sopdocs(
            "metrics", ".sopdocs/audit", "gamma-trail.jsonl", "--format", fmt, "--today", "2026-11-26"
        )
        assert proc.returncode == 1, proc.stderr
        out[fmt] = proc.stdout
    return out


def test_openmetrics_parses_and_matches_the_json(expositions, metrics_json):
    text = expositions["openmetrics"]
    assert text.endswith("# EOF\n")
    families = {f.name: f for f in parse_openmetrics(text)}
    assert families["sopdocs_sop_runs"].type == "counter"
    assert families["sopdocs_sop_success_ratio"].type == "gauge"
    assert families["sopdocs_sop_duration_seconds"].type == "summary"
    assert families["sopdocs_sop_duration_seconds"].unit == "seconds"
    values = samples(families.values())
    for sop in metrics_json["sops"]:
        for version in sop["versions"]:
            labels = (sop["sop_id"], version["version"] or "", version["owner"] or "")
            assert values[key("sopdocs_sop_runs_total", *labels)] == version["runs"]
            assert values[key("sopdocs_sop_finished_runs_total", *labels)] == version["finished_runs"]
            assert values[key("sopdocs_sop_rollbacks_total", *labels)] == version["rollbacks"]
            assert values[key("sopdocs_sop_rollback_failures_total", *labels)] == version["rollback_failures"]
            assert values[key("sopdocs_sop_complete_audits_total", *labels)] == version["complete_audits"]
            assert values[key("sopdocs_sop_low_confidence", *labels)] == int(version["success_rate"]["low_confidence"])
            for outcome, count in version["outcomes"].items():
                assert values[key("sopdocs_sop_run_outcomes_total", *labels, result=outcome)] == count
            if version["success_rate"]["ratio"] is not None:
                assert values[key("sopdocs_sop_success_ratio", *labels)] == pytest.approx(version["success_rate"]["ratio"])
                assert values[key("sopdocs_sop_rollback_ratio", *labels)] == pytest.approx(version["rollback_rate"]["ratio"])
            duration = version["duration_seconds"]
            assert values[key("sopdocs_sop_duration_seconds_count", *labels)] == duration["runs"]
            if duration["runs"]:
                assert values[key("sopdocs_sop_duration_seconds", *labels, quantile="0.5")] == duration["p50"]
                assert values[key("sopdocs_sop_duration_seconds", *labels, quantile="0.9")] == duration["p90"]
            if version["last_success"]:
                expected = dt.datetime.fromisoformat(version["last_success"]).timestamp()
                assert values[key("sopdocs_sop_last_success_timestamp_seconds", *labels)] == pytest.approx(expected)
    # alpha 1.0.0 by hand: 7 runs, 2 successes of 6 finished.
    assert values[key("sopdocs_sop_runs_total", "alpha", "1.0.0", "team-sre")] == 7
    assert values[key("sopdocs_sop_success_ratio", "alpha", "1.0.0", "team-sre")] == pytest.approx(2 / 6)
    assert values[key("sopdocs_sop_run_outcomes_total", "beta", "", "team-data", result="unfinished")] == 1
    # The broken trail is visible to alerting.
    assert values[("sopdocs_audit_trail_intact", (("trail", "gamma-trail.jsonl"),))] == 0
    assert values[("sopdocs_audit_trail_excluded_runs", (("trail", "gamma-trail.jsonl"),))] == 1
    assert values[("sopdocs_audit_trail_intact", (("trail", ".sopdocs/audit/alpha.jsonl"),))] == 1


def test_every_sop_series_has_the_stable_labels(expositions):
    for family in parse_openmetrics(expositions["openmetrics"]):
        for sample in family.samples:
            if family.name.startswith("sopdocs_sop_"):
                assert set(LABELS) <= set(sample.labels), sample
                assert set(sample.labels) - set(LABELS) <= {"result", "quantile"}
        assert family.documentation, family.name  # every family has HELP


def test_prometheus_text_parses_and_agrees(expositions):
    assert "# EOF" not in expositions["prometheus"]
    assert "# TYPE sopdocs_sop_runs_total counter" in expositions["prometheus"]
    ours = samples(parse_prometheus(expositions["prometheus"]))
    theirs = samples(parse_openmetrics(expositions["openmetrics"]))
    assert ours == theirs


def test_markup_and_quotes_in_labels_survive(tmp_path, monkeypatch):
    trail = tmp_path / "t.jsonl"
    owner = 'team "q" \\ back\nslash <img src=x>'
    Writer(trail, monkeypatch).run("r", 0, 1, owner=owner, version='1.0 "beta"')
    document = figures.metrics_from_paths([trail])
    for text, parse in (
        (exposition.exposition(document, openmetrics=True), parse_openmetrics),
        (exposition.exposition(document), parse_prometheus),
    ):
        runs = next(f for f in parse(text) if f.name == "sopdocs_sop_runs")
        assert runs.samples[0].labels == {"sop_id": "s", "version": '1.0 "beta"', "owner": owner}


def test_no_runs_is_still_valid(tmp_path):
    empty = tmp_path / "audit"
    empty.mkdir()
    document = figures.metrics_from_paths([empty])
    assert document["sops"] == [] and document["summary"]["runs"] == 0
    families = list(parse_openmetrics(exposition.exposition(document, openmetrics=True)))
    assert families and all(not f.samples for f in families)
    assert json.loads(output.to_json(document))["summary"]["trails"] == 0


def test_output_file_is_written_whole(scenario, tmp_path):
    target = tmp_path / "textfile" / "sopdocs.prom"
    proc = scenario.project.sopdocs("metrics", ".sopdocs/audit", "--format", "prometheus", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert list(parse_prometheus(target.read_text(encoding="utf-8")))
    assert [p.name for p in target.parent.iterdir()] == ["sopdocs.prom"]  # no temporary file left
