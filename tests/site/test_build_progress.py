"""`sopdocs build` shows progress on a terminal and nothing in a CI log."""

from __future__ import annotations

import os
import pty
import re
import subprocess

import sitekit

SOP = """---
id: sop-{n:03d}
title: Procedure number {n}
owner: team-x
last_reviewed: 2026-11-01
preconditions: [The pager is quiet.]
rollback: [Undo it.]
---

# Procedure number {n}

## Steps

1. Do the thing number {n}.
"""


PHASES = r"(reading SOPs|writing SOP pages|rendering pages)"


def _build_on_a_terminal(project, site, *, ci: bool) -> str:
    """stderr of `sopdocs build` run with a pseudo-terminal as stderr."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SOPDOCS_TODAY")}
    env["SOPDOCS_PROGRESS_DELAY"] = "0"  # every phase of this small build is quicker than the usual delay
    if ci:
        env["CI"] = "true"
    command = [*sitekit.sopdocs_command(), "build", "--today", "2026-11-26", "-d", str(site)]
    main, secondary = pty.openpty()
    process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=secondary, stdin=subprocess.DEVNULL)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal closed: the build is over
            break
        if not data:
            break
        chunks.append(data)
    assert process.wait(timeout=300) == 0
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_build_progress_on_a_terminal_only(tmp_path):
    project = sitekit.make_project(tmp_path / "project", {f"sop-{n:03d}.md": SOP.format(n=n) for n in range(800)})
    on_terminal = _build_on_a_terminal(project, tmp_path / "site-tty", ci=False)
    for phase in ("reading SOPs", "writing SOP pages", "rendering pages"):
        assert re.search(phase + r" [\d,]+/8\d\d", on_terminal), (phase, on_terminal[-2000:])
    in_ci_log = _build_on_a_terminal(project, tmp_path / "site-ci", ci=True)
    assert not re.search(PHASES, in_ci_log), in_ci_log[-2000:]
