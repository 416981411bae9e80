"""Helpers for runner tests: SOPs written from a few lines, and `sopdocs run` as a real
subprocess in a temporary project."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from helpers import RunnerProject, sopdocs_command

SECRET = "Zq!7-xK#p9@wL"


def sop_text(
    steps: list[str],
    *,
    sop_id: str = "demo",
    rollback: list[str] | str | None = None,
    preconditions: list[str] | None = None,
    extra: str = "",
    body: str = "",
) -> str:
    """An SOP from step items (Markdown, each one list item's text after `N. `).

    ``rollback`` and ``preconditions`` are YAML list items (without the `- `).
    """
    rollback = rollback if rollback is not None else ["text: Undo\n    command: echo undo >> log"]
    pre = preconditions or ["text: The shell works\n    command: 'true'"]

    def yaml_list(entries: list[str] | str) -> str:
        if isinstance(entries, str):
            return " " + entries + "\n"
        return "\n" + "".join(f"  - {e}\n" for e in entries)

    items = "\n".join(f"{n}. {step}\n" for n, step in enumerate(steps, start=1))
    return (
        f"---\nid: {sop_id}\ntitle: Demo procedure {sop_id}\nowner: team-sre\nlast_reviewed: 2026-10-01\n{extra}"
        f"preconditions:{yaml_list(pre)}rollback:{yaml_list(rollback)}---\n\n# Demo\n\n## Steps\n\n{items}{body}"
    )


def command_step(title: str, command: str, attributes: str = "") -> str:
    lines = "\n".join("   " + line for line in command.split("\n"))
    return f"{title}\n\n   ```bash{(' ' + attributes) if attributes else ''}\n{lines}\n   ```"


@dataclass
class Project(RunnerProject):
    """A runner test's project: SOPs under sops/ (see conftest.py)."""

    def write(self, text: str, name: str = "demo.md") -> Path:
        path = self.root / "sops" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def argv(self, *args: str) -> list[str]:
        return [*sopdocs_command(), "run", *args]

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60, defaults: bool = True
    ) -> subprocess.CompletedProcess:
        """`sopdocs run ARGS --actor alice --kill-grace 0.5` without a terminal."""
        more = ["--actor", "alice", "--kill-grace", "0.5"] if defaults else []
        return subprocess.run(
            self.argv(*args, *more),
            check=False,
            cwd=self.root,
            env=self.env(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv(*args, "--actor", "alice", "--kill-grace", "0.5"),
            cwd=self.root,
            env=self.env(env),
            stdin=kwargs.pop("stdin", subprocess.DEVNULL),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )

    def events(self, sop_id: str = "demo") -> list[str]:
        return [r["event"] for r in self.records(sop_id)]

    def log(self) -> list[str]:
        path = self.root / "log"
        return path.read_text().split() if path.exists() else []

    def wait_for(self, name: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not (self.root / name).exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not appear within {timeout}s")
            time.sleep(0.05)


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def wait_gone(pid: int, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
