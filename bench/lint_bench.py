"""Benchmark `sopdocs lint` against the `check-jsonschema` baseline, and against another
checkout of sopdocs in the same run.

    python bench/lint_bench.py [--sizes 1000,10000] [--repeat 1] [--serial] [--profile]
                               [--compare-with DIR]

For each size: generate a catalog of synthetic lint-clean SOPs (bench/generate.py) into
bench/out/catalog-N/, extract every front matter to a YAML file, then measure in the
same run, interleaved when repeated:

* sopdocs cold:   `sopdocs lint sops --today 2026-11-26 --format json -o report.json`
                  with no cache (.sopdocs-cache/ deleted first; the run writes it),
                  worker processes on every CPU (the default);
* sopdocs warm:   the same command again: every file's results come from the cache;
* warm, 1 changed: one SOP edited (a sentence of its body), then the same command;
* sopdocs serial: (with --serial) `--jobs 1 --no-cache`, one process, no cache;
* baseline:       `check-jsonschema --schemafile schema/sop.schema.json yaml/*.yaml`
                  (schema only; split into batches only if the command line would be
                  too long).

With --compare-with DIR (another checkout of sopdocs, e.g. the main branch), every
sopdocs measurement is also made with that checkout's code (PYTHONPATH=DIR, the same
Python and libraries) on its own copy of the catalog (its own cache), interleaved with
this checkout's, the order alternating between rounds: "base" is DIR, "new" is this
checkout. The table then has every lint row of issue 15 for both: cold vs
check-jsonschema, warm with no change, warm with one file changed.

Each checkout's bytecode is compiled first and the commands run without
PYTHONDONTWRITEBYTECODE, as an installed package runs. Each measured command runs under
a fresh `python` wrapper that reports wall time and
`getrusage(RUSAGE_CHILDREN)`: `ru_maxrss` is the peak RSS of the largest process (for
sopdocs with workers: the largest of the main process and its workers), `ru_utime +
ru_stime` the CPU time of all of them. Every sopdocs run must report N files with 0
errors and 0 warnings; check-jsonschema must exit 0. A warm run must not have started a
new cache (that happens when sopdocs' code changes between runs, e.g. an edit in an
editable install): the benchmark then stops. With --repeat R the best (lowest) wall time
of R runs is reported, with the median and the range; every run is in
bench/out/lint_results.json.

--profile also runs sopdocs once under cProfile at the largest size (one process, no
cache) and writes the top functions to bench/out/lint_profile-N.txt.
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

import generate
from benchkit import command_output, cpu_model, cpus, mem_total_kib

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


def run_env() -> dict[str, str]:
    """The environment of the measured commands: as an installed package runs, with its
    bytecode compiled once (a sandbox's PYTHONDONTWRITEBYTECODE=1 would make every run
    compile sopdocs' source again, about 0.08 s)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_code(code: Path) -> None:
    """Write the bytecode of a checkout's package before measuring (what pip does at install)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "sopdocs")], check=True, env=run_env())


def measure(commands: list[list[str]], cwd: Path, stdout: Path, stderr: Path) -> dict:
    spec = {"commands": commands, "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr)}
    done = subprocess.run([sys.executable, "-c", WRAPPER], input=json.dumps(spec), capture_output=True, text=True, check=True,
                          env=run_env())
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


def machine() -> dict:
    kib = mem_total_kib()
    return {
        "nproc": cpus(),
        "cpu_model": cpu_model(),
        "memory": f"{kib / 1024 / 1024:.1f} GiB" if kib else "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sopdocs": command_output([tool("sopdocs"), "--version"]),
        "check_jsonschema": command_output([tool("check-jsonschema"), "--version"]),
    }


def prepare(size: int, out: Path, seed: int) -> tuple[Path, float]:
    catalog = out / f"catalog-{size}"
    if catalog.exists():
        shutil.rmtree(catalog)
    start = time.perf_counter()
    generate.generate(size, catalog / "sops", seed=seed, extract_yaml=catalog / "yaml")
    generate.write_config(catalog / "sopdocs.yml", paths=["sops"])
    return catalog, time.perf_counter() - start


def cache_state(catalog: Path) -> dict[str, int]:
    """Cache files and their modification times (a warm run must not start a new one)."""
    return {p.name: p.stat().st_mtime_ns for p in (catalog / ".sopdocs-cache").glob("lint-*.json")}


def cli(catalog: Path, size: int, extra: list[str] | None = None, label: str = "cold", code: Path | None = None) -> dict:
    """One `sopdocs lint` run in ``catalog`` (with ``code`` first on PYTHONPATH: another checkout)."""
    report = catalog / "report.json"
    cmd = [tool("sopdocs"), "lint", "sops", "--today", TODAY, "--format", "json", "-o", str(report), "--config", "sopdocs.yml",
           *(extra or [])]
    if code is not None:
        cmd = ["env", f"PYTHONPATH={code}", *cmd]
    if label == "cold":
        shutil.rmtree(catalog / ".sopdocs-cache", ignore_errors=True)
    before = cache_state(catalog)
    result = measure([cmd], catalog, catalog / "sopdocs.stdout", catalog / "sopdocs.stderr")
    summary = json.loads(report.read_text()).get("summary", {})
    stderr = (catalog / "sopdocs.stderr").read_text().strip()
    if result["returncodes"] != [0] or summary.get("files") != size or summary.get("errors") or summary.get("warnings"):
        sys.exit(f"lint_bench: sopdocs ({label}) did not lint {size} files cleanly: rc={result['returncodes']} summary={summary} {stderr}")
    after = cache_state(catalog)
    if label.startswith("warm") and set(after) != set(before):
        sys.exit(f"lint_bench: the {label} run started a new cache ({sorted(before)} -> {sorted(after)}): did sopdocs' code change? Run again.")
    if label == "warm" and after != before:
        sys.exit("lint_bench: the warm run rewrote the cache: it found something to analyse")
    result["command"] = " ".join(["sopdocs", *cmd[cmd.index(tool("sopdocs")) + 1:]])
    result["code"] = str(code) if code is not None else str(REPO)
    result["summary"] = summary
    result["label"] = label
    return result


def touch_one(catalog: Path, round_: int) -> Path:
    """Edit one SOP (still lint-clean): a different sentence each round."""
    path = sorted((catalog / "sops").glob("*.md"))[len(list((catalog / "sops").glob("*.md"))) // 2]
    text = path.read_text(encoding="utf-8")
    marker = "\n\n## Steps"
    text = text.replace(marker, f"\n\nEdited for the benchmark, round {round_}.{marker}", 1)
    path.write_text(text, encoding="utf-8")
    return path


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
           "--format", "json", "-o", str(catalog / "report-profiled.json"), "--config", "sopdocs.yml", "--jobs", "1", "--no-cache"]
    subprocess.run(cmd, cwd=catalog, capture_output=True, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    text = out / f"lint_profile-{size}.txt"
    with text.open("w") as stream:
        stats = pstats.Stats(str(prof), stream=stream).strip_dirs()
        stream.write(f"# cProfile of `sopdocs lint --jobs 1 --no-cache` on {size} SOPs (cProfile adds overhead; compare shares, not seconds)\n\n")
        stream.write("## by cumulative time\n")
        stats.sort_stats("cumulative").print_stats(35)
        stream.write("## by own (total) time\n")
        stats.sort_stats("tottime").print_stats(25)
    return text


def mb(kb: int) -> float:
    return kb / 1024


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["wall_s"])


def cpu(runs: list[dict]) -> float:
    return min(r["user_s"] + r["sys_s"] for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated catalog sizes (default: 1000,10000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and size; the best is reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "out", help="output directory (default: bench/out, git-ignored)")
    parser.add_argument("--serial", action="store_true", help="also measure `--jobs 1 --no-cache` (one process, no cache)")
    parser.add_argument("--profile", action="store_true", help="also profile sopdocs at the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the generated catalogs")
    parser.add_argument("--compare-with", type=Path, metavar="DIR",
                        help="another sopdocs checkout (e.g. main) measured in the same run, interleaved: base vs new")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.out.mkdir(parents=True, exist_ok=True)

    info = machine()
    print(f"machine: {info['nproc']} CPUs ({info['cpu_model']}), {info['memory']} RAM, Python {info['python']}, "
          f"{info['platform']}", file=sys.stderr)
    print(f"tools: {info['sopdocs']}; {info['check_jsonschema']}", file=sys.stderr)

    rows = []
    variants: dict[str, Path] = {"new": REPO}  # this checkout's code, whatever is installed
    if args.compare_with is not None:
        variants = {"base": args.compare_with.resolve(), "new": REPO}
    for code in variants.values():
        compile_code(code)
    for size in sizes:
        catalog, gen_s = prepare(size, args.out, args.seed)
        places = {}
        for name in variants:  # each variant lints its own copy (its own cache next to its config)
            places[name] = catalog / name
            shutil.copytree(catalog / "sops", places[name] / "sops")
            shutil.copy(catalog / "sopdocs.yml", places[name] / "sopdocs.yml")
        print(f"[{size}] generated in {gen_s:.1f} s; measuring {', '.join(variants)} ...", file=sys.stderr)
        runs: dict[str, list[dict]] = {"baseline": []}
        for name in variants:
            for kind in ("cold", "warm", "warm_1", "serial"):
                runs[f"{name}_{kind}"] = []
        load_before = os.getloadavg()[0]
        for round_ in range(args.repeat):  # interleave, so drift hits every variant alike
            order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
            for kind, label in (("cold", "cold"), ("warm", "warm"), ("warm_1", "warm, 1 changed")):
                if kind == "warm_1":
                    for name in order:
                        touch_one(places[name], round_)
                for name in order:
                    runs[f"{name}_{kind}"].append(cli(places[name], size, label=label, code=variants[name]))
            if args.serial:
                for name in order:
                    runs[f"{name}_serial"].append(cli(places[name], size, ["--jobs", "1", "--no-cache"], label="serial", code=variants[name]))
            runs["baseline"].append(run_baseline(catalog, size))
            line = "; ".join(f"{name}: cold {runs[name + '_cold'][-1]['wall_s']:.2f} s, warm {runs[name + '_warm'][-1]['wall_s']:.2f} s, "
                             f"warm 1 changed {runs[name + '_warm_1'][-1]['wall_s']:.2f} s" for name in variants)
            print(f"[{size}] round {round_ + 1}: {line}; check-jsonschema {runs['baseline'][-1]['wall_s']:.2f} s "
                  f"(load {os.getloadavg()[0]:.1f})", file=sys.stderr)
        row = {
            "size": size,
            "generate_s": gen_s,
            "variants": {name: str(code) for name, code in variants.items()},
            "loadavg_1m_before": load_before,
            "loadavg_1m_after": os.getloadavg()[0],
        }
        for name, measured in runs.items():
            if not measured:
                continue
            walls = [r["wall_s"] for r in measured]
            row[f"{name}_s"] = best(measured)["wall_s"]
            row[f"{name}_median_s"] = statistics.median(walls)
            row[f"{name}_range_s"] = [min(walls), max(walls)]
            row[f"{name}_cpu_s"] = cpu(measured)
            row[f"{name}_peak_mb"] = mb(max(r["maxrss_kb"] for r in measured))
            row[f"{name}_runs"] = measured
        for name in variants:
            row[f"{name}_speedup"] = row["baseline_s"] / row[f"{name}_cold_s"]
            # Each round's own ratio (the same round's check-jsonschema): the range under drifting load.
            row[f"{name}_speedup_rounds"] = [b["wall_s"] / c["wall_s"] for b, c in zip(runs["baseline"], runs[f"{name}_cold"])]
        rows.append(row)
        if args.profile and size == max(sizes):
            path = profile(places["new"], size, args.out)
            print(f"[{size}] profile written to {path}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(catalog)

    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": info, "today": TODAY, "seed": args.seed,
               "repeat": args.repeat, "results": rows}
    (args.out / "lint_results.json").write_text(json.dumps(results, indent=2) + "\n")

    print(f"Machine: {info['nproc']} CPUs, {info['cpu_model']}, {info['memory']} RAM; Python {info['python']}; "
          f"{info['sopdocs']}; {info['check_jsonschema']}")
    print(f"{args.repeat} interleaved round(s); best wall time, with the median and range of all rounds; "
          "peak = max RSS of the largest process; ratio = check-jsonschema s / sopdocs cold s.")
    names = list(variants)
    for r in rows:
        if len(names) > 1:
            print("\nvariants: " + "; ".join(f"{n} = {r['variants'][n]}" for n in names))
        print(f"\n{r['size']:,} SOPs, 1-min load average {r['loadavg_1m_before']:.1f} before / {r['loadavg_1m_after']:.1f} after\n")
        print("| row | " + " | ".join(names) + " |")
        print("| --- |" + " ---: |" * len(names))

        def cell(key: str) -> str:
            return f"{r[key + '_s']:.2f} s (median {r[key + '_median_s']:.2f}, {r[key + '_range_s'][0]:.2f}–{r[key + '_range_s'][1]:.2f})"

        print("| cold `sopdocs lint` | " + " | ".join(cell(f"{n}_cold") for n in names) + " |")
        print("| check-jsonschema (same rounds) | " + " | ".join(cell("baseline") for _ in names) + " |")
        print("| cold: check-jsonschema / sopdocs (best; per round) | " + " | ".join(
            f"**{r[n + '_speedup']:.1f}x** ({', '.join(f'{x:.1f}' for x in r[n + '_speedup_rounds'])})" for n in names) + " |")
        print("| warm, no change | " + " | ".join(cell(f"{n}_warm") for n in names) + " |")
        print("| warm, 1 file changed | " + " | ".join(cell(f"{n}_warm_1") for n in names) + " |")
        if args.serial:
            print("| serial (`--jobs 1 --no-cache`) | " + " | ".join(cell(f"{n}_serial") for n in names) + " |")
        print("| CPU s (user + sys, best): cold / warm / warm 1 changed | " + " | ".join(
            f"{r[n + '_cold_cpu_s']:.2f} / {r[n + '_warm_cpu_s']:.2f} / {r[n + '_warm_1_cpu_s']:.2f}" for n in names) + " |")
        print("| peak MB cold / warm | " + " | ".join(f"{r[n + '_cold_peak_mb']:.0f} / {r[n + '_warm_peak_mb']:.0f}" for n in names) + " |")
        print(f"\ncheck-jsonschema CPU {r['baseline_cpu_s']:.2f} s, peak {r['baseline_peak_mb']:.0f} MB.")
    print("\nAims (issue 15): cold at least 7x faster than check-jsonschema; warm re-lint with one changed file at most 0.25 s.")
    for r in rows:
        for n in names:
            cold_ok = "met" if r[f"{n}_speedup"] >= 7 else "NOT met"
            warm_ok = "met" if r[f"{n}_warm_1_s"] <= 0.25 else "NOT met"
            print(f"- {r['size']:,} SOPs, {n}: cold {r[n + '_speedup']:.2f}x ({cold_ok}); warm, 1 changed {r[n + '_warm_1_s']:.2f} s ({warm_ok})")
    print(f"\nresults: {args.out / 'lint_results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
