"""What the audit trail catches, and how: a trail emptied under a run stops it; verify
accepts only canonical lines; a keyed trail catches forged and re-chained records; an
anchor catches truncation. docs/runner.md ("What the trail proves") promises each."""

from __future__ import annotations

import json

import pytest
from runkit import command_step, sop_text

from sopdocs.run.audit import GENESIS, AuditTrail, canonical, record_hash, record_mac, verify_file

KEY = "a key the forger does not have"
TWO_STEPS = [command_step("One.", "echo 1 >> log"), command_step("Two.", "echo 2 >> log")]


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines()


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rechain(records, start, key=None):
    """What a forger without the key can do: fix every hash from ``start`` on."""
    for index in range(start, len(records)):
        records[index]["prev"] = records[index - 1]["hash"] if index else GENESIS
        records[index].pop("mac", None)
        records[index]["hash"] = record_hash(records[index])
        if key:
            records[index]["mac"] = record_mac(key, records[index]["hash"])
    return [canonical(r).decode() for r in records]


@pytest.fixture
def trail(project):
    project.write(sop_text(TWO_STEPS))
    proc = project.run("sops/demo.md", "--yes", env={"SOPDOCS_AUDIT_KEY": KEY})
    assert proc.returncode == 0, proc.stderr
    return project.trail()


def test_a_trail_emptied_mid_run_stops_the_run(project):
    project.write(
        sop_text(
            [command_step("Empty the trail.", 'echo 1 >> log; : > "$TRAIL"'), command_step("Two.", "echo 2 >> log")],
            extra="parameters:\n  trail: {}\n",
        )
    )
    trail = project.root / "trail.jsonl"
    proc = project.run("sops/demo.md", "--yes", "--audit", str(trail), "-p", f"trail={trail}")
    assert proc.returncode == 4, proc.stderr
    assert "no longer holds this run's last record" in proc.stderr and "STOPPED" in proc.stderr
    assert project.log() == ["1"] and trail.read_text() == ""  # no fresh chain was started


def test_other_runs_appending_in_between_are_fine(tmp_path):
    path = tmp_path / "shared.jsonl"
    ours, theirs = AuditTrail(path, "ours"), AuditTrail(path, "theirs")
    ours.append("run.start")
    for _ in range(3):
        theirs.append("step.end")
    ours.append("run.end")  # the trail still holds our last record, three records back
    assert verify_file(path).records == 5


def test_verify_rejects_a_duplicate_key_that_leaves_the_hash_unchanged(trail, project):
    lines = lines_of(trail)
    index = next(i for i, line in enumerate(lines) if '"event":"step.end"' in line)
    # Parsers that keep the first key read "failure"; the hash (computed on the last) matches.
    lines[index] = lines[index].replace('{"attempt"', '{"result":"failure","attempt"', 1)
    write_lines(trail, lines)
    proc = project.sopdocs("audit", "verify", str(trail))
    assert proc.returncode == 1
    assert f"{trail}:{index + 1}: key `result` appears twice in the record" in proc.stderr


def test_verify_rejects_a_line_that_is_not_canonical(trail, project):
    lines = lines_of(trail)
    lines[2] = json.dumps(json.loads(lines[2]))  # same record, with spaces
    write_lines(trail, lines)
    proc = project.sopdocs("audit", "verify", str(trail))
    assert proc.returncode == 1 and f"{trail}:3: the line is not the canonical form of its record" in proc.stderr


def test_a_keyed_trail_verifies_with_its_key_and_catches_a_rechained_edit(trail, project):
    records = [json.loads(line) for line in lines_of(trail)]
    assert all(len(r["mac"]) == 64 for r in records)
    good = project.sopdocs("audit", "verify", str(trail), env={"SOPDOCS_AUDIT_KEY": KEY})
    assert good.returncode == 0 and "chain intact, every MAC checked" in good.stdout
    index = next(i for i, r in enumerate(records) if r["event"] == "step.end")
    records[index]["result"] = "failure"
    write_lines(trail, rechain(records, index))
    # Without the key the forgery passes: the plain chain cannot tell (docs/runner.md).
    assert project.sopdocs("audit", "verify", str(trail)).returncode == 0
    forged = project.sopdocs("audit", "verify", str(trail), env={"SOPDOCS_AUDIT_KEY": KEY})
    assert forged.returncode == 1
    assert f"{trail}:{index + 1}: the record has no MAC: forged, or written without this key" in forged.stderr


def test_a_keyed_trail_catches_a_forged_record_at_the_end(trail, project, tmp_path):
    records = [json.loads(line) for line in lines_of(trail)]
    fake = {**records[-1], "seq": records[-1]["seq"] + 1, "prev": records[-1]["hash"], "event": "approval", "by": "mallory"}
    records.append(fake)
    write_lines(trail, rechain(records, len(records) - 1, key=b"another key"))
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    proc = project.sopdocs("audit", "verify", str(trail), "--key-file", str(key_file))
    assert proc.returncode == 1 and "has a MAC that this key did not make" in proc.stderr


def test_an_anchor_catches_truncation_from_the_end(trail, project):
    anchor = project.sopdocs("audit", "anchor", str(trail), env={"SOPDOCS_AUDIT_KEY": KEY})
    assert anchor.returncode == 0
    text = anchor.stdout.strip()
    records = [json.loads(line) for line in lines_of(trail)]
    assert text == f"sopdocs-anchor:{len(records)}:{records[-1]['hash']}"
    write_lines(trail, lines_of(trail)[:-2])  # the last two records removed
    # Without the anchor a truncated trail is a valid (shorter) chain.
    assert project.sopdocs("audit", "verify", str(trail), env={"SOPDOCS_AUDIT_KEY": KEY}).returncode == 0
    cut = project.sopdocs("audit", "verify", str(trail), "--anchor", text, env={"SOPDOCS_AUDIT_KEY": KEY})
    assert cut.returncode == 1 and f"the anchor names record {len(records)}, but the trail holds {len(records) - 2}" in cut.stderr


def test_an_anchor_catches_a_rewritten_trail(trail, project):
    text = project.sopdocs("audit", "anchor", str(trail)).stdout.strip()
    records = [json.loads(line) for line in lines_of(trail)]
    records[0]["actor"] = "mallory"
    write_lines(trail, rechain(records, 0))
    assert project.sopdocs("audit", "verify", str(trail)).returncode == 0
    proc = project.sopdocs("audit", "verify", str(trail), "--anchor", text)
    assert proc.returncode == 1 and "is not the anchored one" in proc.stderr


def test_the_key_never_reaches_a_step(project):
    project.write(sop_text([command_step("Look.", "env > env.txt")]))
    key_file = project.root / "audit.key"
    key_file.write_text(KEY)
    env = {"SOPDOCS_AUDIT_KEY": KEY, "SOPDOCS_AUDIT_KEY_FILE": str(key_file)}
    assert project.run("sops/demo.md", "--yes", env=env).returncode == 0
    seen = (project.root / "env.txt").read_text()
    assert KEY not in seen and "SOPDOCS_AUDIT_KEY" not in seen
    # The file named by $SOPDOCS_AUDIT_KEY_FILE wins: the MACs are under its key.
    records = [json.loads(line) for line in lines_of(project.trail())]
    assert records[0]["mac"] == record_mac(KEY.encode(), records[0]["hash"])


def test_an_unreadable_key_file_is_a_usage_error_before_anything_runs(project, tmp_path):
    project.write(sop_text(TWO_STEPS))
    proc = project.run("sops/demo.md", "--yes", env={"SOPDOCS_AUDIT_KEY_FILE": str(tmp_path / "missing")})
    assert proc.returncode == 2 and "cannot read the audit key" in proc.stderr
    assert project.log() == [] and not project.trail().exists()
