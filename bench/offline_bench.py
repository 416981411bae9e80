"""Benchmark the offline copy (`sopdocs build --offline`): its search index and search from disk.

    python bench/offline_bench.py [--sizes 500,1000,5000] [--repeat 3] [--keep]

For each size, in the same run:

(a) generate N lint-clean SOPs with bench/generate.py into a temporary project (the same
    project as bench/site_bench.py's plugin build);
(b) build it: ``python -m sopdocs build --offline -d site --today 2026-11-26`` (wall time);
(c) sizes: ``assets/sopdocs/offline-index.js`` raw and gzipped (a zip artifact compresses
    about as well), per SOP, and the engine script; the whole site and its Pagefind bundle
    for comparison;
(d) search from disk: ``search.html`` opened from file:// in headless Chromium
    (Playwright, Debian's chromium); in a fresh browser context per query (cold: the
    index script is loaded and parsed on the first search), the time of
    ``await sopdocsOfflineEngine.search(q)`` plus the first result's ``data()``, measured
    in the page (performance.now()); then the same query again (warm, median of 5); and,
    in another fresh context, loading the index alone (``engine.init()``, what a UI can do
    when the search box gets focus) and the first search after it. The best of
    ``--repeat`` runs is reported; every run is in the JSON.

Results: a Markdown table on stdout and bench/out/offline_results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import generate
from benchkit import cpu_model, cpus, mem_total_kib
from site_bench import CHROMIUM, CHROMIUM_ARGS, PLUGIN_MKDOCS_YML, SOPDOCS_YML, TODAY

INDEX = "assets/sopdocs/offline-index.js"
ENGINE = "assets/sopdocs/sopdocs-offline.js"

QUERY = """async query => {
    const t0 = performance.now();
    const found = await window.sopdocsOfflineEngine.search(query);
    const first = found.results.length ? await found.results[0].data() : null;
    return {ms: performance.now() - t0, results: found.results.length, first: first && first.url};
}"""
LOAD = "async () => { const t0 = performance.now(); await window.sopdocsOfflineEngine.init(); return performance.now() - t0; }"


def make_project(n: int, work: Path) -> tuple[Path, list[Path]]:
    project = work / f"offline-{n}"
    files = generate.generate(n, project / "docs", seed=1)
    (project / "mkdocs.yml").write_text(PLUGIN_MKDOCS_YML, encoding="utf-8")
    (project / "sopdocs.yml").write_text(SOPDOCS_YML, encoding="utf-8")
    return project, files


def build(project: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sopdocs", "build", "--offline", "-d", "site", "--today", TODAY],
        cwd=project,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"offline build of {project} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def queries_for(files: list[Path]) -> list[str]:
    """An owner, a word from the steps, and two words, present at every size."""
    texts = [p.read_text(encoding="utf-8") for p in files]
    owner = next((t for t in generate.TEAMS if any(f"owner: {t}\n" in x for x in texts)), generate.TEAMS[0])
    word = next((w for w in ("kubectl", "psql", "promote") if any(w in x for x in texts)), "rollback")
    return [owner, word, f"{word} rollback"]


def search_from_disk(site: Path, queries: list[str], repeat: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    url = (site / "search.html").as_uri()
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for query in queries:
                colds, loads, firsts, warms, result = [], [], [], [], None
                for _ in range(repeat):
                    # Cold: the first search loads the index (a UI may preload it when
                    # the box gets focus: that part is measured apart, in a second tab).
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url)
                    cold = page.evaluate(QUERY, query)
                    warm = [page.evaluate(QUERY, query)["ms"] for _ in range(5)]
                    context.close()
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url)
                    loads.append(page.evaluate(LOAD))
                    firsts.append(page.evaluate(QUERY, query)["ms"])
                    context.close()
                    colds.append(cold["ms"])
                    warms.append(statistics.median(warm))
                    result = cold
                out.append(
                    {
                        "query": query,
                        "results": result["results"],
                        "first": result["first"],
                        "cold_ms": min(colds),
                        "cold_ms_runs": colds,
                        "load_ms": min(loads),
                        "load_ms_runs": loads,
                        "first_after_load_ms": min(firsts),
                        "first_after_load_ms_runs": firsts,
                        "warm_ms": min(warms),
                        "warm_ms_runs": warms,
                    }
                )
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="500,1000,5000")
    parser.add_argument("--repeat", type=int, default=3, help="fresh browser contexts per query (the best is reported)")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects and sites")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    machine = {"python": platform.python_version(), "cpus": cpus(), "cpu": cpu_model(), "mem_kib": mem_total_kib()}
    print(f"machine: {machine}", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="sopdocs-offline-bench-"))
    rows = []
    try:
        for n in sizes:
            print(f"[{n}] generating", file=sys.stderr)
            project, files = make_project(n, work)
            print(f"[{n}] building --offline", file=sys.stderr)
            wall = build(project)
            site = project / "site"
            index = (site / INDEX).read_bytes()
            row = {
                "sops": n,
                "build_s": wall,
                "index_bytes": len(index),
                "index_gzip_bytes": len(gzip.compress(index, mtime=0)),
                "index_bytes_per_sop": len(index) / n,
                "engine_bytes": (site / ENGINE).stat().st_size,
                "site_bytes": tree_bytes(site),
                "pagefind_bytes": tree_bytes(site / "pagefind"),
            }
            print(f"[{n}] searching from file://", file=sys.stderr)
            row["search"] = search_from_disk(site, queries_for(files), args.repeat)
            rows.append(row)
    finally:
        if args.keep:
            print(f"kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "offline_results.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n", encoding="utf-8")

    print("| SOPs | build --offline | offline-index.js | gzipped | per SOP | site (of which Pagefind) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['sops']:,} | {r['build_s']:.1f} s | {r['index_bytes'] / 1024:,.0f} KiB | {r['index_gzip_bytes'] / 1024:,.0f} KiB "
            f"| {r['index_bytes_per_sop']:,.0f} B | {r['site_bytes'] / 2**20:,.1f} MiB ({r['pagefind_bytes'] / 2**20:,.1f} MiB) |"
        )
    print()
    print("| SOPs | query | results | first search (loads the index) | of which loading | first search, index preloaded | next searches |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        for s in r["search"]:
            print(
                f"| {r['sops']:,} | `{s['query']}` | {s['results']} | {s['cold_ms']:.0f} ms | {s['load_ms']:.0f} ms "
                f"| {s['first_after_load_ms']:.0f} ms | {s['warm_ms']:.1f} ms |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
