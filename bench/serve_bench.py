"""Benchmark `sopdocs serve`: save an edit to one SOP -> the served page shows it.

    python bench/serve_bench.py [--size 5000] [--repeat 3] [--baseline /work/main] [--dirty]

In one run:

(a) generate N lint-clean SOPs with bench/generate.py into a project (``docs/``, the
    mkdocs.yml of bench/site_bench.py, a sopdocs.yml without an owners list), copied once
    per variant so that no server sees another's edits;
(b) start each variant's server on its own port and wait for its first build:
    - ``live``: this checkout's ``sopdocs serve`` (sopdocs.site.live: updates only what
      the saved SOP touches);
    - ``baseline``: ``sopdocs serve`` of the checkout given by ``--baseline`` (default
      /work/main, today's ``sopdocs serve``: plain ``mkdocs serve``, a full rebuild on
      every change), or this checkout's ``sopdocs serve --full-rebuilds`` (the same thing)
      when that directory does not exist;
    - with ``--dirty``, also ``mkdocs serve --dirty`` with this checkout's plugin (MkDocs'
      own partial rebuild);
(c) for each round and each variant (the order alternates between rounds): change the
    title of one SOP that another SOP names in ``related``, save it, and poll the SOP's page
    every 20 ms until it shows the new title: the time from just before the save to the
    first response that has it. Then check, once, that the catalog page and the page of the
    SOP that names it show the new title too (a page that still shows the old title is
    a stale page: a wrong preview);
(d) wait for the servers to be idle (the live server re-indexes search in the background,
    at a lower priority) before the next measurement.

The machine is shared with other jobs: both variants run in the same rounds, interleaved.
Results: a Markdown table on stdout, every measurement in bench/out/serve_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from benchkit import cpu_model, cpus  # noqa: E402
from site_bench import PLUGIN_MKDOCS_YML, SOPDOCS_YML  # noqa: E402

TODAY = "2026-11-26"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, url: str, timeout: float = 600) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{url}", timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def cpu_busy_s() -> float:
    """CPU seconds (user + system, all cores) the machine has spent so far."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ticks = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # not idle, iowait
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, name: str, command: list[str], project: Path, env: dict[str, str]) -> None:
        self.name, self.project = name, project
        self.port = free_port()
        self.log_path = project / "serve.log"
        self.log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [*command, "-a", f"127.0.0.1:{self.port}"], cwd=project, env=env, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.started = time.perf_counter()

    def wait_ready(self, timeout: float = 1800) -> float:
        deadline = time.monotonic() + timeout
        while get(self.port, "", timeout=600)[0] != 200:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: the server stopped:\n{self.log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.name}: no answer after {timeout} s")
            time.sleep(0.5)
        return time.perf_counter() - self.started

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # sopdocs passes it on as Ctrl-C; mkdocs stops
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def related_pair(docs: Path) -> tuple[str, str]:
    """(an SOP's id, the id of an SOP whose `related` names it)."""
    for path in sorted(docs.glob("*.md")):
        match = re.search(r"^related: \[(.*?)\]", path.read_text(encoding="utf-8"), re.MULTILINE)
        for other in match.group(1).split(", ") if match else []:
            other = other.strip("'\"")
            if (docs / f"{other}.md").is_file() and other != path.stem:
                return other, path.stem
    raise SystemExit("no SOP relates to another")


def wait_idle(max_wait: float = 20, busy_limit: float = 0.3) -> float:
    """Wait until the machine's CPU use over a second is below busy_limit cores (other
    helpers' jobs count too: give up after max_wait). Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < max_wait:
        before = cpu_busy_s()
        time.sleep(1)
        if cpu_busy_s() - before < busy_limit * 1:
            break
    return time.monotonic() - started


def measure(server: Server, docs: Path, sop_id: str, referrer: str, marker: str, poll: float = 0.02) -> dict:
    path = docs / f"{sop_id}.md"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"^title: (.*)$", lambda m: f"title: {json.dumps(marker + ' ' + m.group(1).strip(chr(34)))}", text, count=1, flags=re.MULTILINE)
    assert edited != text
    started = time.perf_counter()
    path.write_text(edited, encoding="utf-8")
    polls = 0
    while True:
        code, page = get(server.port, f"{sop_id}/")
        polls += 1
        if code == 200 and marker in page:
            visible = time.perf_counter() - started
            break
        if time.perf_counter() - started > 900:
            raise SystemExit(f"{server.name}: the edit never showed")
        time.sleep(poll)
    catalog = marker in get(server.port, "")[1]
    dependent = marker in get(server.port, f"{referrer}/")[1]
    return {"visible_s": round(visible, 3), "polls": polls, "catalog_shows_it": catalog, "referrer_shows_it": dependent}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=Path("/work/main"), help="checkout whose `sopdocs serve` is the baseline")
    parser.add_argument("--dirty", action="store_true", help="also measure `mkdocs serve --dirty` with this checkout's plugin")
    parser.add_argument("--work", type=Path, help="where to generate (default: a temporary directory, removed)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="serve-bench-"))
    OUT.mkdir(exist_ok=True)
    print(f"generating {args.size} SOPs in {work} ...", file=sys.stderr, flush=True)
    source = work / "source"
    generate.generate(args.size, source / "docs", seed=1)
    (source / "mkdocs.yml").write_text(PLUGIN_MKDOCS_YML, encoding="utf-8")
    (source / "sopdocs.yml").write_text(SOPDOCS_YML, encoding="utf-8")
    sop_id, referrer = related_pair(source / "docs")

    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SOPDOCS_")}
    base_env.update({"NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1", "SOPDOCS_TODAY": TODAY})
    variants = {"live": ([python, "-m", "sopdocs", "serve", "--today", TODAY], {**base_env, "PYTHONPATH": str(REPO)})}
    if args.baseline.is_dir():
        variants["baseline"] = ([python, "-m", "sopdocs", "serve", "--today", TODAY], {**base_env, "PYTHONPATH": str(args.baseline)})
        baseline_what = f"`sopdocs serve` of {args.baseline} (plain `mkdocs serve`)"
    else:
        variants["baseline"] = ([python, "-m", "sopdocs", "serve", "--full-rebuilds", "--today", TODAY], {**base_env, "PYTHONPATH": str(REPO)})
        baseline_what = "`sopdocs serve --full-rebuilds` of this checkout (plain `mkdocs serve`)"
    if args.dirty:
        variants["dirty"] = ([python, "-m", "mkdocs", "serve", "--dirty"], {**base_env, "PYTHONPATH": str(REPO)})

    servers: dict[str, Server] = {}
    results: dict = {"size": args.size, "repeat": args.repeat, "baseline": baseline_what, "nproc": cpus(), "cpu": cpu_model(), "rounds": []}
    try:
        for name, (command, env) in variants.items():
            project = work / name
            shutil.copytree(source, project)
            servers[name] = Server(name, command, project, env)
            # One start-up at a time: they would share the two cores otherwise.
            results[f"{name}_first_build_s"] = round(servers[name].wait_ready(), 1)
            print(f"{name}: first build {results[f'{name}_first_build_s']} s", file=sys.stderr, flush=True)
        names = list(servers)
        for round_ in range(args.repeat):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                idle = wait_idle()
                loadavg = os.getloadavg()[0]
                found = measure(servers[name], servers[name].project / "docs", sop_id, referrer, f"EDIT{round_}X{name}")
                found.update({"variant": name, "round": round_, "waited_idle_s": round(idle, 1), "loadavg_1m": round(loadavg, 2)})
                results["rounds"].append(found)
                if name == "live":  # its search index catches up in the background: let it finish first
                    deadline = time.monotonic() + 120
                    while servers[name].output().count("search index updated") <= round_ and time.monotonic() < deadline:
                        time.sleep(0.2)
                print(json.dumps(found), file=sys.stderr, flush=True)
            wait_idle()
    finally:
        for server in servers.values():
            server.stop()
        for name, server in servers.items():
            results[f"{name}_log_tail"] = server.output()[-2000:]
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)

    (OUT / "serve_results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\n`sopdocs serve`, {args.size:,} SOPs, save -> the served page shows the edit ({args.repeat} rounds, interleaved):\n")
    print("| variant | min s | median s | max s | catalog updated | page naming it updated | first build s |")
    print("| --- | ---: | ---: | ---: | --- | --- | ---: |")
    for name in servers:
        runs = [r for r in results["rounds"] if r["variant"] == name]
        times = [r["visible_s"] for r in runs]
        ok = lambda key: f"{sum(r[key] for r in runs)}/{len(runs)}"  # noqa: E731
        print(
            f"| {name} | {min(times):.2f} | {statistics.median(times):.2f} | {max(times):.2f} | "
            f"{ok('catalog_shows_it')} | {ok('referrer_shows_it')} | {results[f'{name}_first_build_s']} |"
        )
    print(f"\nbaseline: {baseline_what}; {cpus()} CPUs ({cpu_model()}), shared with other jobs (1-min load average per run in the JSON).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
