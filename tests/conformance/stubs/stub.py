"""A recording stand-in for a command-line tool (kubectl, aws, psql, ...).

Called as `stub.py TOOL ARG...` by the wrapper named TOOL on PATH. Answers, then
appends one JSON line `{"call": [TOOL, ARG...], "start": ns, "end": ns}` to $STUB_LOG
(wall-clock nanoseconds; the start is when the wrapper began, $STUB_T0 from bash's
$EPOCHREALTIME, before Python's start-up: calls whose times overlap ran concurrently, in
one pipeline or process substitution, and their order is not the SOP's). It answers from the rules in $STUB_RULES (a JSON list,
first match wins): `{"tool": "aws", "match": ["get-alias"], "stdout": "...", "exit": 0,
"once": false}` - `match` are substrings that must all occur in the joined arguments or
in what the call read on standard input (psql's SQL comes that way); a
rule with `"once": true` applies to its first matching call only (its use is counted in
$STUB_STATE). Without a matching rule: no output, exit 0. Standard input is read and
dropped, so a stub at the end of a pipe never breaks it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

MIN_SECONDS = 0.1


def main() -> int:
    seconds, _, fraction = os.environ.get("STUB_T0", "").partition(".")
    start = int(seconds + fraction.ljust(9, "0")[:9]) if seconds.isdigit() else time.time_ns()
    tool, args = sys.argv[1], sys.argv[2:]
    code = answer(tool, args)
    # Last at least MIN_SECONDS from the wrapper's start, so that the parts of one
    # pipeline (started together) always overlap, even on a busy machine.
    rest = start + int(MIN_SECONDS * 1e9) - time.time_ns()
    if rest > 0:
        time.sleep(rest / 1e9)
    with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"call": [tool, *args], "start": start, "end": time.time_ns()}) + "\n")
    return code


def answer(tool: str, args: list[str]) -> int:
    stdin = ""
    if not sys.stdin.isatty():
        try:
            stdin = sys.stdin.buffer.read().decode("utf-8", "replace")
        except OSError:
            pass
    joined = " ".join(args) + "\n" + stdin
    rules = json.loads(Path(os.environ["STUB_RULES"]).read_text(encoding="utf-8")) if os.environ.get("STUB_RULES") else []
    for index, rule in enumerate(rules):
        if rule["tool"] != tool or not all(part in joined for part in rule.get("match", [])):
            continue
        if rule.get("once"):
            used = Path(os.environ["STUB_STATE"]) / f"rule-{index}"
            try:
                used.touch(exist_ok=False)
            except FileExistsError:
                continue
        sys.stdout.write(rule.get("stdout", ""))
        sys.stdout.flush()
        return int(rule.get("exit", 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
