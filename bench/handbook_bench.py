"""Benchmark day one with a real handbook: `sopdocs build` of an existing handbook as it is.

    python bench/handbook_bench.py [--repeat 3] [--shared ../shared]

For each handbook of ../shared/corpora that docs/adoption.md walks through (MoJ Cloud
Platform runbooks, GOV.UK developer docs 2020-09, Giant Swarm docs), in the same run:
copy it to a temporary folder, write the `sopdocs.yml` and `mkdocs.yml` the docs show
(profile, `docs_dir` = the handbook's own source folder, file names as they are), and time
``sopdocs build --today 2026-11-26 -d site`` (a fresh process; wall time, best of
``--repeat``), then count the SOP pages in `sops.json` and compare the review states with
``sopdocs report --format json``.

Results: a Markdown table on stdout and bench/out/handbook_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TODAY = "2026-11-26"
HANDBOOKS = {
    "moj-cloud-platform-runbooks": ("source", "govuk"),
    "govuk-developer-docs-2020-09": ("source/manual", "govuk"),
    "giantswarm-docs": ("src/content", "giantswarm"),
}


def sopdocs() -> list[str]:
    script = Path(sys.executable).parent / "sopdocs"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sopdocs"]


def project(corpus: Path, work: Path, docs: str, profile: str) -> Path:
    target = work / corpus.name
    shutil.copytree(corpus, target)
    (target / "sopdocs.yml").write_text(f"profile: {profile}\npaths: [{docs}]\n", encoding="utf-8")
    (target / "mkdocs.yml").write_text(
        f"site_name: {corpus.name}\ndocs_dir: {docs}\ntheme:\n  name: material\n  font: false\nplugins:\n  - sopdocs\n",
        encoding="utf-8",
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared", default=os.environ.get("SOPDOCS_SHARED", str(HERE.parent.parent / "shared")))
    args = parser.parse_args(argv)
    corpora = Path(args.shared) / "corpora"
    if not corpora.is_dir():
        sys.exit(f"handbook_bench: {corpora} not found: pass --shared or set SOPDOCS_SHARED")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPDOCS_")} | {"NO_COLOR": "1"}
    results = []
    with tempfile.TemporaryDirectory(prefix="sopdocs-handbooks-") as tmp:
        for name, (docs, profile) in HANDBOOKS.items():
            root = project(corpora / name, Path(tmp), docs, profile)
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                done = subprocess.run([*sopdocs(), "build", "--today", TODAY, "-d", "site"], cwd=root, env=env, capture_output=True, text=True)
                times.append(time.perf_counter() - started)
                if done.returncode != 0:
                    sys.exit(f"handbook_bench: {name}: build exited {done.returncode}\n{done.stderr[-2000:]}")
            sops = json.loads((root / "site" / "sops.json").read_text(encoding="utf-8"))["sops"]
            built: dict[str, int] = {}
            for sop in sops:
                built[sop["review_state"]] = built.get(sop["review_state"], 0) + 1
            report = subprocess.run([*sopdocs(), "report", "--today", TODAY, "--format", "json"], cwd=root, env=env, capture_output=True, text=True)
            summary = json.loads(report.stdout)["summary"]
            reported = {k: summary[k] for k in ("overdue", "due-soon", "current", "unknown") if summary[k]}
            results.append({"handbook": name, "profile": profile, "pages": len(sops), "build_s": times, "states": built, "report": reported})
    OUT.mkdir(exist_ok=True)
    (OUT / "handbook_results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    print("| handbook | profile | SOP pages | build (best of runs) | all runs | review states (build) | same as `sopdocs report` |")
    print("|---|---|---:|---:|---|---|---|")
    for r in results:
        states = ", ".join(f"{k} {v}" for k, v in sorted(r["states"].items()))
        runs = ", ".join(f"{t:.1f}" for t in r["build_s"])
        print(f"| {r['handbook']} | {r['profile']} | {r['pages']} | {min(r['build_s']):.1f} s | {runs} s | {states} | {r['states'] == r['report']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
