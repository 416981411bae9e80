"""Day one with an existing handbook: `sopdocs build` on copies of real handbooks
(../shared/corpora), with their file names as they are and the documented mkdocs.yml and
sopdocs.yml, makes one SOP page per page of the handbook, the review states `sopdocs
report` computes, and never shows the handbook's template code (ERB, Hugo shortcodes)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from adoptkit import CORPORA, TODAY, cli
from helpers import require_shared

from sopdocs.site.template_code import strip
from sopdocs.site.urls import page_src

# corpus -> (docs folder, profile, pages, {review state: count} as `sopdocs report` says)
HANDBOOKS = {
    "moj-cloud-platform-runbooks": ("source", "govuk", 147),
    "govuk-developer-docs-2020-09": ("source/manual", "govuk", 285),
    "giantswarm-docs": ("src/content", "giantswarm", 284),
}
ERB = re.compile(r"&lt;%|<%")
SHORTCODE = re.compile(r"\{\{(?:&lt;|<|%)")


def handbook_project(corpus: str, tmp_path: Path) -> Path:
    """A copy of the handbook with the two config files docs/adoption.md shows."""
    source = require_shared(CORPORA / corpus)
    docs, profile, _ = HANDBOOKS[corpus]
    project = tmp_path / corpus
    shutil.copytree(source, project, ignore=shutil.ignore_patterns(".git"))
    (project / "sopdocs.yml").write_text(f"profile: {profile}\npaths: [{docs}]\n", encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        f"site_name: Handbook\ndocs_dir: {docs}\ntheme:\n  name: material\n  font: false\nplugins:\n  - sopdocs\n", encoding="utf-8"
    )
    return project


def report_counts(project: Path) -> dict[str, int]:
    result = cli("report", "--today", TODAY, "--format", "json", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    summary = json.loads(result.stdout)["summary"]
    return {state: summary[state] for state in ("overdue", "due-soon", "current", "unknown") if summary[state]}


@pytest.mark.parametrize("corpus", HANDBOOKS)
def test_a_handbook_builds_as_it_is(corpus, tmp_path):
    project = handbook_project(corpus, tmp_path)
    result = cli("build", "--today", TODAY, "-d", "site", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    site = project / "site"
    sops = json.loads((site / "sops.json").read_text(encoding="utf-8"))["sops"]
    assert len(sops) == HANDBOOKS[corpus][2]
    ids = [sop["id"] for sop in sops]
    assert len(set(ids)) == len(ids), "two pages share an id"  # Giant Swarm: no page has one; index.md pages by folder
    states: dict[str, int] = {}
    for sop in sops:
        states[sop["review_state"]] = states.get(sop["review_state"], 0) + 1
    assert states == report_counts(project)
    # Every SOP has its page; no page shows template code (ERB only counts in an ERB
    # file: GOV.UK's components page shows ERB in a code sample, as its own site does).
    for sop in sops:
        page = site / sop["url"] / "index.html"
        assert page.is_file(), sop["url"]
        html = page.read_text(encoding="utf-8")
        article = html[html.index("<article") : html.index("</article>")]
        assert not SHORTCODE.search(article), sop["url"]
        assert not (sop["source"].endswith(".erb") and ERB.search(article)), sop["url"]
    # The handbook's raw sources are not published beside the pages.
    assert not list(site.rglob("*.erb")) and not list(site.rglob("*.html.md"))
    assert "template code taken out" in result.stderr  # the build note: each handbook has some


def test_the_catalog_sits_beside_a_handbooks_own_home_page(tmp_path):
    """The MoJ handbook has an index page: it stays the home page, and the navigation's
    Catalog entry leads to the catalog beside it."""
    project = handbook_project("moj-cloud-platform-runbooks", tmp_path)
    result = cli("build", "--today", TODAY, "-d", "site", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="catalog/"' in home and (project / "site" / "catalog" / "index.html").is_file()
    assert "Cloud Platform Runbooks" in home


@pytest.mark.parametrize(
    "src, page",
    [
        ("a/foo.html.md.erb", "a/foo.md"),
        ("foo.html.md", "foo.md"),
        ("foo.md.erb", "foo.md"),
        ("foo.md", "foo.md"),
        ("x/_index.md", "x/_index.md"),
        ("index.html.md.erb", "index.md"),
    ],
)
def test_page_src(src, page):
    assert page_src(src) == page


def test_erb_the_title_is_filled_in_the_rest_removed_lines_kept():
    text = "# <%= current_page.data.title %>\n<%= partial 'x' %>\nKeep <% if a %>\nthis\n<% end %>\nend\n"
    out, removed = strip(text, "Rotate keys")
    assert out == "# Rotate keys\n\nKeep \nthis\n\nend\n"
    assert out.count("\n") == text.count("\n") and removed.erb == 4 and removed.shortcodes == 0
    assert strip(text, "T", erb=False)[0] == text  # not an ERB file: `<%` is text


def test_hugo_shortcodes_keep_their_text_links_and_code():
    text = (
        'See [the guide]({{< relref "/getting-started/x" >}}).\n'
        "{{< tabs >}}\n{{< tab title=\"A\" >}}\nInside the tab.\n{{< /tab >}}\n{{< /tabs >}}\n"
        '{{< highlight yaml "hl_lines=2" >}}\n---\nkey: value\n{{< / highlight >}}\n'
        "Write {{</* notice */>}} to make a notice.\n"
    )
    out, removed = strip(text)
    assert out == (
        "See the guide.\n\n\nInside the tab.\n\n\n```yaml\n---\nkey: value\n```\nWrite {{< notice >}} to make a notice.\n"
    )
    assert out.count("\n") == text.count("\n") and removed.shortcodes == 7


def test_a_shortcode_line_over_a_yaml_document_is_code_on_the_page(tmp_path):
    """`{{< highlight >}}` followed by `---` reads as a heading in Markdown; on the page it
    is a code block and no heading."""
    from sopdocs.core.config import config_from_dict
    from sopdocs.core.parser import parse_files
    from sopdocs.site.model import build_site
    from sopdocs.site.sop_page import sop_page

    path = tmp_path / "page.md"
    path.write_text(
        "---\ntitle: Values\nowner: team-a\n---\n\nIntro.\n\n{{< highlight yaml >}}\n---\nkey: 1\n{{< / highlight >}}\n",
        encoding="utf-8",
    )
    [doc] = parse_files([path], config_from_dict({"paths": ["."]}, root=tmp_path), tmp_path)
    assert [s.title for s in doc.sections] == ['{{< highlight yaml >}}']  # what the raw file reads as
    site = build_site({"page.md": doc}, __import__("datetime").date(2026, 11, 26), "6 months", 30)
    page = sop_page(site, site.entries[0])
    assert "highlight" not in page and '<code class="language-yaml">---\nkey: 1\n</code>' in page
    assert "data-sop-run" not in page and "data-sop-params" not in page  # nothing to tick: no run bar


def test_a_stray_file_where_a_page_goes_is_left_out_with_a_warning(tmp_path):
    """prometheus-operator's runbooks hold `PrometheusOperatorSyncFailed` (no extension)
    beside `PrometheusOperatorSyncFailed.md`: MkDocs alone stops with a traceback."""
    source = require_shared(CORPORA / "prometheus-operator-runbooks")
    project = tmp_path / "prom"
    shutil.copytree(source, project)
    (project / "sopdocs.yml").write_text("paths: [content]\n", encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        "site_name: Runbooks\ndocs_dir: content\ntheme:\n  name: material\n  font: false\nplugins:\n  - sopdocs\n", encoding="utf-8"
    )
    result = cli("build", "--today", TODAY, "-d", "site", cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert (
        "runbooks/prometheus-operator/PrometheusOperatorSyncFailed is not published: the page "
        "runbooks/prometheus-operator/PrometheusOperatorSyncFailed.md is at the same path"
    ) in result.stderr
    assert (project / "site/runbooks/prometheus-operator/PrometheusOperatorSyncFailed/index.html").is_file()


def test_a_file_whose_page_name_is_taken_is_left_out_and_said():
    from sopdocs.site.urls import handbook_pages

    files = ["a.html.md", "a.html.md.erb", "b.md", "b.html.md", "c.html.md.erb", "img/x.png"]
    renamed, clashes = handbook_pages(files, files, [".md", ".md.erb"])
    assert renamed == {"a.html.md": "a.md", "c.html.md.erb": "c.md"}
    assert clashes == {"a.html.md.erb": "a.md", "b.html.md": "b.md"}  # the first in path order keeps the name
