"""Benchmark `sopdocs lint` against the `check-jsonschema` baseline.

    python bench/lint_bench.py [--sizes 1000,10000] [--repeat 1] [--profile]

For each size: generate a catalog of synthetic lint-clean SOPs (bench/generate.py) into
bench/out/catalog-N/, extract every front matter to a YAML file, then measure in the
same run

* sopdocs:  `sopdocs lint sops --today 2026-11-26 --format json -o report.json`
            (catalog checks on, config with the generator's owners), and
* baseline: `check-jsonschema --schemafile schema/sop.schema.json yaml/*.yaml`
            (schema only; split into batches only if the command line would be too long).

Each measured command runs under a fresh `python` wrapper that reports wall time and
`getrusage(RUSAGE_CHILDREN).ru_maxrss` (the peak RSS of the largest child). Both tools
must succeed: sopdocs with 0 errors and 0 warnings on N files, check-jsonschema with
exit status 0. With --repeat R the best (lowest) wall time of R runs is reported;
every run is in bench/out/lint_results.json.

--profile also runs sopdocs once under cProfile at the largest size and writes the top
functions to bench/out/lint_profile-N.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

TODAY = "2026-11-26"
SCHEMA = REPO / "schema" / "sop.schema.json"

# Runs the commands read from stdin (JSON), one after another, and prints wall time and
# the children's peak RSS. A fresh interpreter, so RUSAGE_CHILDREN covers only them.
WRAPPER = r"""
import json, resource, subprocess, sys, time
spec = json.load(sys.stdin)
rcs = []
with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
    start = time.perf_counter()
    for cmd in spec["commands"]:
        rcs.append(subprocess.run(cmd, cwd=spec["cwd"], stdout=out, stderr=err).returncode)
    wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "maxrss_kb": usage.ru_maxrss, "user_s": usage.ru_utime,
                  "sys_s": usage.ru_stime, "returncodes": rcs}))
"""


def tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        sys.exit(f"lint_bench: `{name}` not found next to {sys.executable} or on PATH")
    return found


def measure(commands: list[list[str]], cwd: Path, stdout: Path, stderr: Path) -> dict:
    spec = {"commands": commands, "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr)}
    done = subprocess.run([sys.executable, "-c", WRAPPER], input=json.dumps(spec), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def batches(prefix: list[str], args: list[str]) -> list[list[str]]:
    """Split args like xargs so that no command line exceeds half of ARG_MAX."""
    try:
        limit = os.sysconf("SC_ARG_MAX") // 2
    except (ValueError, OSError):
        limit = 128 * 1024
    limit -= sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    base = sum(len(a) + 1 + 8 for a in prefix)
    out, current, size = [], [], base
    for arg in args:
        cost = len(arg) + 1 + 8  # the string, its NUL, its argv pointer
        if current and size + cost > limit:
            out.append(prefix + current)
            current, size = [], base
        current.append(arg)
        size += cost
    if current:
        out.append(prefix + current)
    return out


def version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    mem_total = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": nproc,
        "cpu_model": model,
        "memory": mem_total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sopdocs": version([tool("sopdocs"), "--version"]),
        "check_jsonschema": version([tool("check-jsonschema"), "--version"]),
    }


def prepare(size: int, out: Path, seed: int) -> tuple[Path, float]:
    catalog = out / f"catalog-{size}"
    if catalog.exists():
        shutil.rmtree(catalog)
    start = time.perf_counter()
    generate.generate(size, catalog / "sops", seed=seed, extract_yaml=catalog / "yaml")
    generate.write_config(catalog / "sopdocs.yml", paths=["sops"])
    return catalog, time.perf_counter() - start


def run_sopdocs(catalog: Path, size: int) -> dict:
    report = catalog / "report.json"
    cmd = [tool("sopdocs"), "lint", "sops", "--today", TODAY, "--format", "json", "-o", str(report), "--config", "sopdocs.yml"]
    result = measure([cmd], catalog, catalog / "sopdocs.stdout", catalog / "sopdocs.stderr")
    summary = json.loads(report.read_text()).get("summary", {})
    stderr = (catalog / "sopdocs.stderr").read_text().strip()
    if result["returncodes"] != [0] or summary.get("files") != size or summary.get("errors") or summary.get("warnings"):
        sys.exit(f"lint_bench: sopdocs did not lint {size} files cleanly: rc={result['returncodes']} summary={summary} {stderr}")
    result["command"] = " ".join(["sopdocs", *cmd[1:]])
    result["summary"] = summary
    return result


def run_baseline(catalog: Path, size: int) -> dict:
    files = sorted(str(p.relative_to(catalog)) for p in (catalog / "yaml").glob("*.yaml"))
    if len(files) != size:
        sys.exit(f"lint_bench: expected {size} extracted YAML files, found {len(files)}")
    commands = batches([tool("check-jsonschema"), "--schemafile", str(SCHEMA)], files)
    result = measure(commands, catalog, catalog / "check-jsonschema.stdout", catalog / "check-jsonschema.stderr")
    output = (catalog / "check-jsonschema.stdout").read_text()
    if any(result["returncodes"]) or output.count("ok -- validation done") != len(commands):
        errors = (catalog / "check-jsonschema.stderr").read_text()
        sys.exit(f"lint_bench: check-jsonschema failed: rc={result['returncodes']}\n{output[-2000:]}\n{errors[-2000:]}")
    result["command"] = f"check-jsonschema --schemafile schema/sop.schema.json yaml/*.yaml ({len(commands)} batch(es))"
    result["batches"] = len(commands)
    return result


def profile(catalog: Path, size: int, out: Path) -> Path:
    import pstats

    prof = out / f"lint_profile-{size}.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "sopdocs", "lint", "sops", "--today", TODAY,
           "--format", "json", "-o", str(catalog / "report-profiled.json"), "--config", "sopdocs.yml"]
    subprocess.run(cmd, cwd=catalog, capture_output=True, check=False)
    text = out / f"lint_profile-{size}.txt"
    with text.open("w") as stream:
        stats = pstats.Stats(str(prof), stream=stream).strip_dirs()
        stream.write(f"# cProfile of `sopdocs lint` on {size} SOPs (cProfile adds overhead; compare shares, not seconds)\n\n")
        stream.write("## by cumulative time\n")
        stats.sort_stats("cumulative").print_stats(35)
        stream.write("## by own (total) time\n")
        stats.sort_stats("tottime").print_stats(25)
    return text


def mb(kb: int) -> float:
    return kb / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated catalog sizes (default: 1000,10000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and size; the best is reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "out", help="output directory (default: bench/out, git-ignored)")
    parser.add_argument("--profile", action="store_true", help="also profile sopdocs at the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the generated catalogs")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.out.mkdir(parents=True, exist_ok=True)

    info = machine()
    print(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['memory']} RAM, Python {info['python']}, "
          f"{info['platform']}", file=sys.stderr)
    print(f"tools: {info['sopdocs']}; {info['check_jsonschema']}", file=sys.stderr)

    rows = []
    for size in sizes:
        catalog, gen_s = prepare(size, args.out, args.seed)
        print(f"[{size}] generated in {gen_s:.1f} s; measuring ...", file=sys.stderr)
        sop_runs, base_runs = [], []
        load_before = os.getloadavg()[0]
        for _ in range(args.repeat):  # interleave, so drift hits both tools alike
            sop_runs.append(run_sopdocs(catalog, size))
            base_runs.append(run_baseline(catalog, size))
        best_sop = min(sop_runs, key=lambda r: r["wall_s"])
        best_base = min(base_runs, key=lambda r: r["wall_s"])
        row = {
            "size": size,
            "generate_s": gen_s,
            "sopdocs_s": best_sop["wall_s"],
            "sopdocs_peak_mb": mb(max(r["maxrss_kb"] for r in sop_runs)),
            "check_jsonschema_s": best_base["wall_s"],
            "check_jsonschema_peak_mb": mb(max(r["maxrss_kb"] for r in base_runs)),
            "speedup": best_base["wall_s"] / best_sop["wall_s"],
            # CPU time suffers less than wall time when other jobs share the machine.
            "sopdocs_cpu_s": min(r["user_s"] + r["sys_s"] for r in sop_runs),
            "check_jsonschema_cpu_s": min(r["user_s"] + r["sys_s"] for r in base_runs),
            "loadavg_1m_before": load_before,
            "loadavg_1m_after": os.getloadavg()[0],
            "sopdocs_median_s": statistics.median(r["wall_s"] for r in sop_runs),
            "check_jsonschema_median_s": statistics.median(r["wall_s"] for r in base_runs),
            "sopdocs_runs": sop_runs,
            "check_jsonschema_runs": base_runs,
        }
        rows.append(row)
        print(f"[{size}] sopdocs {row['sopdocs_s']:.2f} s / {row['sopdocs_peak_mb']:.0f} MB; "
              f"check-jsonschema {row['check_jsonschema_s']:.2f} s / {row['check_jsonschema_peak_mb']:.0f} MB", file=sys.stderr)
        if args.profile and size == max(sizes):
            path = profile(catalog, size, args.out)
            print(f"[{size}] profile written to {path}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(catalog)

    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": info, "today": TODAY, "seed": args.seed,
               "repeat": args.repeat, "results": rows}
    (args.out / "lint_results.json").write_text(json.dumps(results, indent=2) + "\n")

    print(f"Machine: {info['nproc']} CPUs, {info['cpu_model']}, {info['memory']} RAM; Python {info['python']}; "
          f"{info['sopdocs']}; {info['check_jsonschema']}")
    print(f"Best of {args.repeat} run(s); peak = max RSS of the process; speed-up = check-jsonschema s / sopdocs s.\n")
    print("| SOPs | sopdocs s | sopdocs peak MB | check-jsonschema s | check-jsonschema peak MB | speed-up |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['size']:,} | {r['sopdocs_s']:.2f} | {r['sopdocs_peak_mb']:.0f} | {r['check_jsonschema_s']:.2f} | "
              f"{r['check_jsonschema_peak_mb']:.0f} | {r['speedup']:.2f}x |")
    print("\nCPU seconds (user + sys, best run), less sensitive to other load on the machine:\n")
    print("| SOPs | sopdocs CPU s | check-jsonschema CPU s | ratio | 1-min load avg before / after |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['size']:,} | {r['sopdocs_cpu_s']:.2f} | {r['check_jsonschema_cpu_s']:.2f} | "
              f"{r['check_jsonschema_cpu_s'] / r['sopdocs_cpu_s']:.2f}x | {r['loadavg_1m_before']:.1f} / {r['loadavg_1m_after']:.1f} |")
    print(f"\nresults: {args.out / 'lint_results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
