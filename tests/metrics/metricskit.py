"""Helpers for the metrics tests: a catalog project whose SOPs are run by the real
runner (`sopdocs run` subprocesses), the trails that leaves, and small independent
computations to check figures against."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers import RunnerProject, sopdocs_command

from sopdocs.run import audit

# The site builds' day: more than 90 days after the runs, so alpha, beta and gamma are
# "not run for a long time". (Here, not in conftest: `from conftest import` picks
# whichever conftest module was imported first when several test folders run.)
SITE_TODAY = "2027-03-15"

REPO = Path(__file__).resolve().parents[2]
MKDOCS_YML = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
SOPDOCS_YML = "paths: [content]\nreview_in: 6 months\ndue_soon_days: 30\n"

ALPHA = """---
id: alpha
title: Alpha procedure
owner: team-sre
version: "{version}"
last_reviewed: 2026-10-01
parameters:
  mode:
    description: How step 2 behaves
    default: ok
preconditions:
  - text: The shell works
    command: 'true'
rollback:
  - text: Undo step 2
    command: test "$MODE" != badundo
---

# Alpha

## Steps

1. Announce.

   ```bash confirm
   echo announce
   ```

2. Change.

   ```bash timeout=1s
   case "$MODE" in fail|badundo) exit 1;; hang) sleep 30;; esac
   ```

   ```bash verify
   test "$MODE" != badprobe
   ```

## Verification

- The change is visible.
"""

BETA = """---
id: beta
title: Beta procedure
owner: team-data
last_reviewed: 2026-10-01
parameters:
  mode:
    description: How the step behaves
    default: ok
preconditions:
  - text: The shell works
    command: 'true'
rollback:
  - text: Undo
    command: echo undo
---

# Beta

## Steps

1. Work.

   ```bash
   if [ "$MODE" = wait ]; then echo $$ > step.pid; touch running; sleep 1000; fi
   ```
"""

GAMMA = """---
id: gamma
title: Gamma procedure
owner: team-sre
last_reviewed: 2026-10-01
parameters:
  mode:
    description: How the step behaves
    default: ok
preconditions:
  - text: The shell works
    command: 'true'
rollback:
  - text: Undo
    command: echo undo
---

# Gamma

## Steps

1. Work.

   ```bash
   test "$MODE" != fail
   ```
"""

DELTA = """---
id: delta
title: Delta never run
owner: team-data
last_reviewed: 2026-10-01
preconditions:
  - The on-call engineer is present.
rollback:
  - Nothing to undo.
---

# Delta

## Steps

1. Look at the dashboard.
"""

GHOST_OWNER = "<img src=x onerror=alert(1)>"
GHOST = f"""---
id: ghost-sop
title: "<script>alert(1)</script> Ghost"
owner: "{GHOST_OWNER}"
last_reviewed: 2026-10-01
preconditions:
  - text: The shell works
    command: 'true'
rollback:
  - text: Undo
    command: echo undo
---

# Ghost

## Steps

1. Work.

   ```bash
   true
   ```
"""


@dataclass
class Project(RunnerProject):
    """The metrics scenario's project: SOPs under content/, a site to build."""

    runs: dict[str, str] = field(default_factory=dict)  # label -> run id, in the order run

    @classmethod
    def create(cls, root: Path) -> Project:
        (root / "content").mkdir(parents=True)
        (root / "sopdocs.yml").write_text(SOPDOCS_YML, encoding="utf-8")
        (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
        return cls(root)

    def write(self, name: str, text: str) -> Path:
        path = self.root / "content" / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        return path

    def _argv(self, sop_id: str, args: tuple[str, ...]) -> list[str]:
        return [*sopdocs_command(), "run", f"content/{sop_id}.md", "--actor", "alice", "--kill-grace", "0.5", *args]

    def _note(self, label: str, sop_id: str, trail: Path | None) -> None:
        records = read_records(trail or self.trail(sop_id))
        self.runs[label] = records[-1]["run"]

    def run(self, label: str, sop_id: str, *args: str, expect: int, trail: Path | None = None) -> None:
        """`sopdocs run` without a terminal; remembers the new run's id under ``label``."""
        more = ("--audit", str(trail)) if trail else ()
        proc = subprocess.run(
            self._argv(sop_id, (*args, *more)),
            cwd=self.root,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == expect, f"{label}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        self._note(label, sop_id, trail)

    def interrupt(self, label: str, sop_id: str, *args: str, sig: int, expect: int | None) -> None:
        """Start a run whose step waits, then send ``sig`` to the runner. With SIGKILL
        the runner dies without a word: the step's process group is killed by hand."""
        marker = self.root / "running"
        marker.unlink(missing_ok=True)
        runner = subprocess.Popen(
            self._argv(sop_id, args),
            cwd=self.root,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not marker.exists():
                assert runner.poll() is None, runner.communicate()
                assert time.monotonic() < deadline, "the step did not start"
                time.sleep(0.05)
            runner.send_signal(sig)
            out, err = runner.communicate(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()
        if sig == signal.SIGKILL:
            step = int((self.root / "step.pid").read_text())
            try:
                os.killpg(step, signal.SIGKILL)  # the step runs in its own session
            except ProcessLookupError:
                pass
        else:
            assert runner.returncode == expect, f"{label}: exit {runner.returncode}\n{out}\n{err}"
        self._note(label, sop_id, None)


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def when(record: dict) -> dt.datetime:
    return dt.datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def ms_between(a: dict, b: dict) -> int:
    return round((when(b) - when(a)).total_seconds() * 1000)


@dataclass
class RunRecords:
    """One run's records, for computing expected figures by hand."""

    records: list[dict]

    @property
    def start(self) -> dict:
        return self.records[0]

    @property
    def end(self) -> dict:
        assert self.records[-1]["event"] == "run.end"
        return self.records[-1]

    def duration_ms(self) -> int:
        return ms_between(self.start, self.end)

    def first(self, events: tuple[str, ...], results: tuple[str, ...]) -> dict:
        return next(r for r in self.records if r["event"] in events and r.get("result") in results)


def runs_of(trail: Path) -> dict[str, RunRecords]:
    grouped: dict[str, list[dict]] = {}
    for record in read_records(trail):
        grouped.setdefault(record["run"], []).append(record)
    return {run_id: RunRecords(records) for run_id, records in grouped.items()}


def seconds(ms: float) -> float:
    return round(ms / 1000, 3)


def nth_smallest(values: list[int], n: int) -> float:
    """The n-th smallest (from 1) in seconds: percentiles are stated by rank in tests."""
    return seconds(sorted(values)[n - 1])


# --- trails with a chosen clock ------------------------------------------------------

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class Writer:
    """Appends records to one trail with a clock the test sets."""

    def __init__(self, path: Path, monkeypatch) -> None:
        self.path = path
        self.now = T0
        monkeypatch.setattr(audit, "utc_now", lambda: self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z"))

    def record(self, run_id: str, at: float, event: str, **fields) -> None:
        self.now = T0 + dt.timedelta(seconds=at)
        audit.AuditTrail(self.path, run_id).append(event, **fields)

    def start(self, run_id: str, at: float, sop_id: str = "s", version: str | None = "1", owner: str = "team") -> None:
        self.record(run_id, at, "run.start", sop={"id": sop_id, "title": f"SOP {sop_id}", "version": version, "owner": owner})

    def run(
        self,
        run_id: str,
        at: float,
        seconds: float,
        result: str = "success",
        *,
        sop_id: str = "s",
        rollback: str = "not-needed",
        **kw,
    ) -> None:
        """A whole run: start, one step, (a rollback), end ``seconds`` later."""
        self.start(run_id, at, sop_id, **kw)
        self.record(run_id, at, "step.start", item="step-1", attempt=1)
        step_result = "success" if result in ("success", "refused") else result
        self.record(run_id, at + seconds / 2, "step.end", item="step-1", attempt=1, result=step_result)
        if rollback != "not-needed":
            self.record(run_id, at + seconds / 2, "rollback", actions=["rollback-1"])
            self.record(run_id, at + seconds / 2, "rollback.start", item="rollback-1", attempt=1)
            self.record(run_id, at + seconds / 2, "rollback.end", item="rollback-1", attempt=1, result="success")
        self.record(run_id, at + seconds, "run.end", result=result, rollback=rollback)
