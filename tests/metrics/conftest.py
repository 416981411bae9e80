"""Fixtures for the metrics tests: one catalog project whose SOPs the real runner has
run through every outcome (built once per session), and its metrics.

The runs, in order (`label: what happens`):

alpha 1.0.0 (owner team-sre; step 1 needs a human, `--confirm step-1`):
  a1 success, verification check confirmed too (2 manual confirmations)
  a2 success (1; the check is left to a human: `skipped`)
  a3 step 2 fails, rollback succeeds
  a4 step 2 times out (1 s), rollback succeeds
  a5 step 2's verify probe fails, rollback succeeds
  a6 step 2 fails, the rollback fails (exit 4, the lock is kept)
  a7 refused: the lock a6 kept (exit 5; an `approval` record, no confirmation)
alpha 2.0.0:
  a8 success, breaking a6's stale lock
beta (owner team-data, no version):
  b1 success, b2 cancelled by SIGINT (rollback succeeds), b3 success,
  b4 the runner is killed (SIGKILL) mid-step: no run.end
gamma (owner team-sre), in its own trail file gamma-trail.jsonl:
  g1 success, g2 failure; then g2's step.end is edited: the chain breaks there
ghost-sop (an owner and title full of markup): k1 success; then its file is removed
  from the catalog, so the site knows it only from the trail
delta: in the catalog, never run
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import metricskit as kit


@dataclass
class Scenario:
    project: kit.Project
    gamma_trail: Path
    tampered_line: int  # 1-based line of the edited record in gamma_trail

    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def runs(self) -> dict[str, str]:
        return self.project.runs

    def trails(self) -> list[Path]:
        return [self.project.trail("alpha"), self.project.trail("beta"), self.project.trail("ghost-sop"), self.gamma_trail]

    def records(self, label: str) -> kit.RunRecords:
        run_id = self.runs[label]
        for trail in self.trails():
            found = kit.runs_of(trail).get(run_id)
            if found:
                return found
        raise KeyError(label)


def _tamper(trail: Path, run_id: str) -> int:
    lines = trail.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if f'"run":"{run_id}"' in line and '"event":"step.end"' in line and '"result":"failure"' in line:
            lines[index] = line.replace('"result":"failure"', '"result":"success"')
            trail.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return index + 1
    raise AssertionError("no step.end to edit")


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> Scenario:
    project = kit.Project.create(tmp_path_factory.mktemp("metrics") / "project")
    for name, text in (
        ("alpha", kit.ALPHA.format(version="1.0.0")),
        ("beta", kit.BETA),
        ("gamma", kit.GAMMA),
        ("delta", kit.DELTA),
        ("ghost-sop", kit.GHOST),
    ):
        project.write(name, text)
    run = project.run
    run("a1", "alpha", "--yes", "--confirm", "step-1", "--confirm", "verify-1", expect=0)
    run("a2", "alpha", "--yes", "--confirm", "step-1", expect=0)
    run("a3", "alpha", "--yes", "--confirm", "step-1", "-p", "mode=fail", expect=1)
    run("a4", "alpha", "--yes", "--confirm", "step-1", "-p", "mode=hang", expect=1)
    run("a5", "alpha", "--yes", "--confirm", "step-1", "-p", "mode=badprobe", expect=1)
    run("a6", "alpha", "--yes", "--confirm", "step-1", "-p", "mode=badundo", expect=4)
    run("a7", "alpha", "--yes", "--confirm", "step-1", expect=5)
    project.write("alpha", kit.ALPHA.format(version="2.0.0"))
    run("a8", "alpha", "--yes", "--confirm", "step-1", "--break-stale-lock", expect=0)

    run("b1", "beta", "--yes", expect=0)
    project.interrupt("b2", "beta", "--yes", "-p", "mode=wait", sig=signal.SIGINT, expect=1)
    run("b3", "beta", "--yes", expect=0)
    project.interrupt("b4", "beta", "--yes", "-p", "mode=wait", sig=signal.SIGKILL, expect=None)

    gamma_trail = project.root / "gamma-trail.jsonl"
    run("g1", "gamma", "--yes", expect=0, trail=gamma_trail)
    run("g2", "gamma", "--yes", "-p", "mode=fail", expect=1, trail=gamma_trail)
    line = _tamper(gamma_trail, project.runs["g2"])

    run("k1", "ghost-sop", "--yes", expect=0)
    (project.root / "content" / "ghost-sop.md").unlink()
    return Scenario(project, gamma_trail, line)


@pytest.fixture(scope="session")
def metrics_json(scenario) -> dict:
    """`sopdocs metrics --format json` over the audit directory and gamma's trail."""
    import json

    proc = scenario.project.sopdocs("metrics", ".sopdocs/audit", "gamma-trail.jsonl", "--format", "json", "--today", "2026-11-26")
    assert proc.returncode == 1, proc.stderr  # gamma's chain is broken
    return json.loads(proc.stdout)


# --- the site ---------------------------------------------------------------------------



@dataclass
class SiteBuild:
    site: Path
    metrics: Path
    stderr: str

    def html(self, url: str) -> str:
        return (self.site / url / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def metrics_site(scenario) -> SiteBuild:
    """The catalog (alpha, beta, gamma, delta; ghost-sop removed) built with
    `sopdocs build --metrics metrics.json`, as of SITE_TODAY."""
    metrics = scenario.root / "metrics.json"
    made = scenario.project.sopdocs("metrics", ".sopdocs/audit", "gamma-trail.jsonl", "--format", "json", "-o", str(metrics))
    assert made.returncode == 1, made.stderr  # gamma's broken chain
    site = scenario.root / "SITE"
    build = scenario.project.sopdocs("build", "--today", kit.SITE_TODAY, "-d", str(site), "--metrics", "metrics.json")
    assert build.returncode == 0, build.stderr
    return SiteBuild(site, metrics, build.stderr)
