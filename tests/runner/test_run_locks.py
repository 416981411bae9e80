"""Run locks: a second run of the same SOP, or on the same resource, is refused at once
and told who holds the lock; a lock of a dead process is broken only on request."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from runkit import command_step, sop_text, wait_gone

WAIT = command_step("Hold.", "touch running; while [ ! -f release ]; do sleep 0.05; done")
RESOURCE = "parameters:\n  database:\n    resource: true\n"


def _finish(runner: subprocess.Popen, project) -> tuple[str, str]:
    (project.root / "release").touch()
    try:
        return runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()


def test_concurrent_second_run_is_refused(project):
    project.write(sop_text([WAIT]))
    first = project.start("sops/demo.md", "--yes", "--role", "sre")
    try:
        project.wait_for("running")
        second = project.run("sops/demo.md", "--yes", "--actor", "bob", defaults=False)
    finally:
        _, err = _finish(first, project)
    assert first.returncode == 0, err
    assert second.returncode == 5
    message = second.stderr
    assert "SOP demo is locked by alice (role sre) on " + socket.gethostname() in message
    assert f"pid {first.pid}" in message and "since 20" in message and "held by a running process" in message
    assert "--break-stale-lock" not in message
    records = project.records()
    refused = [r for r in records if r["event"] == "refused"]
    assert len(refused) == 1 and refused[0]["reason"] == "lock"
    assert next(r for r in records if r["run"] == refused[0]["run"] and r["event"] == "run.start")["actor"] == "bob"


def test_resource_lock_serialises_different_sops(project):
    project.write(sop_text([WAIT], extra=RESOURCE))
    project.write(sop_text([command_step("Other.", "echo other >> log")], sop_id="other", extra=RESOURCE), "other.md")
    first = project.start("sops/demo.md", "--yes", "-p", "database=orders")
    try:
        project.wait_for("running")
        same = project.run("sops/other.md", "--yes", "-p", "database=orders")
        different = project.run("sops/other.md", "--yes", "-p", "database=billing")
    finally:
        _finish(first, project)
    assert same.returncode == 5 and "resource database=orders is locked by alice" in same.stderr
    assert different.returncode == 0, different.stderr
    assert project.log() == ["other"]
    # The refused run had taken the SOP's own lock first: its trail says it let it go.
    records = project.records("other")
    refused = next(r for r in records if r["event"] == "refused")
    events = [(r["event"], r.get("lock") or r.get("locks")) for r in records if r["run"] == refused["run"]]
    assert events[events.index(("lock.acquired", "SOP other")) + 1] == ("lock.released", ["SOP other"]), events
    assert events.index(("lock.released", ["SOP other"])) < events.index(("refused", None))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_lock_is_detected_and_broken_only_on_request(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    locks = project.root / ".sopdocs" / "locks"
    locks.mkdir(parents=True)
    stale = {
        "run": "old-run",
        "sop": "demo",
        "actor": "carol",
        "role": None,
        "host": socket.gethostname(),
        "pid": _dead_pid(),
        "pid_start": None,
        "since": "2026-11-25T08:00:00.000Z",
    }
    (locks / "sop-demo.lock").write_text(json.dumps(stale))

    refused = project.run("sops/demo.md", "--yes")
    assert refused.returncode == 5
    assert "locked by carol" in refused.stderr and "since 2026-11-25T08:00:00.000Z" in refused.stderr
    assert "stale" in refused.stderr and "--break-stale-lock" in refused.stderr
    assert project.log() == []

    proc = project.run("sops/demo.md", "--yes", "--break-stale-lock")
    assert proc.returncode == 0, proc.stderr
    assert "broke the stale lock on SOP demo" in proc.stderr
    assert project.log() == ["1"]
    broken = [r for r in project.records() if r["event"] == "lock.broken"]
    assert len(broken) == 1 and broken[0]["previous"]["actor"] == "carol" and broken[0]["previous"]["run"] == "old-run"
    assert not (locks / "sop-demo.lock").exists()


def test_live_lock_is_not_broken_by_the_flag(project):
    project.write(sop_text([WAIT]))
    first = project.start("sops/demo.md", "--yes")
    try:
        project.wait_for("running")
        second = project.run("sops/demo.md", "--yes", "--break-stale-lock")
    finally:
        _finish(first, project)
    assert second.returncode == 5 and "held by a running process" in second.stderr
    assert first.returncode == 0


def test_lock_from_another_host_is_never_stale(project):
    project.write(sop_text([command_step("One.", "echo 1 >> log")]))
    locks = project.root / ".sopdocs" / "locks"
    locks.mkdir(parents=True)
    other = {"run": "r", "sop": "demo", "actor": "dave", "host": "elsewhere.example", "pid": 1, "since": "2026-11-26T01:00:00Z"}
    (locks / "sop-demo.lock").write_text(json.dumps(other))
    proc = project.run("sops/demo.md", "--yes", "--break-stale-lock")
    assert proc.returncode == 5
    assert "on elsewhere.example" in proc.stderr and "another host" in proc.stderr
    assert project.log() == []


def test_crashed_runner_leaves_a_stale_lock(project):
    project.write(sop_text([WAIT]))
    first = project.start("sops/demo.md", "--yes")
    try:
        project.wait_for("running")
        first.kill()  # SIGKILL: no handler, no cleanup; the step's command runs on alone
        first.wait(timeout=10)
        orphan = project.run("sops/demo.md", "--yes", "--break-stale-lock")
    finally:
        (project.root / "release").touch()
    assert orphan.returncode == 5
    assert "the command it started (process group" in orphan.stderr and "still running" in orphan.stderr
    lock = json.loads((project.root / ".sopdocs" / "locks" / "sop-demo.lock").read_text())
    assert wait_gone(lock["command_pgid"])
    proc = project.run("sops/demo.md", "--yes")
    assert proc.returncode == 5 and "stale" in proc.stderr
    assert project.run("sops/demo.md", "--yes", "--break-stale-lock").returncode == 0
