"""The site build's worker pool (sopdocs.site.prepare on sopdocs.core.parallel) gives what one process gives:
the same lint findings as `sopdocs lint`, the same pages and search records, whether
the work is split or not, and when a worker dies on the way."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import lintkit
import markdown
import pytest
from helpers import TODAY_DATE
from lintkit import SIZE

from sopdocs.core import parallel
from sopdocs.core.config import load_config
from sopdocs.core.discover import display_paths
from sopdocs.site import placeholders, prepare, search, sop_page
from sopdocs.site.build import make_site

OPTIONS = prepare.MarkdownOptions(["toc", "tables", "fenced_code", "attr_list"], {"toc": {"permalink": True}})
REPO = Path(__file__).resolve().parents[2]


def items_of(root: Path) -> list[prepare.Item]:
    paths = sorted((root / "sops").glob("*.md"))
    return [prepare.Item(p.name, p, shown) for p, shown in zip(paths, display_paths(paths, root))]


def build(root: Path, jobs: int, records: Path | None = None, kill: str | None = None):
    """Both phases with ``jobs`` processes; ``kill``: SIGKILL the worker before that phase."""
    config = load_config(root / "sopdocs.yml")
    with prepare.SitePool(items_of(root), config, TODAY_DATE, jobs=jobs, records=prepare.Records(records) if records else None) as pool:
        assert len(pool.pool.workers) == jobs - 1
        if kill == "parse":
            os.kill(pool.pool.workers[0].process.pid, signal.SIGKILL)
        findings, docs = pool.parse()
        site = make_site(docs, config, TODAY_DATE, "SOP catalog")
        if kill == "render":
            os.kill(pool.pool.workers[0].process.pid, signal.SIGKILL)
            pool.pool.workers[0].process.join(5)
        rendered = pool.render(site, OPTIONS)
    return findings, site, rendered


def as_data(rendered: dict[str, prepare.Page]) -> dict[str, tuple]:
    return {src: (page.markdown, page.blocks, page.toc) for src, page in sorted(rendered.items())}


@pytest.fixture(scope="module")
def serial(pristine_catalog, tmp_path_factory):
    records = tmp_path_factory.mktemp("records-serial")
    return (*build(pristine_catalog, 1, records), records)


def test_findings_are_those_of_sopdocs_lint(pristine_catalog, serial):
    findings = serial[0]
    assert findings == lintkit.reference(pristine_catalog)
    assert {f.rule for f in findings} >= {"duplicate-id", "link-broken", "review-overdue", "yaml-syntax", "file-unreadable"}


def test_two_processes_give_the_same_findings_pages_and_records(pristine_catalog, serial, tmp_path):
    findings, site, rendered = build(pristine_catalog, 2, tmp_path / "records")
    assert findings == serial[0]
    assert as_data(rendered) == as_data(serial[2])
    readable = [e for e in site.entries]
    assert len(rendered) == len(readable) > SIZE * 3 // 4  # every SOP with front matter has a page
    written = sorted(p.relative_to(tmp_path / "records").as_posix() for p in (tmp_path / "records").rglob("*.html"))
    assert written == sorted(p.relative_to(serial[3]).as_posix() for p in serial[3].rglob("*.html"))
    assert len(written) == len(readable)
    for name in written:
        assert (tmp_path / "records" / name).read_bytes() == (serial[3] / name).read_bytes()


def test_records_are_those_of_the_whole_site(serial, tmp_path):
    """Records written while reading equal those written from the finished site."""
    _, site, _, records = serial
    job = search.IndexJob()
    try:
        for entry in site.entries:
            search.write_record(job.records, entry)
        for path in job.records.rglob("*.html"):
            assert path.read_bytes() == (records / path.relative_to(job.records)).read_bytes()
    finally:
        job.cancel()


@pytest.mark.parametrize("phase", ["parse", "render"])
def test_a_dead_worker_s_share_is_done_here(pristine_catalog, serial, phase):
    findings, _, rendered = build(pristine_catalog, 2, kill=phase)
    assert findings == serial[0]
    assert as_data(rendered) == as_data(serial[2])


def test_pages_are_what_mkdocs_markdown_would_make(serial):
    """Each SOP page's HTML and table of contents equal one Python-Markdown conversion
    of the whole page, as MkDocs would do it (the headings shortcut changes nothing)."""
    _, site, rendered, _ = serial
    md = markdown.Markdown(extensions=OPTIONS.extensions, extension_configs=OPTIONS.configs)
    for src, page in sorted(rendered.items())[:60]:
        entry = site.by_src[src]
        assert entry.doc.text  # one process: the site's entries have the full documents
        skeleton, blocks = placeholders.with_placeholders(sop_page.sop_page(site, entry))
        whole = placeholders.fill_placeholders(md.reset().convert(skeleton), blocks)
        assert page.markdown == placeholders.PAGE_PLACEHOLDER
        assert page.blocks == [whole]
        assert page.toc == md.toc_tokens


@pytest.mark.parametrize("title", ["Steps", "Rollback", "Notes_1", "Notes", "Related SOPs", "Preconditions 2"])
def test_a_title_like_a_section_heading_gets_the_ids_of_a_whole_conversion(title):
    md = markdown.Markdown(extensions=["toc"], extension_configs={"toc": {"permalink": True}})
    skeleton = f"# {title}\n\nSOPDOCSHTMLBLOCK0Z\n\n## Steps\n\n## Notes\n\n## Notes\n\n## Rollback\n\nSOPDOCSHTMLBLOCK1Z\n"
    blocks = ["<p>a</p>", "<p>b</p>"]
    for _ in range(2):  # the second time the section headings come from the memo
        fast = prepare.page_html(md, skeleton, blocks)
        fast_toc = md.toc_tokens
        whole = placeholders.fill_placeholders(md.reset().convert(skeleton), blocks)
        assert fast == whole
        assert fast_toc == md.toc_tokens


def test_other_markdown_on_a_page_is_converted_whole():
    md = markdown.Markdown(extensions=["toc"])
    skeleton = "# T\n\nSome *text*.\n\nSOPDOCSHTMLBLOCK0Z\n\n## Steps\n"
    assert prepare.page_html(md, skeleton, ["<p>x</p>"]) == placeholders.fill_placeholders(md.reset().convert(skeleton), ["<p>x</p>"])


def test_where_no_process_can_start_this_one_does_everything(pristine_catalog, serial, monkeypatch):
    def refuse(method):
        raise OSError("no semaphores here")

    monkeypatch.setattr(parallel.multiprocessing, "get_context", refuse)
    config = load_config(pristine_catalog / "sopdocs.yml")
    with prepare.SitePool(items_of(pristine_catalog), config, TODAY_DATE, jobs=2) as pool:
        assert pool.pool.workers == [] and pool.workers_used == 0
        findings, docs = pool.parse()
        rendered = pool.render(make_site(docs, config, TODAY_DATE, "SOP catalog"), OPTIONS)
    assert findings == serial[0]
    assert as_data(rendered) == as_data(serial[2])
