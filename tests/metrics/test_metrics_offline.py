"""The reliability page in an offline copy (`sopdocs build --metrics ... --offline`): its
links name files, as every link of an offline copy must (tests/site/test_offline.py)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from metricskit import SITE_TODAY


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found.extend(value for name, value in attrs if name in ("href", "src") and value)


def test_offline_reliability_page_links_open_files(metrics_site, scenario):
    site = scenario.root / "SITE-offline"
    build = scenario.project.sopdocs("build", "--today", SITE_TODAY, "-d", str(site), "--metrics", "metrics.json", "--offline")
    assert build.returncode == 0, build.stderr
    page = site / "reliability.html"
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    local = [ref for ref in parser.found if not urlsplit(ref).scheme and not urlsplit(ref).netloc and urlsplit(ref).path]
    sop_links = [ref for ref in local if ref in ("alpha.html", "beta.html", "gamma.html", "delta.html")]
    assert sop_links, local
    broken = [ref for ref in local if not (page.parent / unquote(urlsplit(ref).path)).is_file()]
    assert broken == []
