"""`sopdocs serve` stopped by its PID (a service manager, `kill`, a closed terminal) stops
the server with it: the port closes, no server is left behind, and the server removes its
temporary site, as after Ctrl-C. Both servers: the live preview (sopdocs.site.live) and
plain `mkdocs serve` (`--full-rebuilds`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import MINIMAL, TODAY, cli_env, sopdocs_command
from sitekit import make_project


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    "options, temporary", [([], "sopdocs-serve-"), (["--full-rebuilds"], "mkdocs_")], ids=["live", "full-rebuilds"]
)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_stopping_serve_by_its_pid_stops_the_server(tmp_path, stop, options, temporary):
    project = make_project(tmp_path / "project", {"restart-api.md": MINIMAL})
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    process = subprocess.Popen(
        [*sopdocs_command(), "serve", "-a", f"127.0.0.1:{port}", "--today", TODAY, *options],
        cwd=project, env=cli_env({"TMPDIR": str(temp)}), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    servers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not answers(port):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "sopdocs serve never answered"
            time.sleep(0.2)
        servers = children(process.pid)
        assert servers, "the server runs in a child process"
        assert any(path.name.startswith(temporary) for path in temp.iterdir())

        process.send_signal(stop)  # to sopdocs only, not to its process group
        assert process.wait(timeout=60) == 128 + stop
        assert not any(alive(pid) for pid in servers), "the MkDocs server outlived sopdocs serve"
        assert not answers(port)
        assert [path.name for path in temp.iterdir() if path.name.startswith((temporary, "sopdocs-search-"))] == []
    finally:
        if process.poll() is None or any(alive(pid) for pid in servers):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
