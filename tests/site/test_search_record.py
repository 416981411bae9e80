"""What search indexes of an SOP: readable text, never Markdown or a pile of metadata
words; meta and filters a result shows and narrows by."""

from __future__ import annotations

import datetime as dt

from helpers import FIXTURES, FULL, TODAY_DATE

from sopdocs.core.config import Config
from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_bytes
from sopdocs.site.model import build_site
from sopdocs.site.search import record_html, search_record


def entry_of(text: str, name: str = "sop.md"):
    doc = parse_bytes(text.encode(), SopDocument(path=FIXTURES / name, display_path=name), Config(root=FIXTURES))
    site = build_site({name: doc}, TODAY_DATE, "6 months", 30)
    return site.entries[0]


def test_the_text_is_what_a_reader_sees_not_markdown():
    record = search_record(entry_of(FULL))
    text = record.text
    assert "```" not in text and "## " not in text and "](" not in text
    assert "id=" not in text  # no fence info strings
    assert not text.startswith(record.title)  # the title is its own field
    assert "Steps" in text.split("\n")  # headings are kept as words
    assert "Owner team-data-platform;" in text  # one sentence of facts, for owner/tag/id searches


def test_meta_and_filters_carry_what_a_result_shows():
    entry = entry_of(FULL)
    record = search_record(entry)
    assert record.meta["owner"] == entry.front.text("owner")
    assert record.meta["id"] == entry.sop_id
    assert dt.date.fromisoformat(record.meta["next_review"]) == entry.review.next_review
    assert "review" not in record.filters  # a review state frozen at build time would lie later
    assert set(record.filters) <= {"owner", "status", "layer", "tag"}


def test_the_record_page_keeps_meta_out_of_the_indexed_text():
    html = record_html(entry_of(FULL))
    ignored = html[html.index("<div data-pagefind-ignore>") : html.index("</div>")]
    assert 'data-pagefind-meta="owner"' in ignored and 'data-pagefind-filter="owner"' in ignored
    assert "<script" not in html.lower()
