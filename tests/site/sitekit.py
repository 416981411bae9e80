"""Helpers for the catalog-site tests: temporary MkDocs projects, `sopdocs build` as a
real subprocess, and a static HTTP server for the built site."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

from helpers import TODAY, sopdocs_command

SITE_TESTS = Path(__file__).resolve().parent
REPO = SITE_TESTS.parents[1]
CONTENT = REPO / "content"
FIXTURES = REPO / "tests" / "fixtures" / "site"
ARTIFACTS = REPO / "tests" / "artifacts"

# The repo's mkdocs.yml, as a catalog project would write it.
MKDOCS_YML = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
# Project config without an `owners` list: the fixture owners are not in the repo's list.
SOPDOCS_YML = "paths: [content]\nreview_in: 6 months\ndue_soon_days: 30\n"

XSS_ID = "xss-restart-workers"
XSS_TITLE = "<script>alert(1)</script> Restart <b>workers</b>"
XSS_NEIGHBOUR_ID = "xss-neighbour-drain"  # relates to and rolls back with the XSS fixture
DUE_SOON_ID = "due-soon-cache-flush"
QUOKKA_ID = "quokka-queue-rebalance"
QUOKKA_OWNER = "team-quokka"
QUOKKA_WORD = "zanzibarctl"


def make_project(root: Path, sops: dict[str, str], *, config: str = SOPDOCS_YML, mkdocs_yml: str = MKDOCS_YML) -> Path:
    """A catalog project: mkdocs.yml (docs_dir content/), sopdocs.yml, content/<name>."""
    docs = root / "content"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in sops.items():
        (docs / name).write_text(text, encoding="utf-8")
    (root / "mkdocs.yml").write_text(mkdocs_yml, encoding="utf-8")
    (root / "sopdocs.yml").write_text(config, encoding="utf-8")
    return root


def catalog_sources() -> dict[str, str]:
    """content/*.md of the repo plus the site fixtures."""
    files = sorted(CONTENT.glob("*.md")) + sorted(FIXTURES.glob("*.md"))
    return {path.name: path.read_text(encoding="utf-8") for path in files}


def run_build(project: Path, site_dir: Path, *extra: str, today: str = TODAY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOPDOCS_TODAY"}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [*sopdocs_command(), "build", "--today", today, "-d", str(site_dir), *extra],
        cwd=project,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )


@dataclass
class Build:
    project: Path
    site: Path
    result: subprocess.CompletedProcess

    def page(self, url: str) -> Path:
        """The HTML file of a site-relative URL such as ``owners/`` or ``x/``."""
        path = self.site / url
        return path / "index.html" if url == "" or url.endswith("/") else path

    def html_files(self) -> list[Path]:
        return sorted(self.site.rglob("*.html"))

    def page_urls(self) -> list[str]:
        """Every directory page of the site, as a URL path ("/", "/owners/", ...)."""
        urls = []
        for path in sorted(self.site.rglob("index.html")):
            rel = path.parent.relative_to(self.site).as_posix()
            urls.append("/" if rel == "." else f"/{rel}/")
        return urls


def build_catalog(root: Path, *extra: str) -> Build:
    project = make_project(root / "project", catalog_sources())
    site = root / "SITE"
    return Build(project, site, run_build(project, site, *extra))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that closes a connection early is not a test failure.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SiteServer:
    """Serves a directory on 127.0.0.1:<free port> from a background thread."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"site-server-{self.port}", daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
