"""The catalog site with run figures (`sopdocs build --metrics`), read as HTML."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from metricskit import GHOST_OWNER, SITE_TODAY


def figure(html: str, name: str) -> dict[str, str]:
    """The data-* attributes of the first `data-sop-figure="NAME"` element."""
    match = re.search(rf'<span data-sop-figure="{name}"([^>]*)>', html)
    assert match, name
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))


def metrics_box(html: str) -> str:
    start = html.index("data-sop-metrics")
    return html[start : html.index("</svg>", start) if "</svg>" in html[start:] else html.index("</div>", start)]


def test_sop_page_shows_the_figures(metrics_site, scenario):
    html = metrics_site.html("alpha")
    assert figure(html, "success-rate") == {"ratio": str(round(3 / 7, 4)), "runs": "7", "low-confidence": "false"}
    assert figure(html, "rollback-rate") == {"ratio": str(round(4 / 7, 4)), "runs": "7", "low-confidence": "false"}
    assert "43% <span" in html and "57% <span" in html and "(of 7 runs)" in html
    last_run = scenario.records("a8").start["time"][:10]
    assert re.search(
        rf'data-sop-figure="last-run"><time datetime="{last_run}">{last_run}</time> <span[^>]*data-sop-result="success"', html
    )
    assert f'data-sop-figure="last-success"><time datetime="{scenario.records("a8").end["time"][:10]}"' in html
    assert "1 did not restore the system" in html
    # The trend: one bar per run, oldest first, coloured by result; no script anywhere in the box.
    box = metrics_box(html)
    assert re.findall(r'data-result="([a-z]+)"><title>', box) == [
        "success", "success", "failure", "timeout", "failure", "failure", "refused", "success",
    ]  # fmt: skip
    assert "<script" not in box and "javascript:" not in box and " on" not in re.sub(r'"[^"]*"', '""', box)


def test_low_confidence_and_never_run(metrics_site):
    beta = metrics_site.html("beta")
    assert figure(beta, "success-rate") == {"ratio": str(round(2 / 3, 4)), "runs": "3", "low-confidence": "true"}
    assert "data-sop-low-confidence" in beta and "low confidence</span>" in beta
    delta = metrics_site.html("delta")
    assert 'data-sop-metrics data-runs="0"' in delta and "data-sop-never-run" in delta


def test_reliability_page(metrics_site, scenario):
    html = metrics_site.html("reliability")
    ranked = re.findall(r'<tr data-sop-rank-row data-id="([^"]+)" data-rank="(\d+)" data-low-confidence="(\w+)"', html)
    # alpha has enough runs; the others are ranked below it, by failure then rollback rate.
    assert ranked == [("alpha", "1", "false"), ("beta", "2", "true"), ("gamma", "3", "true"), ("ghost-sop", "4", "true")]
    never = html[html.index("data-sop-never-run") :]
    assert re.findall(r'<li data-id="([^"]+)"', never[: never.index("</ul>")]) == ["delta"]
    stale = dict(re.findall(r'<tr data-sop-stale-row data-id="([^"]+)">.*?data-days="(\d+)"', html))
    today = dt.date.fromisoformat(SITE_TODAY)
    expected = {
        sop_id: str((today - dt.date.fromisoformat(scenario.records(label).start["time"][:10])).days)
        for sop_id, label in (("alpha", "a8"), ("beta", "b4"), ("gamma", "g1"))
    }
    assert stale == expected
    owners = re.findall(
        r'<tr data-sop-owner-row data-owner="([^"]+)"><td>[^<]*</td><td>(\d+)</td><td>(\d+)</td><td data-sop-figure="runs">(\d+)',
        html,
    )
    # team-sre: alpha + gamma (9 runs); team-data: beta + delta (delta never run); the
    # ghost SOP, no longer in the catalog, keeps the owner its trail names.
    assert sorted(owners) == sorted(
        [("team-sre", "2", "0", "9"), ("team-data", "2", "1", "4"), ("&lt;img src=x onerror=alert(1)&gt;", "1", "0", "1")]
    )
    assert "data-sop-broken-trails" in html and "gamma-trail.jsonl" in html


def test_values_from_trails_are_escaped(metrics_site):
    for page in metrics_site.site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert GHOST_OWNER not in text, page
        assert "<script>alert(1)" not in text, page
    assert "&lt;img src=x onerror=alert(1)&gt;" in metrics_site.html("reliability")


def test_the_broken_chain_is_reported_at_build_time(scenario, tmp_path):
    """Trails named in mkdocs.yml (the plugin's `metrics` option) are read at build time."""
    yml = scenario.root / "mkdocs.yml"
    original = yml.read_text(encoding="utf-8")
    try:
        yml.write_text(
            original.replace(
                "      catalog_title: SOP catalog\n",
                "      catalog_title: SOP catalog\n      metrics: [.sopdocs/audit, gamma-trail.jsonl]\n",
            )
        )
        build = scenario.project.sopdocs("build", "--today", SITE_TODAY, "-d", str(tmp_path / "site"))
    finally:
        yml.write_text(original, encoding="utf-8")
    assert build.returncode == 0, build.stderr
    assert f"gamma-trail.jsonl:{scenario.tampered_line}: the record's content does not match its hash" in build.stderr
    assert "data-sop-rank-row" in (tmp_path / "site" / "reliability" / "index.html").read_text(encoding="utf-8")


def test_without_metrics_the_site_is_as_before(scenario, tmp_path):
    build = scenario.project.sopdocs("build", "--today", SITE_TODAY, "-d", str(tmp_path / "site"))
    assert build.returncode == 0, build.stderr
    site = tmp_path / "site"
    assert not (site / "reliability").exists()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "data-sop-metrics" not in text and "Reliability" not in text, page


def test_generate_honours_sopdocs_metrics(scenario, metrics_site, tmp_path):
    out = tmp_path / "generated"
    proc = scenario.project.sopdocs(
        "generate", "--out", str(out), "--today", SITE_TODAY, env={"SOPDOCS_METRICS": str(metrics_site.metrics)}
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "docs" / "reliability.md").is_file()
    assert '"Reliability": "reliability.md"' in (out / "mkdocs.yml").read_text(encoding="utf-8")
    assert "data-sop-metrics" in (out / "docs" / "alpha.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", ['{"not": "metrics"}', "not json"])
def test_a_bad_metrics_file_fails_the_build(scenario, tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    build = scenario.project.sopdocs("build", "--today", SITE_TODAY, "-d", str(tmp_path / "site"), "--metrics", str(bad))
    assert build.returncode != 0
    assert "sopdocs: metrics:" in build.stderr and "bad.json" in build.stderr
