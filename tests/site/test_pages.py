"""Generator units that need no build."""

import datetime as dt
from pathlib import Path

from sopdocs.core.model import SopDocument
from sopdocs.site import index_pages, model, sop_page


def test_a_front_matter_command_with_backtick_fences_stays_one_code_block():
    html = sop_page._actions_html(
        [{"text": "Probe", "command": "echo ```x```\necho y", "timeout": "5m", "confirm": True}], "pre", None, False
    )
    assert html.count("<pre>") == 1
    assert "echo ```x```\necho y" in html
    assert "Command · confirm · timeout 5m" in html


def catalog_of(n: int) -> str:
    docs = {
        f"sop-{i:03}.md": SopDocument(
            path=Path(f"sop-{i:03}.md"),
            display_path=f"sop-{i:03}.md",
            meta={"id": f"sop-{i:03}", "title": f"SOP {i:03}", "owner": "team-sre", "last_reviewed": "2026-10-01"},
            front_matter_line=1,
            sha256="",
        )
        for i in range(n)
    }
    site = model.build_site(docs, dt.date(2026, 11, 26), "6 months", 30, title="SOP catalog")
    return index_pages.catalog_page(site, "")


def test_a_large_catalog_lays_out_only_its_first_rows_while_loading():
    html = catalog_of(index_pages.TABLE_ROWS + 5)
    assert html.count("<tr data-sop-row ") == index_pages.TABLE_ROWS
    assert html.count("<tr hidden data-sop-row ") == 5
    assert html.index('data-id="sop-199"') < html.index("<tr hidden") < html.index('data-id="sop-200"')
    assert f"Showing the first {index_pages.TABLE_ROWS} of {index_pages.TABLE_ROWS + 5}</p>" in html
    assert f'<p class="sop-more" data-sop-more><button type="button" class="sop-show-all" data-sop-show-all>Show all {index_pages.TABLE_ROWS + 5}</button>' in html
    assert html.count(index_pages.NOSCRIPT_ALL_ROWS) == 1  # without JavaScript, every row


def test_a_small_catalog_shows_every_row():
    html = catalog_of(7)
    assert html.count("<tr data-sop-row ") == 7 and "<tr hidden" not in html
    assert "Showing 7 of 7</p>" in html
    assert '<p class="sop-more" data-sop-more hidden>' in html
    assert index_pages.NOSCRIPT_ALL_ROWS not in html


def test_the_search_page_carries_its_filters_values_and_counts_escaped():
    """What Pagefind's filters() would answer, in the page: a value counted once per SOP,
    markup characters replaced as in the index (sopdocs.site.search.filters), and the
    whole escaped as one attribute."""
    metas = [
        {"id": "a", "title": "A", "owner": "team-sre", "tags": ["db", "db", "k8s"], "status": "approved"},
        {"id": "b", "title": "B", "owner": 'x"><script>alert(1)</script>', "tags": ["db"], "layer": "data"},
    ]
    docs = {
        f"{m['id']}.md": SopDocument(
            path=Path(f"{m['id']}.md"), display_path=f"{m['id']}.md", meta={**m, "last_reviewed": "2026-10-01"}, front_matter_line=1, sha256=""
        )
        for m in metas
    }
    site = model.build_site(docs, dt.date(2026, 11, 26), "6 months", 30, title="SOP catalog")
    hostile = "x\"><script>alert(1)</script>".translate(str.maketrans({c: "_" for c in "&<>\"'`"}))
    assert index_pages.search_filters(site) == {
        "layer": {"data": 1},
        "owner": {"team-sre": 1, hostile: 1},
        "status": {"approved": 1, "draft": 1},  # b has none: a draft
        "tag": {"db": 2, "k8s": 1},
    }
    html = index_pages.search_page(site)
    assert "<script>alert" not in html and 'data-sop-filters="{&quot;layer&quot;:{&quot;data&quot;:1}' in html
