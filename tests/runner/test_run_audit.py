"""The audit trail: a hash chain that `sopdocs audit verify` checks, that continues
across runs, ends in a well-formed record, and that stops a run it cannot record."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from pathlib import Path

import pytest
from runkit import command_step, sop_text

from sopdocs.run.audit import GENESIS, AuditError, AuditTrail, canonical, record_hash, verify_file

TWO_STEPS = [command_step("One.", "echo 1 >> log"), command_step("Two.", "echo 2 >> log")]


def test_chain_verifies_and_an_edited_record_breaks_it(project):
    project.write(sop_text(TWO_STEPS))
    assert project.run("sops/demo.md", "--yes").returncode == 0
    trail = project.trail()
    ok = project.sopdocs("audit", "verify", str(trail))
    records = project.records()
    assert ok.returncode == 0, ok.stderr
    assert f"{len(records)} records, chain intact (last hash {records[-1]['hash']})" in ok.stdout
    assert records[0]["prev"] == GENESIS and all(b["prev"] == a["hash"] for a, b in itertools.pairwise(records))
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))

    lines = trail.read_text().splitlines()
    index = next(i for i, r in enumerate(records) if r["event"] == "step.end")
    lines[index] = lines[index].replace('"result":"success"', '"result":"failure"')
    trail.write_text("\n".join(lines) + "\n")
    bad = project.sopdocs("audit", "verify", str(trail))
    assert bad.returncode == 1
    assert f"{trail}:{index + 1}: the record's content does not match its hash" in bad.stderr
    assert f"chain BROKEN at line {index + 1}" in bad.stderr


def test_a_rehashed_edit_or_a_removed_record_is_found(project):
    project.write(sop_text(TWO_STEPS))
    assert project.run("sops/demo.md", "--yes").returncode == 0
    trail = project.trail()
    original = trail.read_text().splitlines()

    records = [json.loads(line) for line in original]
    records[3]["actor"] = "mallory"
    records[3]["hash"] = record_hash(records[3])
    trail.write_text("\n".join(canonical(r).decode() for r in records) + "\n")
    rehashed = project.sopdocs("audit", "verify", str(trail))
    assert rehashed.returncode == 1 and f"{trail}:5: `prev` does not match" in rehashed.stderr

    trail.write_text("\n".join(original[:2] + original[3:]) + "\n")
    removed = project.sopdocs("audit", "verify", str(trail))
    assert removed.returncode == 1 and f"{trail}:3: sequence number is 4, expected 3" in removed.stderr

    trail.write_text("\n".join(original) + "\n" + original[-1][:40])
    torn = project.sopdocs("audit", "verify", str(trail))
    assert torn.returncode == 1 and "incomplete last record" in torn.stderr


def test_chain_continues_across_runs_and_sops(project):
    project.write(sop_text(TWO_STEPS))
    project.write(sop_text([command_step("Other.", "true")], sop_id="other"), "other.md")
    shared = project.root / "audit.jsonl"
    assert project.run("sops/demo.md", "--yes", "--audit", str(shared)).returncode == 0
    assert project.run("sops/other.md", "--yes", "--audit", str(shared)).returncode == 0
    assert project.run("sops/demo.md", "--yes", "--audit", str(shared)).returncode == 0
    records = project.records(path=shared)
    assert len({r["run"] for r in records}) == 3
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert project.sopdocs("audit", "verify", str(shared)).returncode == 0


def _append_many(path: str, run_id: str, count: int, go) -> None:
    go.wait()
    trail = AuditTrail(Path(path), run_id)
    for n in range(count):
        trail.append("test.event", n=n)


def test_concurrent_appends_from_many_processes_keep_one_chain(tmp_path):
    """Several processes append to one trail at once (runs of several SOPs sharing
    `--audit`): the file lock keeps the chain linear, no record is lost or torn."""
    trail, writers, each = tmp_path / "shared.jsonl", 4, 150
    context = multiprocessing.get_context("fork")
    go = context.Event()
    processes = [context.Process(target=_append_many, args=(str(trail), f"run-{w}", each, go)) for w in range(writers)]
    for process in processes:
        process.start()
    go.set()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    result = verify_file(trail)
    assert result.ok, (result.error, result.line)
    assert result.records == writers * each
    records = [json.loads(line) for line in trail.read_text().splitlines()]
    for w in range(writers):
        assert [r["n"] for r in records if r["run"] == f"run-{w}"] == list(range(each))
    # They really ran at the same time: the runs' records interleave.
    switches = sum(1 for a, b in itertools.pairwise(records) if a["run"] != b["run"])
    assert switches > writers


def test_trail_records_what_the_issue_asks_for(project):
    project.write(
        sop_text(TWO_STEPS, extra='version: "1.2.0"\napprovers: [alice, bob]\nparameters:\n  database:\n    resource: true\n')
    )
    assert project.run("sops/demo.md", "--yes", "--role", "sre", "-p", "database=orders").returncode == 0
    records = project.records()
    start = records[0]
    assert len(start["run"]) > 8 and all(r["run"] == start["run"] for r in records)
    assert start["sop"]["id"] == "demo" and start["sop"]["version"] == "1.2.0" and start["sop"]["approvers"] == ["alice", "bob"]
    assert start["source"]["sha256"] == start["source"]["file_sha256"]
    assert (start["actor"], start["role"], start["parameters"]) == ("alice", "sre", {"database": "orders"})
    assert start["host"] and start["time"].endswith("Z")
    assert [r["lock"] for r in records if r["event"] == "lock.acquired"] == ["SOP demo", "resource database=orders"]
    step_end = next(r for r in records if r["event"] == "step.end")
    assert step_end["exit_code"] == 0 and step_end["stdout"]["bytes"] == 0
    assert len(step_end["stdout"]["sha256"]) == 64 and "tail" in step_end["stderr"]
    assert records[-1]["event"] == "run.end" and records[-1]["exit_code"] == 0


def test_unwritable_trail_stops_before_any_step(project):
    project.write(sop_text(TWO_STEPS))
    (project.root / "not-a-dir").write_text("")
    proc = project.run("sops/demo.md", "--yes", "--audit", str(project.root / "not-a-dir" / "trail.jsonl"))
    assert proc.returncode == 5
    assert "cannot open the audit trail" in proc.stderr and "nothing runs unrecorded" in proc.stderr
    assert project.log() == []
    assert not list((project.root / ".sopdocs" / "locks").glob("*.lock"))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_stops_before_any_step(project):
    project.write(sop_text(TWO_STEPS))
    proc = project.run("sops/demo.md", "--yes", "--audit", "/dev/full")
    assert proc.returncode == 5
    assert "cannot write the audit trail" in proc.stderr
    assert project.log() == []


def test_trail_lost_mid_run_stops_before_the_next_step(project):
    project.write(
        sop_text(
            [
                command_step("Break the trail.", 'echo 1 >> log; rm "$TRAIL"; mkdir "$TRAIL"'),
                command_step("Two.", "echo 2 >> log"),
            ],
            extra="parameters:\n  trail: {}\n",
        )
    )
    trail = project.root / "trail.jsonl"
    proc = project.run("sops/demo.md", "--yes", "--audit", str(trail), "-p", f"trail={trail}")
    assert proc.returncode == 4, proc.stderr
    assert "STOPPED" in proc.stderr and "nothing runs unrecorded" in proc.stderr
    assert "roll back by hand" in proc.stderr and "[rollback-1] Undo" in proc.stderr
    assert project.log() == ["1"], "neither step 2 nor the rollback ran unrecorded"
    lock = json.loads((project.root / ".sopdocs" / "locks" / "sop-demo.lock").read_text())
    assert "audit trail could not be written" in lock["left"]


def test_torn_trail_is_refused(project):
    project.write(sop_text(TWO_STEPS))
    trail = project.root / "trail.jsonl"
    trail.write_text('{"seq": 1, "prev": "')
    proc = project.run("sops/demo.md", "--yes", "--audit", str(trail))
    assert proc.returncode == 5 and "last record is incomplete" in proc.stderr
    assert project.log() == []


# --- in-process ----------------------------------------------------------------------


def test_appended_records_link_and_verify(tmp_path):
    path = tmp_path / "a" / "trail.jsonl"
    trail = AuditTrail(path, "run-1")
    trail.open()
    first = trail.append("run.start", actor="alice")
    second = AuditTrail(path, "run-2").append("run.start", actor="bob")
    assert (first["seq"], second["seq"], second["prev"]) == (1, 2, first["hash"])
    assert path.read_bytes().count(b"\n") == 2 and path.read_bytes().endswith(b"\n")
    result = verify_file(path)
    assert (result.ok, result.records, result.head) == (True, 2, second["hash"])


def test_a_removed_trail_is_not_silently_restarted(tmp_path):
    path = tmp_path / "trail.jsonl"
    trail = AuditTrail(path, "run-1")
    trail.open()
    trail.append("run.start")
    path.unlink()
    with pytest.raises(AuditError, match="cannot open"):
        trail.append("step.start")


def test_verify_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    assert verify_file(path).ok and verify_file(path).records == 0


def test_verify_cli_on_a_missing_file(project):
    proc = project.sopdocs("audit", "verify", "missing.jsonl")
    assert proc.returncode == 2 and "cannot read" in proc.stderr
