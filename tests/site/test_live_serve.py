"""`sopdocs serve` updates only what a saved SOP touches (sopdocs.site.live), and gets it
right: a real `sopdocs serve` process on a small generated catalog, fetched over HTTP
after each edit, add, rename and delete of an SOP; then every page it serves is compared
with what a fresh `sopdocs serve` of the same files serves (a full build)."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import TODAY, cli_env, sopdocs_command
from sitekit import REPO, SOPDOCS_YML, make_project

sys.path.insert(0, str(REPO / "bench"))
import generate  # noqa: E402 - bench/generate.py, the benchmark's generator

# The repo's site settings with docs in content/ (sitekit.make_project), no `nav:`.
MKDOCS_YML = """site_name: SOP catalog
docs_dir: content
theme:
  name: material
  font: false
plugins:
  - sopdocs
markdown_extensions:
  - toc:
      permalink: true
  - tables
"""
RELOAD_SCRIPT = re.compile(r'<script src="/\.sopdocs-live/livereload\.js\?epoch=\d+&amp;id=\d+"></script>')
BANNER = re.compile(r'<pre class="sopdocs-live-errors".*?</pre>', re.DOTALL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A `sopdocs serve` process and GETs from it."""

    def __init__(self, project: Path, port: int, *extra: str) -> None:
        self.port = port
        self.log = (project.parent / f"serve-{time.monotonic_ns()}.log").open("w+", encoding="utf-8")
        self.process = subprocess.Popen(
            [*sopdocs_command(), "serve", "-a", f"127.0.0.1:{port}", "--today", TODAY, *extra],
            cwd=project, env=cli_env(), stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while self.status("") != 200:
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, "sopdocs serve never answered\n" + self.output()
            time.sleep(0.2)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def get(self, url: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{url}", timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, ""
        except OSError:
            return 0, ""

    def status(self, url: str) -> int:
        return self.get(url)[0]

    def page(self, url: str) -> str:
        """The page as built: without what the server adds to each page it serves."""
        code, text = self.get(url)
        assert code == 200, f"GET /{url}: {code}"
        return BANNER.sub("", RELOAD_SCRIPT.sub("", text))

    def until(self, check, what: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            assert time.monotonic() < deadline, f"never: {what}\n{self.output()[-3000:]}"
            time.sleep(0.1)

    def sops(self) -> dict[str, dict]:
        return {s["id"]: s for s in json.loads(self.page("sops.json"))["sops"]}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # sopdocs passes it on to the server as Ctrl-C
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def all_pages(self) -> list[str]:
        """Every page URL in the sitemap, plus sops.json and sitemap.xml themselves."""
        sitemap = self.page("sitemap.xml")
        urls = [u.removeprefix(f"http://127.0.0.1:{self.port}/") for u in re.findall(r"<loc>(.*?)</loc>", sitemap)]
        return sorted({*urls, "sops.json", "sitemap.xml", "owners/", "tags/"})


def with_front(text: str, key: str, value: str) -> str:
    return re.sub(rf"^{key}: .*$", f"{key}: {value}", text, count=1, flags=re.MULTILINE)


@pytest.fixture
def catalog(tmp_path):
    generated = generate.generate(24, tmp_path / "gen", seed=3)
    sources = {path.name: path.read_text(encoding="utf-8") for path in generated}
    project = make_project(tmp_path / "project", sources, config=SOPDOCS_YML, mkdocs_yml=MKDOCS_YML)
    return project, sources


def related_pair(sources: dict[str, str]) -> tuple[str, str]:
    """(an SOP's file, the file of another SOP whose `related` names it)."""
    for name, text in sorted(sources.items()):
        match = re.search(r"^related: \[(.*?)\]", text, re.MULTILINE)
        for other in (match.group(1).split(", ") if match else []):
            other = other.strip("'\"")
            if f"{other}.md" in sources and f"{other}.md" != name:
                return f"{other}.md", name
    raise AssertionError("no SOP relates to another")


def test_edit_add_rename_delete_update_every_page_and_match_a_full_build(catalog):
    project, sources = catalog
    docs = project / "content"
    target, referrer = related_pair(sources)
    target_id, referrer_id = target.removesuffix(".md"), referrer.removesuffix(".md")
    port = free_port()
    served = Served(project, port)
    try:
        before = served.sops()
        owner = before[target_id]["owner"]
        tag = before[target_id]["tags"][0]

        # Edit: a new title shows on the SOP's page, its catalog row, its owner's and its
        # tags' pages, sops.json, and the page of the SOP that names it in `related`.
        title = "Edited title with <angle> & ampersand"
        (docs / target).write_text(with_front(sources[target], "title", json.dumps(title)), encoding="utf-8")
        escaped = "Edited title with &lt;angle&gt; &amp; ampersand"
        served.until(lambda: escaped in served.page(f"{target_id}/"), "the edited title on its page")
        for url in ("", f"owners/{owner}/", f"tags/{tag}/", f"{referrer_id}/"):
            assert escaped in served.page(url), url
        assert served.sops()[target_id]["title"] == title
        assert "updated" in served.output() and "full rebuild" not in served.output()

        # Add: an SOP with a new owner and a new tag: its page, the owner's and the tag's
        # pages appear, and the catalog and the indexes list them.
        new_text = with_front(with_front(with_front(sources[target], "id", "brand-new-sop"), "owner", "team-brand-new"), "tags", "[brand-new-tag]")
        new_text = with_front(new_text, "title", "A brand new SOP")
        (docs / "brand-new-sop.md").write_text(new_text, encoding="utf-8")
        served.until(lambda: served.status("brand-new-sop/") == 200, "the new SOP's page")
        assert "A brand new SOP" in served.page("")
        assert "A brand new SOP" in served.page("owners/team-brand-new/")
        assert "A brand new SOP" in served.page("tags/brand-new-tag/")
        assert "team-brand-new" in served.page("owners/") and "brand-new-tag" in served.page("tags/")
        assert served.sops()["brand-new-sop"]["owner"] == "team-brand-new"

        # Rename: the page moves; nothing links to the old URL any more.
        (docs / referrer).rename(docs / "renamed-sop.md")
        served.until(lambda: served.status("renamed-sop/") == 200, "the renamed SOP's page")
        assert served.status(f"{referrer_id}/") == 404
        assert f'href="{referrer_id}/"' not in served.page("")
        assert served.sops()[referrer_id]["url"] == "renamed-sop/"

        # Delete: its page, its owner's and its tag's pages go; the catalog forgets it.
        (docs / "brand-new-sop.md").unlink()
        served.until(lambda: served.status("brand-new-sop/") == 404, "the deleted SOP's page gone")
        for url in ("owners/team-brand-new/", "tags/brand-new-tag/"):
            assert served.status(url) == 404, url
        assert "A brand new SOP" not in served.page("")
        assert "team-brand-new" not in served.page("owners/")
        assert "brand-new-sop" not in served.sops()
        assert "full rebuild" not in served.output(), served.output()

        # Every page equals a full build's (a fresh `sopdocs serve` on the same port).
        incremental = {url: served.page(url) for url in served.all_pages()}
    finally:
        served.stop()
    fresh = Served(project, port)
    try:
        urls = fresh.all_pages()
        assert sorted(urls) == sorted(incremental), "the same pages"
        different = [url for url in urls if fresh.page(url) != incremental[url]]
        assert different == [], f"pages that differ from a full build: {different[:10]}"
    finally:
        fresh.stop()


def test_mkdocs_yml_rebuilds_everything_and_lint_errors_show_without_stopping(catalog):
    project, sources = catalog
    docs = project / "content"
    name = sorted(sources)[0]
    sop_id = name.removesuffix(".md")
    served = Served(project, free_port())
    try:
        # A lint error (a review date that is no date): said on every page and in the
        # console; the server keeps serving and the page still updates.
        broken = with_front(with_front(sources[name], "last_reviewed", "not-a-date"), "title", "Broken but shown")
        (docs / name).write_text(broken, encoding="utf-8")
        served.until(lambda: "Broken but shown" in served.get(f"{sop_id}/")[1], "the page with the lint error")
        code, text = served.get("")
        assert code == 200 and "sopdocs-live-errors" in text and f"content/{name}" in text
        assert served.process.poll() is None
        (docs / name).write_text(sources[name], encoding="utf-8")
        served.until(lambda: "sopdocs-live-errors" not in served.get("")[1], "the lint error gone")

        # mkdocs.yml: a full rebuild (every page's <title> names the new site).
        (project / "mkdocs.yml").write_text(MKDOCS_YML.replace("site_name: SOP catalog", "site_name: Renamed handbook"), encoding="utf-8")
        served.until(lambda: "Renamed handbook" in served.get(f"{sop_id}/")[1], "the new site name on an SOP page")
        assert "Renamed handbook" in served.page("owners/")
        assert "full rebuild" in served.output()
    finally:
        served.stop()


def test_the_page_reloads_itself_after_a_save(catalog, browser):
    """MkDocs' live reload runs under the pages' Content-Security-Policy (its script is
    served as a file), and the open page shows the edit by itself."""
    project, sources = catalog
    name = sorted(sources)[1]
    sop_id = name.removesuffix(".md")
    served = Served(project, free_port())
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"http://127.0.0.1:{served.port}/{sop_id}/")
        page.wait_for_function("() => document.readyState === 'complete'")
        page.wait_for_timeout(300)  # the reload script is polling
        (project / "content" / name).write_text(with_front(sources[name], "title", "Reloaded by itself"), encoding="utf-8")
        page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').textContent.includes('Reloaded by itself')", timeout=30_000)
        assert errors == [], errors
    finally:
        context.close()
        served.stop()
