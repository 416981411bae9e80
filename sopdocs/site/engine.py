"""Running the site engine (MkDocs, ProperDocs, `sopdocs serve`'s server) in its own process.

Light on purpose: `sopdocs build` and `sopdocs serve` import only this before they start
the engine, which imports the site itself; the build waits for nothing else (importing
:mod:`sopdocs.site.build` here cost a tenth of a second before MkDocs even started).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def engine_env(today: dt.date | None, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment of the MkDocs or ProperDocs process of a build."""
    env = dict(environ)
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    if today is not None:
        env["SOPDOCS_TODAY"] = today.isoformat()
    return env


# Signals that stop a build or `sopdocs serve` when sent to sopdocs by its PID (a service
# manager, `kill`, a closed terminal). The engine gets SIGINT for them, so it stops as on
# Ctrl-C: `mkdocs serve` closes its port and removes its temporary site.
PASSED_ON = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def call_engine(engine: str, verb: str, mkdocs_file: Path | str, args: list[str], env: dict[str, str]) -> int:
    """Run ``python -m mkdocs|properdocs VERB -f FILE ARGS``; its exit code, or 128 + N
    when sopdocs was stopped by signal N (passed on to the engine, see PASSED_ON).

    Ctrl-C in a terminal reaches the engine directly (it is in the same process group),
    so sopdocs only waits for it to finish rather than interrupting it twice."""
    process = subprocess.Popen([sys.executable, "-m", engine, verb, "-f", str(mkdocs_file), *args], env=env)
    stopped_by: list[int] = []

    def pass_on(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)

    def wait_for_engine(_signum: int, _frame: object) -> None:
        pass

    previous = {signum: signal.signal(signum, pass_on) for signum in PASSED_ON}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, wait_for_engine)
    try:
        code = process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 + stopped_by[0] if stopped_by else code
