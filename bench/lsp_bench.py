"""Benchmark `sopdocs lsp` on a generated catalog: start-up and edit-to-diagnostics.

    python bench/lsp_bench.py [--size 5000] [--edits 20] [--seed 1] [--out bench/out]

1. Generate N lint-clean SOPs (bench/generate.py) into OUT/lsp-catalog-N/sops/ with a
   sopdocs.yml (the generator's owners), unless they are there already.
2. Warm lint, for comparison: `sopdocs lint sops --today 2026-11-26 --config
   sopdocs.yml` twice; the second run (every file from the cache) is the warm time.
3. Start `python -m sopdocs lsp` (the code next to this script) over stdio with a tiny
   JSON-RPC client (this file), `initialize` with the catalog as the workspace,
   `initialized`, open one SOP: **start-up** is from spawning the process to the first
   `publishDiagnostics` of that SOP (the lint cache is warm from step 2, as in a
   checkout where `sopdocs lint` or pre-commit has run).
4. **Edit to diagnostics**, ``--edits`` times, 300 ms apart (so the 50 ms debounce never
   merges two): alternately a sentence of the body and the `id` (a change of the
   facts other SOPs' catalog-wide findings read, so those are recomputed too) change; the time from sending
   `didChange` to receiving the `publishDiagnostics` of that version. The figure includes
   the server's debounce (50 ms).

Prints a Markdown table; every measurement goes to OUT/lsp_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

TODAY = "2026-11-26"


class Client:
    """Just enough JSON-RPC over stdio: requests, notifications, and a queue of what the
    server sends, timestamped on arrival."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.messages: list[tuple[float, dict]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            with self.cond:
                self.messages.append((time.perf_counter(), message))
                self.cond.notify_all()
            if "id" in message and "method" in message:  # a request from the server: accept it
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> float:
        sent = time.perf_counter()
        self._send({"jsonrpc": "2.0", "method": method, "params": params})
        return sent

    def request(self, method: str, params: dict, timeout: float = 600) -> dict:
        self.next_id += 1
        wanted = self.next_id
        self._send({"jsonrpc": "2.0", "id": wanted, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == wanted and "method" not in m, timeout)[1]

    def wait(self, predicate, timeout: float = 600) -> tuple[float, dict]:
        deadline = time.perf_counter() + timeout
        with self.cond:
            seen = 0
            while True:
                for when, message in self.messages[seen:]:
                    if predicate(message):
                        self.messages.remove((when, message))
                        return when, message
                seen = len(self.messages)
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("no such message from the server")
                self.cond.wait(left)

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def diagnostics_of(uri: str, version: int | None = None):
    def match(message: dict) -> bool:
        if message.get("method") != "textDocument/publishDiagnostics":
            return False
        params = message["params"]
        return params["uri"] == uri and (version is None or params.get("version") == version)

    return match


def prepare(size: int, out: Path, seed: int) -> Path:
    catalog = out / f"lsp-catalog-{size}"
    sops = catalog / "sops"
    if not sops.is_dir() or len(list(sops.glob("*.md"))) != size:
        if catalog.exists():
            import shutil

            shutil.rmtree(catalog)
        sops.mkdir(parents=True)
        generate.generate(size, sops, seed=seed)
        generate.write_config(catalog / "sopdocs.yml", paths=["sops"])
    return catalog


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()

    env = {**os.environ, "PYTHONPATH": str(REPO), "SOPDOCS_TODAY": TODAY}
    catalog = prepare(args.size, args.out, args.seed)
    lint = [sys.executable, "-m", "sopdocs", "lint", "sops", "--today", TODAY, "--config", "sopdocs.yml", "--format", "json", "-o", "report.json"]
    first = timed(lint, catalog, env)
    warm = timed(lint, catalog, env)
    print(f"lint: first {first:.2f} s, warm {warm:.2f} s", file=sys.stderr)

    files = sorted((catalog / "sops").glob("*.md"))
    target = files[len(files) // 2]
    uri = target.resolve().as_uri()
    text = target.read_text(encoding="utf-8")

    client = Client([sys.executable, "-m", "sopdocs", "lsp"], catalog, env)
    root = catalog.resolve().as_uri()
    capabilities = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}, "textDocument": {}}
    client.request("initialize", {"processId": os.getpid(), "rootUri": root, "capabilities": capabilities,
                                  "workspaceFolders": [{"uri": root, "name": "catalog"}]})  # fmt: skip
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}})
    arrived, first_diagnostics = client.wait(diagnostics_of(uri))
    startup = arrived - client.started
    print(f"start-up to first diagnostics: {startup:.2f} s ({len(first_diagnostics['params']['diagnostics'])} findings)", file=sys.stderr)

    latencies = []
    for index in range(args.edits):
        version = index + 2
        if index % 2:
            edited = text.replace(f"\nid: {target.stem}\n", f"\nid: {target.stem}-{index}\n", 1)
        else:
            edited = text + f"\nEdited {index}.\n"
        change = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": edited}]}
        sent = client.notify("textDocument/didChange", change)
        arrived, _ = client.wait(diagnostics_of(uri, version), timeout=60)
        latencies.append(arrived - sent)
        time.sleep(0.3)
    client.close()

    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    rows = [
        ("`sopdocs lint` warm (second run, every file cached)", f"{warm:.2f} s"),
        ("`sopdocs lint` first run of this benchmark", f"{first:.2f} s"),
        ("`sopdocs lsp` start-up to first diagnostics (warm cache)", f"{startup:.2f} s"),
        (f"edit → diagnostics, median of {len(ms)}", f"{statistics.median(ms):.0f} ms"),
        (f"edit → diagnostics, p95 of {len(ms)}", f"{p95:.0f} ms"),
        ("edit → diagnostics, max", f"{ms[-1]:.0f} ms"),
    ]
    print(f"\n{args.size} SOPs, {os.cpu_count()} CPUs\n")
    print("| measurement | time |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lsp_results.json").write_text(json.dumps(
        {"size": args.size, "lint_first_s": first, "lint_warm_s": warm, "startup_s": startup, "edit_ms": ms}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
