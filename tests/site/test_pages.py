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
