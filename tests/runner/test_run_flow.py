"""`sopdocs run` end to end: real subprocesses on temporary SOPs. Success, failure with
rollback, timeouts, Ctrl-C, preconditions, roles, confirmations and dry runs."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from runkit import alive, command_step, sop_text, wait_gone

from sopdocs.core.parser import parse_file
from sopdocs.export.manifest import build_manifest, dumps

UNDO_BOTH = ["text: Undo step 2\n    command: echo undo-2 >> log", "text: Undo step 1\n    command: echo undo-1 >> log"]


def test_success_runs_every_step_and_records_it(project):
    project.write(sop_text([command_step("One.", "echo one >> log"), command_step("Two.", "echo two >> log")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert project.log() == ["one", "two"]
    assert "Step 1/2 [step-1] One." in proc.stdout and "success" in proc.stdout
    events = project.events()
    assert events[0] == "run.start" and events[-1] == "run.end"
    assert events.count("step.start") == 2 and events.count("step.end") == 2
    assert "rollback" not in events
    records = project.records()
    start, end = records[0], records[-1]
    assert start["actor"] == "alice" and start["sop"]["id"] == "demo"
    assert len(start["source"]["sha256"]) == 64 and start["host"]
    assert end["result"] == "success" and end["exit_code"] == 0
    assert [r["result"] for r in records if r["event"] == "step.end"] == ["success", "success"]
    assert not list((project.root / ".sopdocs" / "locks").glob("*.lock")), "locks are released"


def test_failing_step_rolls_back_in_reverse_order(project):
    project.write(
        sop_text(
            [
                command_step("One.", "echo 1 >> log"),
                command_step("Two.", "echo 2 >> log"),
                command_step("Three.", "echo 3 >> log; exit 7"),
            ],
            rollback=UNDO_BOTH,
        )
    )
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 1, proc.stderr
    assert project.log() == ["1", "2", "3", "undo-2", "undo-1"]
    records = project.records()
    failed = next(r for r in records if r["event"] == "step.end" and r["item"] == "step-3")
    assert (failed["result"], failed["exit_code"]) == ("failure", 7)
    assert [r["item"] for r in records if r["event"] == "rollback.end"] == ["rollback-1", "rollback-2"]
    assert records[-1]["result"] == "failure" and records[-1]["rollback"] == "success" and records[-1]["failed"] == "step-3"
    assert "rolled back" in proc.stderr


def test_steps_after_a_failure_are_skipped(project):
    project.write(sop_text([command_step("One.", "false"), command_step("Two.", "echo 2 >> log")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 1
    assert project.log() == ["undo"]
    skipped = [r for r in project.records() if r["event"] == "step.end" and r["item"] == "step-2"]
    assert [r["result"] for r in skipped] == ["skipped"]


def test_failed_rollback_exits_4_and_keeps_the_lock(project):
    project.write(
        sop_text(
            [command_step("One.", "echo 1 >> log"), command_step("Two.", "exit 1")],
            rollback=["text: Broken undo\n    command: exit 3", "text: Never reached\n    command: echo later >> log"],
        )
    )
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 4, proc.stderr
    assert project.log() == ["1"]
    assert "THE ROLLBACK DID NOT COMPLETE" in proc.stderr and "[rollback-2] Never reached" in proc.stderr
    records = project.records()
    assert [(r["item"], r["result"]) for r in records if r["event"] == "rollback.end"] == [
        ("rollback-1", "failure"),
        ("rollback-2", "skipped"),
    ]
    assert records[-1]["rollback"] == "failed" and records[-1]["exit_code"] == 4
    # The lock stays, so the next run must break it on purpose after a look at the system.
    again = project.run("sops/demo.md", "--yes")
    assert again.returncode == 5
    assert "ended without restoring the system" in again.stderr and "--break-stale-lock" in again.stderr


def test_timeout_is_enforced(project):
    # Time is the behaviour here: the step ran for its timeout (1 s), then was killed long
    # before its own 30 s were over. How fast the kill follows: bench/runner_bench.py.
    project.write(sop_text([command_step("Hang.", "echo started >> log; sleep 30; echo finished >> log", "timeout=1s")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 1, proc.stderr
    end = next(r for r in project.records() if r["event"] == "step.end")
    assert end["result"] == "timeout" and 1000 <= end["duration_ms"] < 30_000
    assert project.log() == ["started", "undo"]


def test_timeout_kills_grandchildren(project):
    # The background sleep ignores SIGTERM: only the SIGKILL to the whole group ends it.
    command = "( trap '' TERM; sleep 1000 & echo $! > grandchild.pid; wait ) &\nsleep 30"
    project.write(sop_text([command_step("Spawn.", command, "timeout=1s")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 1, proc.stderr
    pid = int((project.root / "grandchild.pid").read_text())
    assert wait_gone(pid), f"grandchild {pid} survived the timeout"


def test_sigint_mid_run_cancels_and_rolls_back(project):
    command = "echo 2 >> log; sleep 1000 & echo $! > child.pid; touch running; wait"
    project.write(
        sop_text(
            [command_step("One.", "echo 1 >> log"), command_step("Two.", command), command_step("Three.", "echo 3 >> log")],
            rollback=UNDO_BOTH,
        )
    )
    runner = project.start("sops/demo.md", "--yes")
    try:
        project.wait_for("running")
        runner.send_signal(signal.SIGINT)
        _, err = runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 1, err
    assert project.log() == ["1", "2", "undo-2", "undo-1"]
    assert wait_gone(int((project.root / "child.pid").read_text()))
    records = project.records()
    step2 = next(r for r in records if r["event"] == "step.end" and r["item"] == "step-2")
    assert step2["result"] == "cancelled"
    assert any(r["event"] == "run.cancelled" and r["signal"] == "SIGINT" for r in records)
    assert records[-1]["result"] == "cancelled" and records[-1]["rollback"] == "success"
    assert [r["result"] for r in records if r["event"] == "step.end" and r["item"] == "step-3"] == ["skipped"]


def test_sigterm_is_handled_like_ctrl_c(project):
    project.write(sop_text([command_step("Wait.", "touch running; sleep 1000")]))
    runner = project.start("sops/demo.md", "--yes")
    try:
        project.wait_for("running")
        runner.send_signal(signal.SIGTERM)
        runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 1
    assert project.log() == ["undo"]


def test_failed_precondition_stops_before_any_step(project):
    project.write(
        sop_text(
            [command_step("One.", "echo 1 >> log")],
            preconditions=["text: The flag file exists\n    command: test -f flag"],
        )
    )
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 5
    assert "precondition pre-1 did not pass" in proc.stderr
    assert project.log() == []
    events = project.events()
    assert "step.start" not in events and "rollback" not in events
    assert project.records()[-1]["result"] == "refused"
    (project.root / "flag").touch()
    assert project.run("sops/demo.md", "--yes").returncode == 0


def test_manual_precondition_needs_a_confirmation(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")], preconditions=["A change ticket is approved."]))
    refused = project.run("sops/demo.md", "--yes")
    assert refused.returncode == 2
    assert "pre-1" in refused.stderr and "--confirm pre-1" in refused.stderr
    assert project.log() == [] and not project.trail().exists()
    proc = project.run("sops/demo.md", "--yes", "--confirm", "pre-1")
    assert proc.returncode == 0, proc.stderr
    approvals = [r for r in project.records() if r["event"] in ("approval", "confirm") and r["item"] == "pre-1"]
    assert {(r["event"], r["by"], r["via"]) for r in approvals} == {
        ("approval", "alice", "--confirm"),
        ("confirm", "alice", "--confirm"),
    }


def test_wrong_role_is_refused(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")], extra="execution_roles: [dba, sre-oncall]\n"))
    wrong = project.run("sops/demo.md", "--yes", "--role", "intern")
    assert wrong.returncode == 5
    assert "role 'intern' may not run SOP demo; allowed roles: dba, sre-oncall" in wrong.stderr
    missing = project.run("sops/demo.md", "--yes")
    assert missing.returncode == 5 and "--role" in missing.stderr
    assert project.log() == []
    refusals = [r for r in project.records() if r["event"] == "refused"]
    assert [r["reason"] for r in refusals] == ["role", "role"]
    assert not list((project.root / ".sopdocs" / "locks").glob("*.lock"))
    assert project.run("sops/demo.md", "--yes", "--role", "dba").returncode == 0
    starts = [r["role"] for r in project.records() if r["event"] == "run.start"]
    assert starts == ["intern", None, "dba"] and project.records()[-1]["result"] == "success"


def test_yes_never_confirms_steps_that_need_a_human(project):
    project.write(
        sop_text(
            [command_step("One.", "echo 1 >> log"), command_step("Two.", "echo 2 >> log", "confirm"), "Tell the team in #ops."]
        )
    )
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 2
    assert "step-2 (step 2/3, needs a human: --confirm step-2)" in proc.stderr
    assert "step-3 (step 3/3, needs a human: --confirm step-3)" in proc.stderr
    assert "step-1" not in proc.stderr
    assert project.log() == []
    no_yes = project.run("sops/demo.md", "--confirm", "step-2", "--confirm", "step-3")
    assert no_yes.returncode == 2 and "step-1 (step 1/3, automated: --yes)" in no_yes.stderr
    ok = project.run("sops/demo.md", "--yes", "--confirm", "step-2", "--confirm", "step-3")
    assert ok.returncode == 0, ok.stderr
    assert project.log() == ["1", "2"]
    confirms = {r["item"]: r["via"] for r in project.records() if r["event"] == "confirm"}
    assert confirms == {"step-1": "--yes", "step-2": "--confirm", "step-3": "--confirm"}


def test_unknown_confirm_id_is_a_usage_error(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    proc = project.run("sops/demo.md", "--yes", "--confirm", "step-9")
    assert proc.returncode == 2 and "--confirm step-9: no such step" in proc.stderr


def test_dry_run_prints_the_plan_and_runs_nothing(project):
    project.write(
        sop_text(
            [
                command_step("Create.", 'touch created; echo "$DATABASE"', "timeout=2m workdir=sub"),
                command_step("Gate.", "true", "confirm"),
            ],
            extra="parameters:\n  database:\n    resource: true\n  token:\n    secret: true\n",
            preconditions=["text: Reachable\n    command: touch probed"],
        )
    )
    proc = project.run("sops/demo.md", "--dry-run", "-p", "database=orders", env={"SOP_PARAM_TOKEN": "s3cr3t-value"})
    assert proc.returncode == 0, "a plan, also without a terminal: it says what a run would need"
    assert "a run without a terminal needs these confirmed in advance" in proc.stderr
    assert "step-2 (step 2/2, needs a human: --confirm step-2)" in proc.stderr
    proc = project.run(
        "sops/demo.md",
        "--dry-run",
        "-p",
        "database=orders",
        "--yes",
        "--confirm",
        "step-2",
        env={"SOP_PARAM_TOKEN": "s3cr3t-value"},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert 'touch created; echo "$DATABASE"' in out
    assert "DATABASE=orders TOKEN=***" in out
    assert f"in {project.root / 'sub'}" in out and "timeout 2m" in out
    assert "locks: SOP demo, resource database=orders" in out
    assert "needs a human (prompt, or --confirm step-2)" in out
    assert "s3cr3t-value" not in out + proc.stderr
    assert not (project.root / "created").exists() and not (project.root / "probed").exists()
    assert not (project.root / ".sopdocs").exists(), "a dry run writes no trail and takes no lock"


def test_dry_run_reports_a_refusal(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")], extra="execution_roles: [dba]\n"))
    proc = project.run("sops/demo.md", "--dry-run", "--yes", "--role", "intern")
    assert proc.returncode == 5 and "would be refused" in proc.stderr
    assert "Step 1/1 [step-1] One." in proc.stdout


def test_dry_run_reports_a_refusal_before_the_confirmations(project):
    project.write(sop_text([command_step("Gate.", "true", "confirm")], extra="execution_roles: [dba]\n"))
    proc = project.run("sops/demo.md", "--dry-run", "--role", "intern")
    assert proc.returncode == 5
    assert "would be refused: role 'intern' may not run SOP demo" in proc.stderr
    assert "confirmed in advance" not in proc.stderr


def test_dry_run_shows_a_value_as_data_that_cannot_pass_for_a_plan_line(project):
    extra = "parameters:\n  database:\n    resource: true\n"
    project.write(sop_text([command_step("Use.", 'echo "$DATABASE"')], extra=extra))
    hostile = "orders\n== Steps\nStep 1/1 [step-1] rm -rf /\"'"
    proc = project.run("sops/demo.md", "--dry-run", "--yes", "-p", f"database={hostile}")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines.count("== Steps") == 1 and not any(line.startswith("Step 1/1 [step-1] rm") for line in lines), proc.stdout
    env_line = next(line for line in lines if line.strip().startswith("environment:"))
    assert env_line.strip() == 'environment: DATABASE="orders\\n== Steps\\nStep 1/1 [step-1] rm -rf /\\"\'"'
    assert any("resource database=orders\\n== Steps" in line for line in lines if "locks:" in line)


def test_retries_rerun_an_idempotent_step(project):
    command = "echo try >> log; test $(grep -c try log) -ge 2"
    project.write(sop_text([command_step("Flaky.", command, "idempotent retries=2")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert project.log() == ["try", "try"]
    ends = [(r["attempt"], r["result"]) for r in project.records() if r["event"] == "step.end"]
    assert ends == [(1, "failure"), (2, "success")]


def test_failing_verify_probe_fails_the_step(project):
    step = command_step("Write.", "echo 1 >> log") + "\n\n   ```bash verify\n   grep -q never log\n   ```"
    project.write(sop_text([step]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 1
    records = project.records()
    probe = next(r for r in records if r["event"] == "probe.end")
    assert (probe["probe"], probe["result"]) == ("step-1-verify-1", "failure")
    end = next(r for r in records if r["event"] == "step.end")
    assert end["result"] == "failure" and end["verify"] == "step-1-verify-1: failure"
    assert project.log() == ["1", "undo"]


def test_verification_section_probe_failure_rolls_back(project):
    body = "\n## Verification\n\n```bash\ntest -f never-there\n```\n"
    project.write(sop_text([command_step("One.", "echo 1 >> log")], body=body))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 1
    assert project.log() == ["1", "undo"]
    assert project.records()[-1]["failed"] == "verify-probe-1"


def test_parameters_reach_commands_as_upper_case_env(project):
    project.write(
        sop_text(
            [command_step("Show.", 'echo "$REPLICAS $DRY $REGION" >> log')],
            extra="parameters:\n  replicas:\n    type: integer\n  dry:\n    type: boolean\n    default: false\n"
            "  region:\n    enum: [eu, us]\n",
        )
    )
    proc = project.run("sops/demo.md", "--yes", "-p", "replicas=3", "-p", "region=eu", env={"SOP_PARAM_DRY": "yes"})
    assert proc.returncode == 0, proc.stderr
    assert project.log() == ["3", "true", "eu"]
    assert project.records()[0]["parameter_sources"] == {"dry": "env", "region": "--param", "replicas": "--param"}
    bad = project.run("sops/demo.md", "--yes", "-p", "replicas=three", "-p", "region=eu")
    assert bad.returncode == 2 and "replicas: 'three' is not a whole number" in bad.stderr
    enum = project.run("sops/demo.md", "--yes", "-p", "replicas=1", "-p", "region=mars")
    assert enum.returncode == 2 and "one of: eu, us" in enum.stderr
    missing = project.run("sops/demo.md", "--yes")
    assert missing.returncode == 2 and "missing required parameters: region (--param region=VALUE), replicas" in missing.stderr
    unknown = project.run("sops/demo.md", "--yes", "-p", "replica=3")
    assert unknown.returncode == 2 and "unknown parameter 'replica'" in unknown.stderr


def test_sop_with_lint_errors_is_refused(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log", "timeout=forever")]))
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 2
    assert "refusing to run an SOP with lint errors" in proc.stderr and "step-attribute-invalid" in proc.stderr
    assert project.log() == []


def _write_manifest(project, sop: Path) -> Path:
    """demo.json in the project root, as `sopdocs export` would write it."""
    manifest = project.root / "demo.json"
    manifest.write_text(dumps(build_manifest(parse_file(sop, sop.relative_to(project.root).as_posix()))))
    return manifest


def test_run_by_sop_id_and_from_a_manifest(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    assert project.run("demo", "--yes").returncode == 0
    missing = project.run("no-such-sop", "--yes")
    assert missing.returncode == 2 and "no SOP with id 'no-such-sop'" in missing.stderr

    manifest = _write_manifest(project, project.root / "sops" / "demo.md")
    proc = project.run("demo.json", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert project.log() == ["1", "1"]
    assert project.records()[-2]["event"] == "lock.released"
    start = [r for r in project.records() if r["event"] == "run.start"][-1]
    assert start["source"]["kind"] == "manifest" and start["source"]["path"] == "sops/demo.md"

    broken = json.loads(manifest.read_text())
    del broken["steps"][0]["timeout_seconds"]
    manifest.write_text(json.dumps(broken))
    invalid = project.run("demo.json", "--yes")
    assert invalid.returncode == 2 and "not a valid sopdocs manifest" in invalid.stderr


def test_rollback_sop_runs_as_the_rollback(project):
    project.write(sop_text([command_step("Undo it all.", "echo undo-sop >> log")], sop_id="demo-undo"), "demo-undo.md")
    project.write(sop_text([command_step("One.", "echo 1 >> log"), command_step("Two.", "exit 1")], rollback="{sop: demo-undo}"))
    proc = project.run("sops/demo.md", "--yes", "--confirm", "demo-undo/pre-1")
    assert proc.returncode == 1, proc.stderr
    assert project.log() == ["1", "undo-sop"]
    assert [r["item"] for r in project.records() if r["event"] == "rollback.end"] == ["demo-undo/pre-1", "demo-undo/step-1"]


def test_manifest_whose_rollback_sop_is_missing_is_refused(project):
    project.write(sop_text([command_step("Undo.", "true")], sop_id="demo-undo"), "demo-undo.md")
    _write_manifest(project, project.write(sop_text([command_step("One.", "echo 1 >> log")], rollback="{sop: demo-undo}")))
    proc = project.run("demo.json", "--yes")
    assert proc.returncode == 2
    assert "the rollback is SOP demo-undo" in proc.stderr and "demo-undo.json does not exist" in proc.stderr
    assert project.log() == []


def test_background_process_does_not_hang_the_step(project):
    project.write(sop_text([command_step("Daemon.", "sleep 600 &\necho $! > daemon.pid")]))
    proc = project.run("sops/demo.md", "--yes", timeout=300)
    daemon = int((project.root / "daemon.pid").read_text())
    # The run ended while the background process still runs: it did not wait for it.
    assert alive(daemon), "a step's background process outlives a successful step"
    os.kill(daemon, signal.SIGKILL)
    assert proc.returncode == 0, proc.stderr


def test_alive_helper_sees_this_process():
    assert alive(os.getpid())


OVERDUE = """---
id: old
title: Old but needed
owner: team-x
last_reviewed: 2024-01-01
preconditions: [Someone is watching.]
rollback:
  - text: Undo
    command: "true"
---
## Steps

1. Say hello.

   ```bash
   echo hello >> log
   ```
"""


def test_an_overdue_sop_still_runs_and_the_trail_records_the_warning(project):
    """Staleness is about trust, not executability: an incident must not be blocked."""
    project.write(OVERDUE, "old.md")
    done = project.run("sops/old.md", "--yes", "--confirm", "pre-1")
    assert done.returncode == 0, done.stderr
    assert "sops/old.md:5:1: warning SOP301 review-overdue: review overdue" in done.stderr
    assert "error SOP301" not in done.stderr + done.stdout
    assert project.log() == ["hello"]
    start = project.records("old")[0]
    assert [w.split(": ", 1)[1].split(":")[0] for w in start["lint_warnings"]] == ["warning SOP301 review-overdue"]


def test_require_current_review_refuses_an_overdue_sop_before_anything_runs(project):
    (project.root / "sopdocs.yml").write_text("paths: [sops]\nrequire_current_review: true\n")
    project.write(OVERDUE, "old.md")
    refused = project.run("sops/old.md", "--yes", "--confirm", "pre-1")
    assert refused.returncode == 2
    assert "its review is not current (`require_current_review` in the config)" in refused.stderr
    assert "sops/old.md:5:1: error SOP301 review-overdue" in refused.stderr
    assert project.log() == [] and not project.trail("old").exists()
