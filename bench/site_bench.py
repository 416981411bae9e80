"""Benchmark `sopdocs build` (MkDocs + sopdocs plugin + Pagefind) against a plain MkDocs build.

    python bench/site_bench.py [--sizes 100,1000,5000] [--profile] [--keep] [--compare-with DIR]

For each size, in the same run:

(a) generate N lint-clean SOPs with bench/generate.py into a temporary project
    (``docs/``, an ``mkdocs.yml`` like the repo's, a ``sopdocs.yml`` without an owners list);
(b) plugin build: ``sopdocs build -f mkdocs.yml -d site --today 2026-11-26``;
(c) baseline: ``python -m mkdocs build`` of copies of the SAME Markdown files with the same
    theme (``font: false``) and Markdown extensions, ``plugins: []`` (so no search index),
    a one-page nav (an empty ``index.md``) and ``not_in_nav`` covering every other page;
(d) the plugin/baseline wall-time ratio (with --compare-with DIR, also (b) with another
    checkout's code, PYTHONPATH=DIR, interleaved in every round);
(e) search: the plugin-built site is served on 127.0.0.1 and the catalog page (its
    header search box) and the Search page opened in headless Chromium (Playwright); for
    each query, in a fresh browser context (cold cache), the time from the first and from
    the last key press to the first ``.sop-result`` (and to its title link), and the bytes
    of every response under ``/pagefind/`` from page open until the results are shown and
    the network is idle.

Each build runs under a fresh ``python`` wrapper that reports wall time and
``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak RSS of the single largest process in the
tree among those that were waited for. The pagefind binary (a descendant of the mkdocs
process, which waits for it) is therefore included, as a max and not as a sum. The
wrapper also samples /proc every 0.1 s to record each descendant's own peak (VmHWM) and the
largest sum of RSS over the tree, which shows which process the peak belongs to.

--search-sites LABEL=DIR,... runs only the search part (e) over sites already built, e.g.
one built by this checkout and one by another (`python -m sopdocs build` with another
PYTHONPATH): in each of --repeat rounds every page, query and site once, the sites'
order alternating, each in a fresh browser context; --queries sets the queries;
--after-load types only once the page has loaded and its network is idle. It
also reports, on the page's own clock, the time from the last keydown to the first
result of the whole query (a prefix's results do not count), and writes
bench/out/site_search_results.json.

--profile additionally runs the plugin build and the baseline build in-process at the
largest size, with timers around the sopdocs plugin's phases and MkDocs' per-page phases
(SOP pages, generated owner/tag pages, the catalog/owners/tags index pages), and writes
bench/out/site_profile-N.txt; --cprofile adds a cProfile run of the plugin build.

Results: a Markdown table on stdout and bench/out/site_results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import generate
from benchkit import command_output, cpu_model, cpus, mem_total_kib

TODAY = "2026-11-26"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Runs one command and prints wall time, the children's peak RSS (getrusage) and the
# sampled per-process peaks. A fresh interpreter per measurement, so RUSAGE_CHILDREN
# covers only this command's process tree.
WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time
spec = json.load(sys.stdin)
me = os.getpid()
peaks = {}          # pid -> [comm, peak VmHWM kB]
tree_peak = [0]     # largest sum of VmRSS over the tree seen at one sample
stop = threading.Event()

def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out

def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Name", "VmHWM", "VmRSS"):
                fields[key] = value.strip()
    return fields

def sample():
    while not stop.wait(spec["interval"]):
        total = 0
        for pid in descendants(me):
            try:
                s = status(pid)
            except OSError:
                continue
            rss = int(s.get("VmRSS", "0 kB").split()[0])
            hwm = int(s.get("VmHWM", "0 kB").split()[0])
            total += rss
            entry = peaks.setdefault(pid, [s.get("Name", "?"), 0])
            entry[0] = s.get("Name", entry[0])
            entry[1] = max(entry[1], hwm)
        tree_peak[0] = max(tree_peak[0], total)

thread = threading.Thread(target=sample, daemon=True)
with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
    start = time.perf_counter()
    proc = subprocess.Popen(spec["command"], cwd=spec["cwd"], stdout=out, stderr=err, env=spec["env"])
    thread.start()
    rc = proc.wait()
    wall = time.perf_counter() - start
stop.set()
thread.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
by_name = {}
for name, hwm in peaks.values():
    by_name[name] = max(by_name.get(name, 0), hwm)
print(json.dumps({"wall_s": wall, "maxrss_kb": usage.ru_maxrss, "user_s": usage.ru_utime,
                  "sys_s": usage.ru_stime, "returncode": rc,
                  "sampled_peak_kb_by_process": by_name, "sampled_tree_sum_peak_kb": tree_peak[0]}))
"""


def venv_tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        sys.exit(f"site_bench: `{name}` not found next to {sys.executable} or on PATH")
    return found


def cpu_busy_s() -> float:
    """CPU seconds spent busy by the whole machine since boot (all CPUs, from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_quiet(max_wait_s: float, busy_limit: float = 0.25) -> float:
    """Wait (up to max_wait_s) until other processes use under busy_limit of the CPUs;
    return the busy fraction seen last. The machine is shared; this keeps numbers honest."""
    ncpu = len(os.sched_getaffinity(0))
    deadline = time.monotonic() + max_wait_s
    while True:
        a = cpu_busy_s()
        time.sleep(2)
        busy = (cpu_busy_s() - a) / (2 * ncpu)
        if busy < busy_limit or time.monotonic() > deadline:
            return busy
        print(f"  (machine busy: {busy:.0%} of {ncpu} CPUs used by other processes; waiting)", file=sys.stderr, flush=True)
        time.sleep(10)


def measure(command: list[str], cwd: Path, log_prefix: Path, env: dict[str, str], quiet_wait_s: float = 0) -> dict:
    spec = {
        "command": command, "cwd": str(cwd), "env": env, "interval": 0.1,
        "stdout": str(log_prefix) + ".stdout", "stderr": str(log_prefix) + ".stderr",
    }
    busy_before = wait_quiet(quiet_wait_s) if quiet_wait_s else None
    start = cpu_busy_s()
    done = subprocess.run([sys.executable, "-c", WRAPPER], input=json.dumps(spec), capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    # CPU seconds the machine spent on anything but this command (other users of the machine,
    # plus the wrapper's own /proc sampling): a contamination indicator for the wall time.
    result["foreign_cpu_s"] = max(0.0, cpu_busy_s() - start - result["user_s"] - result["sys_s"])
    result["busy_before"] = busy_before
    result["loadavg_after"] = os.getloadavg()
    return result


def tree_size(path: Path) -> dict:
    files = size = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(root, name)).st_size
    return {"bytes": size, "files": files}


# --- projects ---------------------------------------------------------------------------

MARKDOWN_EXTENSIONS = """markdown_extensions:
  - toc:
      permalink: true
  - tables
"""

# Both projects: the same site, theme and Markdown; they differ in plugins and nav.
SITE_AND_THEME = """site_name: SOP catalog
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
  features:
    - navigation.top
  palette:
    primary: blue grey
"""

PLUGIN_MKDOCS_YML = SITE_AND_THEME + """plugins:
  - sopdocs:
      catalog_title: SOP catalog
""" + MARKDOWN_EXTENSIONS

BASELINE_MKDOCS_YML = SITE_AND_THEME + """plugins: []
nav:
  - Home: index.md
not_in_nav: |
  /*.md
""" + MARKDOWN_EXTENSIONS

SOPDOCS_YML = """# No owners list: any owner is accepted.
paths: [docs]
review_in: 6 months
due_soon_days: 30
"""


def make_projects(n: int, work: Path) -> tuple[Path, Path, list[Path]]:
    plugin = work / "plugin"
    baseline = work / "baseline"
    files = generate.generate(n, plugin / "docs", seed=1)
    (plugin / "mkdocs.yml").write_text(PLUGIN_MKDOCS_YML, encoding="utf-8")
    (plugin / "sopdocs.yml").write_text(SOPDOCS_YML, encoding="utf-8")
    (baseline / "docs").mkdir(parents=True)
    for path in files:
        shutil.copyfile(path, baseline / "docs" / path.name)
    (baseline / "docs" / "index.md").write_text("# SOP catalog\n", encoding="utf-8")
    (baseline / "mkdocs.yml").write_text(BASELINE_MKDOCS_YML, encoding="utf-8")
    return plugin, baseline, files


def count_warnings(stderr: Path) -> int:
    return sum(1 for line in stderr.read_text(errors="replace").splitlines() if line.startswith("WARNING"))


# --- search -----------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep stdout for the table
        pass


class Server:
    """The built site on 127.0.0.1 (random port), in a daemon thread, shut down on exit."""

    def __init__(self, directory: Path) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
        self.httpd.daemon_threads = True
        self.httpd.timeout = 5
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def _kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith((".js", ".css")):
        return "js_css"
    if name.endswith(".pf_meta") or name == "pagefind-entry.json":
        return "meta"
    if name.startswith("wasm.") or name.endswith(".wasm"):
        return "wasm"
    if name.endswith(".pf_index"):
        return "index_chunks"
    if name.endswith(".pf_filter"):
        return "filters"
    if name.endswith(".pf_fragment"):
        return "fragments"
    return "other"


# On the page's own clock: when each key went down, and when the first result of the
# whole query (its message names the query, not a prefix's) was in the document.
PAGE_CLOCK = """
window.__sopBench = {keys: [], first: null, query: null};
document.addEventListener("keydown", function () { window.__sopBench.keys.push(performance.now()); }, true);
new MutationObserver(function () {
  var b = window.__sopBench;
  if (b.first !== null || b.query === null) { return; }
  var messages = document.querySelectorAll(".sop-search-message");
  for (var i = 0; i < messages.length; i++) {
    var panel = messages[i].parentNode;
    if (messages[i].textContent.indexOf("\u201c" + b.query + "\u201d") >= 0 && panel.querySelector(".sop-result")) {
      b.first = performance.now();
      return;
    }
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def search_one(browser, url: str, query: str, timeout_ms: int = 60_000, after_load: bool = False) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(PAGE_CLOCK)
    responses: list = []
    page.on("response", lambda r: responses.append(r) if "/pagefind/" in r.url else None)
    t_open = time.perf_counter()
    # From the first byte on: the search box may work before the page has loaded.
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    # The Search page's own box, else the header's box (every page has it).
    selector = "[data-sop-search] .sop-search-input" if url.rstrip("/").endswith("/search") else "#sop-hsearch-input"
    page.wait_for_selector(selector, timeout=timeout_ms)
    box = page.locator(selector).first
    t_input = time.perf_counter()
    before_typing = len(responses)
    if after_load:  # a reader who types once the page has loaded (and gone quiet)
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
    page.evaluate("q => { window.__sopBench.query = q; }", query)
    box.click()
    t0 = time.perf_counter()
    box.press_sequentially(query)
    t_typed = time.perf_counter()
    page.wait_for_selector(".sop-result", timeout=timeout_ms)
    t_result = time.perf_counter()
    page.wait_for_selector(".sop-result-link", timeout=timeout_ms)
    t_title = time.perf_counter()
    page.wait_for_function("([s, q]) => document.querySelector(s).getAttribute('data-sop-searched') === q", arg=[selector, query], timeout=timeout_ms)
    page.wait_for_load_state("networkidle", timeout=timeout_ms)
    # When the browser had the whole page parsed (DOMContentLoaded), on its own clock.
    dom_s = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd") / 1000
    clock = page.evaluate("window.__sopBench")
    page_last_key_s = (clock["first"] - clock["keys"][-1]) / 1000 if clock["first"] is not None and clock["keys"] else None
    results = page.locator(".sop-result").count()
    panel = "[data-sop-search]" if selector.startswith("[data-sop-search]") else "#sop-hsearch-panel"
    found = page.locator(f"{panel} .sop-search-message")
    message = found.first.text_content() if found.count() else ""
    by_kind: dict[str, int] = {}
    total = pre = 0
    for i, response in enumerate(responses):
        try:
            size = len(response.body())
        except Exception:  # noqa: BLE001 - a redirect or aborted response has no body
            size = 0
        kind = _kind(response.url)
        by_kind[kind] = by_kind.get(kind, 0) + size
        total += size
        if i < before_typing:
            pre += size
    context.close()
    return {
        "query": query,
        "open_to_dom_s": dom_s,
        "open_to_input_s": t_input - t_open,
        "typing_s": t_typed - t0,
        "type_to_first_result_s": t_result - t0,
        "last_key_to_first_result_s": max(0.0, t_result - t_typed),
        # The browser's clock: last keydown -> the first result of the whole query.
        "page_last_key_to_query_result_s": page_last_key_s,
        "type_to_first_title_s": t_title - t0,
        "results_shown": results,
        "matches": int(m.group(1)) if (m := re.match(r"\s*(\d+)", message or "")) else None,
        "message": (message or "").strip(),
        "pagefind_requests": len(responses),
        "pagefind_bytes": total,
        "pagefind_bytes_before_typing": pre,
        "pagefind_bytes_by_kind": by_kind,
    }


def search_bench(site: Path, queries: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    with Server(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The catalog page (lists every SOP) and the light search page.
            return [{**search_one(browser, base + path, q), "page": path or "/"} for path in ("", "search/") for q in queries]
        finally:
            browser.close()


def search_sites(sites: dict[str, Path], queries: list[str], repeat: int, pages: tuple[str, ...] = ("", "search/"), after_load: bool = False) -> list[dict]:
    """The search part alone over sites already built (``--search-sites``): for each
    round, page and query, every site once, the order of the sites alternating between
    rounds, each in a fresh browser context (cold cache). One server per site."""
    from contextlib import ExitStack

    from playwright.sync_api import sync_playwright

    runs = []
    with ExitStack() as stack, sync_playwright() as pw:
        bases = {label: stack.enter_context(Server(site)) for label, site in sites.items()}
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for round_ in range(repeat):
                order = list(bases) if round_ % 2 == 0 else list(reversed(bases))
                for path in pages:
                    for query in queries:
                        for label in order:
                            run = {**search_one(browser, bases[label] + path, query, after_load=after_load), "page": path or "/", "site": label, "round": round_ + 1}
                            runs.append(run)
                            print(f"  round {round_ + 1} {label:>10} {run['page']:<8} {query:<20} last key -> result "
                                  f"{run['last_key_to_first_result_s']:.3f} s (page clock, whole query: {run['page_last_key_to_query_result_s'] or 0:.3f} s), {run['pagefind_bytes'] / 1024:.0f} KiB "
                                  f"({run['pagefind_bytes_before_typing'] / 1024:.0f} before typing) "
                                  + " ".join(f"{k}={v / 1024:.0f}" for k, v in sorted(run["pagefind_bytes_by_kind"].items())),
                                  file=sys.stderr, flush=True)
        finally:
            browser.close()
    return runs


def search_sites_table(runs: list[dict]) -> str:
    """Per site, page and query: the range over the rounds (the median first, from three rounds on)."""
    rows = [
        "| site | page | query | last key → first result | same, page clock, whole query | first key → first result | /pagefind/ KiB | of which before typing | fragments KiB | index chunks KiB | matches (shown) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        groups.setdefault((run["page"], run["query"], run["site"]), []).append(run)

    def span(values: list[float], fmt: str, median: bool = False) -> str:
        low, high = min(values), max(values)
        text = format(low, fmt) if format(low, fmt) == format(high, fmt) else f"{format(low, fmt)}–{format(high, fmt)}"
        return f"{format(statistics.median(values), fmt)} ({text})" if median and len(values) > 2 and low != high else text

    for (page, query, site), group in sorted(groups.items()):
        rows.append(
            f"| {site} | `{page}` | `{query}` | {span([r['last_key_to_first_result_s'] for r in group], '.2f', True)} s | "
            f"{span([r['page_last_key_to_query_result_s'] or 0 for r in group], '.2f', True)} s | "
            f"{span([r['type_to_first_result_s'] for r in group], '.2f')} s | {span([r['pagefind_bytes'] / 1024 for r in group], '.0f', True)} | "
            f"{span([r['pagefind_bytes_before_typing'] / 1024 for r in group], '.0f')} | "
            f"{span([r['pagefind_bytes_by_kind'].get('fragments', 0) / 1024 for r in group], '.0f')} | "
            f"{span([r['pagefind_bytes_by_kind'].get('index_chunks', 0) / 1024 for r in group], '.0f')} | "
            f"{group[0]['matches']} ({group[0]['results_shown']}) |"
        )
    return "\n".join(rows)


def pick_queries(files: list[Path]) -> list[str]:
    """An owner and a word from the steps, both present in every catalog size."""
    texts = [p.read_text(encoding="utf-8") for p in files]
    owner = next((t for t in generate.TEAMS if any(f"owner: {t}\n" in x for x in texts)), generate.TEAMS[0])
    word = next((w for w in ("kubectl", "psql", "promote") if any(w in x for x in texts)), "rollback")
    return [owner, word]


# --- profile ----------------------------------------------------------------------------

PROFILE_RUNNER = r"""
import cProfile, collections, json, os, pstats, sys, time
os.environ["SOPDOCS_TODAY"] = sys.argv[2]
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
from mkdocs.config import load_config
from mkdocs.commands import build as build_mod
from mkdocs.structure.pages import Page
from sopdocs.site import plugin as mkdocs_plugin
from sopdocs.site import search

timers = collections.defaultdict(float)
counts = collections.Counter()

def timed(owner, name, label):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timers[label] += time.perf_counter() - t
            counts[label] += 1
    setattr(owner, name, wrapper)

# sopdocs phases (patched where the plugin looks them up)
from sopdocs.site import prepare
timed(prepare.SitePool, "__init__", "sopdocs: start the worker processes (on_files)")
timed(prepare.SitePool, "parse", "sopdocs: phase 1, read + lint + search records, all processes (on_files)")
timed(mkdocs_plugin, "build_report", "sopdocs: lint messages (on_files)")
timed(mkdocs_plugin, "make_site", "sopdocs: make_site (on_files)")
timed(prepare.SitePool, "render", "sopdocs: phase 2, SOP pages, all processes (on_files)")
timed(mkdocs_plugin.index_pages, "generated_pages", "sopdocs: generated_pages catalog/owners/tags md (on_files)")
timed(search.IndexJob, "start", "sopdocs: Pagefind started (on_files)")
timed(search.IndexJob, "finish", "sopdocs: waiting for Pagefind (on_post_build)")
timed(mkdocs_plugin.SopdocsPlugin, "on_files", "hook on_files total")
timed(mkdocs_plugin.SopdocsPlugin, "on_page_markdown", "hook on_page_markdown total")
timed(mkdocs_plugin.SopdocsPlugin, "on_post_build", "hook on_post_build total")

# MkDocs per-page phases, split into SOP pages and generated pages
def split_timer(owner, name, label):
    original = getattr(owner, name)
    def wrapper(self, *args, **kwargs):
        page = self if isinstance(self, Page) else args[0]
        kind = "generated" if page.file.generated_by else "sop"
        big = page.file.src_uri in ("index.md", "owners/index.md", "tags/index.md")
        key = f"{label} [{'catalog/owners/tags index' if big else kind}]"
        t = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            timers[key] += time.perf_counter() - t
            counts[key] += 1
    setattr(owner, name, wrapper)

split_timer(Page, "read_source", "mkdocs: Page.read_source")
split_timer(Page, "render", "mkdocs: Page.render (Python-Markdown)")
orig_build_page = build_mod._build_page
def build_page(page, config, doc_files, nav, env, dirty=False, excluded=False):
    big = page.file.src_uri in ("index.md", "owners/index.md", "tags/index.md")
    key = "mkdocs: _build_page total incl. template [" + ("catalog/owners/tags index" if big else ("generated" if page.file.generated_by else "sop")) + "]"
    t = time.perf_counter()
    try:
        return orig_build_page(page, config, doc_files, nav, env, dirty, excluded)
    finally:
        timers[key] += time.perf_counter() - t
        counts[key] += 1
build_mod._build_page = build_page

mode = sys.argv[4]
config = load_config(config_file=sys.argv[1], site_dir=sys.argv[3])
config.plugins.on_startup(command="build", dirty=False)
t = time.perf_counter()
if mode == "cprofile":
    prof = cProfile.Profile()
    prof.enable()
    build_mod.build(config)
    prof.disable()
    prof.dump_stats(sys.argv[5])
else:
    build_mod.build(config)
total = time.perf_counter() - t
config.plugins.on_shutdown()
print(json.dumps({"total_s": total, "timers": timers, "counts": counts}))
"""


def _profile_run(project: Path, mode: str, *extra: str) -> dict:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    site = project / "site-profile"
    wait_quiet(60)
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROFILE_RUNNER, str(project / "mkdocs.yml"), TODAY, str(site), mode, *extra],
            cwd=project, capture_output=True, text=True, env=env, check=False,
        )
    finally:
        shutil.rmtree(site, ignore_errors=True)
    if done.returncode:
        sys.exit(f"site_bench: profile run ({mode}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(work: Path, n: int, cprofile: bool) -> dict:
    """Per-phase timers of in-process plugin and baseline builds; optionally a cProfile
    run of the plugin build."""
    plugin_dir, baseline_dir = (work / "plugin").resolve(), (work / "baseline").resolve()
    runs = {"plugin": _profile_run(plugin_dir, "timers"), "baseline": _profile_run(baseline_dir, "timers")}
    lines = [f"site_bench profile, {n} SOPs: in-process `mkdocs build`, plugin project and baseline project"]
    for name, run in runs.items():
        lines += ["", f"== {name}: total {run['total_s']:.2f} s"]
        for key, value in sorted(run["timers"].items(), key=lambda kv: -kv[1]):
            lines.append(f"{value:8.2f} s  {run['counts'][key]:6d} calls  {key}")
    if cprofile:
        import io
        import pstats

        prof_file = OUT / f"site_profile-{n}.prof"
        _profile_run(plugin_dir, "cprofile", str(prof_file))
        buf = io.StringIO()
        stats = pstats.Stats(str(prof_file), stream=buf)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        lines += ["", "cProfile (inflates Python-heavy code):", buf.getvalue()]
    path = OUT / f"site_profile-{n}.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return {"file": str(path.relative_to(REPO)), **runs}


# --- main -------------------------------------------------------------------------------


def git_changes(path: str) -> list[str] | None:
    """Uncommitted changes under path (the numbers belong to HEAD plus these)."""
    try:
        done = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", path], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.splitlines()


def machine() -> dict:
    kib = mem_total_kib()
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as pkg_version

    packages = {}
    for name in ("mkdocs", "mkdocs-material", "pagefind", "pagefind_bin", "playwright", "markdown", "markdown-it-py", "sopdocs"):
        try:
            packages[name] = pkg_version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "nproc": cpus(),
        "cpu_model": cpu_model(),
        "mem_total": f"{kib // 1024} MB" if kib else "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "chromium": command_output([CHROMIUM, "--version"]),
        "git_head": command_output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
        "sopdocs_changed_files": git_changes("sopdocs"),
        "packages": packages,
    }


def mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def run_size(n: int, work: Path, logs: Path, do_search: bool, quiet_wait_s: float, repeat: int = 1, compare_with: Path | None = None) -> dict:
    t = time.perf_counter()
    plugin_dir, baseline_dir, files = make_projects(n, work)
    gen_s = time.perf_counter() - t
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    print(f"[{n}] generated in {gen_s:.1f} s; plugin build ...", file=sys.stderr, flush=True)

    # This checkout's code first on PYTHONPATH, whatever is installed; with --compare-with,
    # the same plugin build with another checkout's code (into its own site directory).
    commands = {
        "plugin": ([venv_tool("sopdocs"), "build", "-f", "mkdocs.yml", "-d", "site", "--today", TODAY], plugin_dir, {**env, "PYTHONPATH": str(REPO)}),
        "baseline": ([sys.executable, "-m", "mkdocs", "build", "-f", "mkdocs.yml", "-d", "site"], baseline_dir, env),
    }
    if compare_with is not None:
        command = [venv_tool("sopdocs"), "build", "-f", "mkdocs.yml", "-d", "site-compare", "--today", TODAY]
        commands["compare"] = (command, plugin_dir, {**env, "PYTHONPATH": str(compare_with)})

    def build(kind: str, tag: str) -> dict:
        command, project, kind_env = commands[kind]
        log = logs / f"{kind}-{n}{tag}"
        run = measure(command, project, log, kind_env, quiet_wait_s)
        stderr = Path(str(log) + ".stderr")
        if run["returncode"]:
            tail = stderr.read_text(errors="replace")[-3000:]
            sys.exit(f"site_bench: {kind} build failed at N={n} (exit {run['returncode']}):\n{tail}")
        run["warnings"] = count_warnings(stderr)
        return run

    # Rounds interleaved, the order alternating, so that a slow spell of the (shared,
    # noisy) machine hits both; the best of each is reported, every run is kept.
    runs: dict[str, list[dict]] = {kind: [] for kind in commands}
    plugin_runs, baseline_runs, compare_runs = runs["plugin"], runs["baseline"], runs.get("compare", [])
    kinds = list(commands)
    for round_ in range(repeat):
        tag = f"-r{round_ + 1}" if repeat > 1 else ""
        order = kinds[round_ % len(kinds) :] + kinds[: round_ % len(kinds)]  # each kind goes first in turn
        for kind in order if round_ % 2 == 0 else order[::-1]:
            run = build(kind, tag)
            runs[kind].append(run)
            print(f"[{n}] round {round_ + 1}: {kind} {run['wall_s']:.1f} s", file=sys.stderr, flush=True)
    plugin = dict(min(plugin_runs, key=lambda r: r["wall_s"]))
    baseline = dict(min(baseline_runs, key=lambda r: r["wall_s"]))
    plugin["runs_wall_s"] = [r["wall_s"] for r in plugin_runs]
    baseline["runs_wall_s"] = [r["wall_s"] for r in baseline_runs]
    site = plugin_dir / "site"
    plugin["site"] = tree_size(site)
    plugin["pagefind"] = tree_size(site / "pagefind")
    catalog = (site / "index.html").read_bytes()
    plugin["catalog_html_bytes"] = len(catalog)
    plugin["catalog_html_gzip_bytes"] = len(gzip.compress(catalog, 6))
    baseline["site"] = tree_size(baseline_dir / "site")
    shutil.rmtree(baseline_dir / "site", ignore_errors=True)

    result = {"n": n, "generate_s": gen_s, "plugin": plugin, "baseline": baseline, "repeat": repeat,
              "time_ratio": plugin["wall_s"] / baseline["wall_s"],
              "round_ratios": [p["wall_s"] / b["wall_s"] for p, b in zip(plugin_runs, baseline_runs)]}
    result["plugin_runs"], result["baseline_runs"] = plugin_runs, baseline_runs
    if compare_runs:
        shutil.rmtree(plugin_dir / "site-compare", ignore_errors=True)
        result["compare"] = {
            "code": str(compare_with),
            "runs_wall_s": [r["wall_s"] for r in compare_runs],
            "round_ratios": [c["wall_s"] / b["wall_s"] for c, b in zip(compare_runs, baseline_runs)],
            "runs": compare_runs,
        }
    if do_search:
        print(f"[{n}] baseline {baseline['wall_s']:.1f} s; search ...", file=sys.stderr, flush=True)
        result["search_busy_before"] = wait_quiet(quiet_wait_s) if quiet_wait_s else None
        start = cpu_busy_s()
        t = time.perf_counter()
        result["search"] = search_bench(site, pick_queries(files))
        # includes Chromium's and this process's own CPU: compare across runs, not with the builds
        result["search_machine_cpus_busy"] = (cpu_busy_s() - start) / (time.perf_counter() - t)
    return result


def table(results: list[dict]) -> str:
    rows = [
        "| SOPs | plugin build | baseline build | ratio (best / best) | ratio per round | other load (plugin / baseline) | plugin peak RSS | baseline peak RSS | plugin site | baseline site | pagefind index | catalog index.html (gzip) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        p, b = r["plugin"], r["baseline"]
        rows.append(
            f"| {r['n']} | {p['wall_s']:.1f} s | {b['wall_s']:.1f} s | {r['time_ratio']:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in r.get('round_ratios', []))} | "
            f"{p['foreign_cpu_s'] / p['wall_s']:.2f} / {b['foreign_cpu_s'] / b['wall_s']:.2f} CPUs | "
            f"{p['maxrss_kb'] / 1024:.0f} MB | {b['maxrss_kb'] / 1024:.0f} MB | "
            f"{mb(p['site']['bytes'])} MB / {p['site']['files']} files | {mb(b['site']['bytes'])} MB / {b['site']['files']} files | "
            f"{mb(p['pagefind']['bytes'])} MB / {p['pagefind']['files']} files | "
            f"{p['catalog_html_bytes'] / 1e6:.2f} MB ({p['catalog_html_gzip_bytes'] / 1e3:.0f} kB) |"
        )
    if any("compare" in r for r in results):
        rows += [
            "",
            "| SOPs | this checkout / baseline, per round | compared checkout / baseline, per round | this checkout (all runs) | compared checkout (all runs) | baseline (all runs) | CPU: this / compared / baseline (all runs) |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in (r for r in results if "compare" in r):
            c = r["compare"]

            def cpu(runs: list[dict]) -> str:
                return ", ".join(f"{x['user_s'] + x['sys_s']:.1f}" for x in runs)

            rows.append(
                f"| {r['n']} | {', '.join(f'{x:.2f}' for x in r['round_ratios'])} | {', '.join(f'{x:.2f}' for x in c['round_ratios'])} | "
                f"{', '.join(f'{x:.1f}' for x in r['plugin']['runs_wall_s'])} s | {', '.join(f'{x:.1f}' for x in c['runs_wall_s'])} s | "
                f"{', '.join(f'{x:.1f}' for x in r['baseline']['runs_wall_s'])} s | "
                f"{cpu(r['plugin_runs'])} / {cpu(c['runs'])} / {cpu(r['baseline_runs'])} s |"
            )
    if any("search" in r for r in results):
        rows += [
            "",
            "| SOPs | page | query | page open → search box | first key → first result | last key → first result | → first title | matches (shown) | /pagefind/ bytes (requests) | of which before typing |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results:
            for s in r.get("search", []):
                rows.append(
                    f"| {r['n']} | `{s.get('page', '/')}` | `{s['query']}` | {s['open_to_input_s']:.2f} s | {s['type_to_first_result_s']:.2f} s | "
                    f"{s['last_key_to_first_result_s']:.2f} s | {s['type_to_first_title_s']:.2f} s | {s['matches']} ({s['results_shown']}) | "
                    f"{s['pagefind_bytes'] / 1e3:.0f} kB ({s['pagefind_requests']}) | {s['pagefind_bytes_before_typing'] / 1e3:.0f} kB |"
                )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated catalog sizes (default: %(default)s)")
    parser.add_argument("--no-search", action="store_true", help="skip the browser search measurement")
    parser.add_argument("--profile", action="store_true", help="time the plugin's phases at the largest size (in-process, twice)")
    parser.add_argument("--cprofile", action="store_true", help="with --profile, also run the plugin build once under cProfile (slow)")
    parser.add_argument("--quiet-wait", type=float, default=600, metavar="S",
                        help="before each build wait up to S seconds for other processes to leave the CPUs idle (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the projects and sites under bench/out/site-N/")
    parser.add_argument("--compare-with", type=Path, metavar="DIR",
                        help="also build with another checkout's code (PYTHONPATH=DIR, e.g. ../main), interleaved with the others")
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="build each project R times, interleaved; report the best of each (default: %(default)s)")
    parser.add_argument("--search-sites", metavar="LABEL=DIR,...",
                        help="only the search part, over sites already built (e.g. main=/tmp/a/site,new=/tmp/b/site): "
                             "every site in each round, interleaved; --repeat rounds; no build")
    parser.add_argument("--queries", default="team-data-platform,kubectl",
                        help="with --search-sites: comma-separated queries (default: %(default)s)")
    parser.add_argument("--after-load", action="store_true",
                        help="with --search-sites: type only once the page has loaded and its network is idle")
    args = parser.parse_args(argv)
    if args.search_sites:
        return main_search_sites(args)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    logs = OUT / "site_logs"
    logs.mkdir(exist_ok=True)
    info = machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu_model']}, {info['mem_total']}, Python {info['python']}, "
          f"mkdocs {info['packages']['mkdocs']}, material {info['packages']['mkdocs-material']}, "
          f"pagefind {info['packages']['pagefind_bin']}, {info['chromium']}", file=sys.stderr)

    results = []
    profile_result = None
    for n in sizes:
        if args.keep:
            work = OUT / f"site-{n}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            cleanup = None
        else:
            cleanup = tempfile.TemporaryDirectory(prefix=f"site_bench-{n}-")
            work = Path(cleanup.name)
        try:
            results.append(run_size(n, work, logs, not args.no_search, args.quiet_wait, args.repeat, args.compare_with.resolve() if args.compare_with else None))
            if args.profile and n == max(sizes):
                print(f"[{n}] profiling ...", file=sys.stderr, flush=True)
                profile_result = profile(work, n, args.cprofile)
        finally:
            if cleanup:
                cleanup.cleanup()
        (OUT / "site_results.json").write_text(
            json.dumps({"machine": info, "today": TODAY, "results": results, "profile": profile_result}, indent=2),
            encoding="utf-8",
        )

    print(f"\nMachine: {info['nproc']} CPUs ({info['cpu_model']}), {info['mem_total']} RAM, Python {info['python']}, "
          f"mkdocs {info['packages']['mkdocs']}, mkdocs-material {info['packages']['mkdocs-material']}, "
          f"pagefind {info['packages']['pagefind_bin']}, {info['chromium']}\n")
    print(table(results))
    print("\nPeak RSS = getrusage(RUSAGE_CHILDREN).ru_maxrss of a fresh wrapper: the largest single process of the tree, "
          "pagefind binary included (it is waited for). Sampled per-process peaks are in bench/out/site_results.json. "
          "Other load = CPU seconds the machine spent outside the measured command per second of wall time "
          f"(the machine has {info['nproc']} CPUs; above ~0.2 the wall time is inflated by other work).")
    if profile_result:
        print(f"\nProfile ({profile_result['file']}), in-process builds at N={max(sizes)}:")
        for name, run in ((k, v) for k, v in profile_result.items() if k != "file"):
            top = sorted(run["timers"].items(), key=lambda kv: -kv[1])[:6]
            print(f"- {name}: total {run['total_s']:.1f} s; " + "; ".join(f"{k} {v:.1f} s" for k, v in top))
    return 0


def main_search_sites(args: argparse.Namespace) -> int:
    sites = {}
    for item in args.search_sites.split(","):
        label, sep, directory = item.partition("=")
        if not sep or not (Path(directory) / "pagefind" / "pagefind.js").is_file():
            sys.exit(f"site_bench: --search-sites wants LABEL=DIR with a built site in DIR (DIR/pagefind/pagefind.js), not {item!r}")
        sites[label] = Path(directory)
    queries = [q for q in args.queries.split(",") if q]
    OUT.mkdir(parents=True, exist_ok=True)
    info = machine()
    runs = search_sites(sites, queries, args.repeat, after_load=args.after_load)
    (OUT / "site_search_results.json").write_text(
        json.dumps({"machine": info, "sites": {k: str(v) for k, v in sites.items()}, "runs": runs}, indent=2), encoding="utf-8"
    )
    print(search_sites_table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
