"""The cost of the keyed audit trail: writing and verifying a trail of N records with and
without a key, interleaved in the same run (these machines are noisy).

    .venv/bin/python bench/audit_bench.py [--records 10000] [--repeat 3]

Writing goes through sopdocs.run.audit.AuditTrail.append, as a run writes: one record
per call, under the file lock, fsync'ed. Verifying is `sopdocs audit verify`'s check
(verify_file), in this process. Prints a Markdown table (median, min–max) and the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit

from sopdocs.run.audit import AuditTrail, verify_file

KEY = b"bench key, 32 bytes of it......."


def write(path: Path, records: int, key: bytes | None) -> float:
    trail = AuditTrail(path, "bench-run", key)
    trail.open()
    started = time.perf_counter()
    for number in range(records):
        trail.append("step.end", item=f"step-{number % 12}", attempt=1, result="success", exit_code=0, duration_ms=41)
    return time.perf_counter() - started


def verify(path: Path, key: bytes | None) -> float:
    started = time.perf_counter()
    result = verify_file(path, key)
    elapsed = time.perf_counter() - started
    assert result.ok and result.keyed == (key is not None), result
    return elapsed


def stats(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    timings: dict[str, list[float]] = {name: [] for name in ("write plain", "write keyed", "verify plain", "verify keyed")}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeat):
            for name, key in (("plain", None), ("keyed", KEY)):
                path = Path(tmp) / f"{name}-{round_}.jsonl"
                timings[f"write {name}"].append(write(path, args.records, key))
                timings[f"verify {name}"].append(verify(path, key))
        size = {name: (Path(tmp) / f"{name}-0.jsonl").stat().st_size for name in ("plain", "keyed")}
    print(f"Machine: {benchkit.cpus()} CPUs ({benchkit.cpu_model()}), {(benchkit.mem_total_kib() or 0) // 1024} MiB, "
          f"Python {sys.version.split()[0]}; {args.records:,} records, {args.repeat} interleaved rounds; median (min–max)\n")  # fmt: skip
    print("| trail | write s | verify s | file |")
    print("| --- | ---: | ---: | ---: |")
    for name in ("plain", "keyed"):
        print(f"| {name} | {stats(timings[f'write {name}'])} | {stats(timings[f'verify {name}'])} | {size[name] / 2**20:.1f} MiB |")


if __name__ == "__main__":
    main()
