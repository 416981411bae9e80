"""A reader that stops reading (`sopdocs ... | head`) ends a command quietly, as it ends
`grep` (SIGPIPE, no message) — but never a run, which finishes and records its end."""

from __future__ import annotations

import json
import signal
import subprocess

from helpers import MINIMAL, cli, cli_env, sopdocs_command


def test_a_closed_pipe_ends_a_command_quietly(tmp_path):
    # Enough findings that the report cannot fit in the pipe before the reader leaves.
    for number in range(1500):
        (tmp_path / f"note-{number:04d}.md").write_text("no front matter\n", encoding="utf-8")
    process = subprocess.Popen(
        [*sopdocs_command(), "lint", ".", "--format", "json", "--no-cache", "--today", "2026-11-26"],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert first == b"{\n"
    assert process.returncode == -signal.SIGPIPE
    assert stderr == b"", stderr  # no traceback, no "Exception ignored"


def test_a_run_whose_reader_went_away_still_finishes_and_records_its_end(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    (tmp_path / "sops").mkdir()
    steps = "\n## Steps\n\n1. One.\n\n   ```bash\n   sleep 0.3; echo one >> log\n   ```\n\n2. Two.\n\n   ```bash\n   echo two >> log\n   ```\n"
    sop = MINIMAL.split("\n## Steps", 1)[0].replace("- The on-call engineer", "- text: ok\n    command: 'true'\n  # was: The on-call engineer")
    (tmp_path / "sops" / "demo.md").write_text(sop + steps, encoding="utf-8")
    process = subprocess.Popen(
        [*sopdocs_command(), "run", "sops/demo.md", "--yes", "--actor", "ana"],
        cwd=tmp_path, env=cli_env({"SOPDOCS_TODAY": "2026-11-26"}), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    process.stdout.close()  # nobody reads what the run prints
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert process.returncode == 0, stderr
    assert (tmp_path / "log").read_text().split() == ["one", "two"]
    trail = (tmp_path / ".sopdocs" / "audit" / "restart-api.jsonl").read_text().splitlines()
    assert json.loads(trail[-1])["event"] == "run.end" and json.loads(trail[-1])["result"] == "success"
    assert cli("audit", "verify", str(tmp_path / ".sopdocs" / "audit" / "restart-api.jsonl"), cwd=tmp_path).returncode == 0


def test_rules_into_head_shows_the_first_line_and_ends_quietly(tmp_path):
    pipeline = subprocess.run(
        ["bash", "-c", '"$@" | head -1; echo "status ${PIPESTATUS[0]}" >&2', "-", *sopdocs_command(), "rules"],
        cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert pipeline.stdout.startswith("SOP001  file-unreadable") and pipeline.stdout.count("\n") == 1
    # 0 when all of it fitted in the pipe before head left; 141 (SIGPIPE) otherwise; never 1.
    assert pipeline.stderr in ("status 0\n", "status 141\n"), pipeline.stderr
