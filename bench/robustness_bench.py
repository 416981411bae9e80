"""Hostile input and runner timing: what the tests check as behaviour, measured as speed.

The tests assert that an alias bomb is cut off, that an oversized file is never read,
that a step is killed on its timeout and that a background process does not hold a
run. How fast each of those happens is measured here, each beside a baseline taken in
the same run (these machines are noisy):

- lint of an alias-bomb SOP vs lint of an ordinary SOP (wall time, peak traced memory);
- lint of a 512 MiB sparse SOP file (over the size limit) vs the ordinary SOP;
- `sopdocs run` of a step that sleeps 30 s with `timeout=1s` vs a step that sleeps 1 s:
  the difference is how long the runner takes to notice the timeout and kill the step;
- `sopdocs run` of a step that leaves `sleep 600 &` behind vs a step that does not.

    .venv/bin/python bench/robustness_bench.py [--repeat 5]

Prints a Markdown table (median, min, max of the repeats) and the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit

REPO = Path(__file__).resolve().parents[1]
ORDINARY = (REPO / "tests" / "fixtures" / "valid" / "minimal.md").read_text(encoding="utf-8")


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for below, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * width) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n\n# Bomb\n"


def lint_once(path: Path) -> tuple[float, int]:
    """Wall seconds and peak traced bytes of linting one file, in this process."""
    from sopdocs.core.config import config_from_dict
    from sopdocs.lint.files import lint_paths

    conf = config_from_dict({}, root=path.parent)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        lint_paths([path], conf, dt.date(2026, 11, 26), cwd=path.parent)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return elapsed, peak


def sop_with_step(command: str, attributes: str = "") -> str:
    return (
        "---\nid: bench\ntitle: Bench\nowner: team-sre\nlast_reviewed: 2026-10-01\n"
        "preconditions:\n  - text: ok\n    command: 'true'\nrollback:\n  - text: undo\n    command: 'true'\n"
        "---\n\n# Bench\n\n## Steps\n\n"
        f"1. Run.\n\n   ```bash{(' ' + attributes) if attributes else ''}\n   {command}\n   ```\n"
    )


def run_once(root: Path, text: str) -> float:
    (root / "sops").mkdir(exist_ok=True)
    (root / "sops" / "bench.md").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPDOCS_")}
    env.update({"SOPDOCS_TODAY": "2026-11-26", "NO_COLOR": "1"})
    sopdocs = Path(sys.executable).with_name("sopdocs")
    started = time.perf_counter()
    proc = subprocess.run(
        [str(sopdocs), "run", "sops/bench.md", "--yes", "--actor", "bench", "--kill-grace", "0.5"],
        cwd=root, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1) or "Run " not in proc.stdout:
        raise SystemExit(f"the benchmark's run did not start (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    pid_file = root / "daemon.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass
        pid_file.unlink()
    return elapsed


def stats(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    scaled = [v * scale for v in values]
    return f"{statistics.median(scaled):.{digits}f} ({min(scaled):.{digits}f}–{max(scaled):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
        files = {"ordinary": root / "ordinary.md", "alias bomb": root / "bomb.md", "512 MiB file": root / "huge.md"}
        files["ordinary"].write_text(ORDINARY, encoding="utf-8")
        files["alias bomb"].write_text(alias_bomb(), encoding="utf-8")
        with files["512 MiB file"].open("wb") as handle:
            handle.write(ORDINARY.encode())
            handle.truncate(512 * 1024 * 1024)
        lint = {name: [] for name in files}
        lint_once(files["ordinary"])  # warm-up: imports
        for _ in range(args.repeat):  # interleaved: each round measures every case
            for name, path in files.items():
                lint[name].append(lint_once(path))
        runs = {
            "step `sleep 1`": sop_with_step("sleep 1"),
            "step `sleep 30`, timeout=1s": sop_with_step("sleep 30", "timeout=1s"),
            "step `true`": sop_with_step("true"),
            "step leaves `sleep 600 &`": sop_with_step("sleep 600 & echo $! > daemon.pid"),
        }
        timing = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, text in runs.items():
                timing[name].append(run_once(root, text))

    print(f"Machine: {benchkit.cpus()} CPUs ({benchkit.cpu_model()}), {(benchkit.mem_total_kib() or 0) // 1024} MiB, "
          f"Python {sys.version.split()[0]}; {args.repeat} interleaved rounds; median (min–max)\n")  # fmt: skip
    print("| lint one file | wall ms | peak traced KiB |")
    print("| --- | ---: | ---: |")
    for name, results in lint.items():
        print(f"| {name} | {stats([r[0] for r in results], 1000, 1)} | {stats([r[1] for r in results], 1 / 1024, 0)} |")
    print("\n| `sopdocs run`, whole process | wall s |")
    print("| --- | ---: |")
    for name, values in timing.items():
        print(f"| {name} | {stats(values)} |")
    kill = [t - b for t, b in zip(timing["step `sleep 30`, timeout=1s"], timing["step `sleep 1`"])]
    held = [t - b for t, b in zip(timing["step leaves `sleep 600 &`"], timing["step `true`"])]
    print(f"\nTimeout to kill (timeout run − 1 s run, same round): {stats(kill)} s")
    print(f"Background process drain (daemon run − plain run, same round): {stats(held)} s")


if __name__ == "__main__":
    main()
