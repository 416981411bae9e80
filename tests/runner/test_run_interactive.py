"""On a terminal the runner asks before each step; `--yes` answers for automated steps
only. The terminal is a pseudo-terminal whose answers are typed in advance."""

from __future__ import annotations

import os
import subprocess

from runkit import command_step, sop_text


def _run_on_a_terminal(project, answers: str, *args: str) -> subprocess.CompletedProcess:
    controller, terminal = os.openpty()
    try:
        os.write(controller, answers.encode())
        runner = project.start("sops/demo.md", *args, stdin=terminal)
        try:
            out, err = runner.communicate(timeout=30)
        finally:
            if runner.poll() is None:
                runner.kill()
    finally:
        os.close(terminal)
        os.close(controller)
    return subprocess.CompletedProcess(runner.args, runner.returncode, out, err)


STEPS = [command_step("One.", "echo 1 >> log"), command_step("Two.", "echo 2 >> log", "confirm")]


def test_yes_on_a_terminal_still_asks_for_confirm_steps(project):
    project.write(sop_text(STEPS))
    proc = _run_on_a_terminal(project, "y\n", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Run it? [y/N]") == 1
    assert project.log() == ["1", "2"]
    confirms = [(r["item"], r["via"]) for r in project.records() if r["event"] == "confirm"]
    assert confirms == [("step-1", "--yes"), ("step-2", "prompt")]


def test_declining_a_step_cancels_and_rolls_back(project):
    project.write(sop_text(STEPS))
    proc = _run_on_a_terminal(project, "y\nn\ny\n")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("Run it? [y/N]") == 3
    assert project.log() == ["1", "undo"]
    records = project.records()
    declined = next(r for r in records if r["event"] == "step.end" and r["item"] == "step-2")
    assert (declined["result"], declined["reason"]) == ("cancelled", "declined")
    assert records[-1]["result"] == "cancelled" and records[-1]["rollback"] == "success"


def test_declining_the_first_step_leaves_nothing_to_roll_back(project):
    project.write(sop_text(STEPS))
    proc = _run_on_a_terminal(project, "n\n")
    assert proc.returncode == 1
    assert "nothing to roll back" in proc.stderr
    assert project.log() == []
    assert "rollback" not in project.events()
