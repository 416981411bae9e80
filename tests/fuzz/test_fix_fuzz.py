"""Property: fixing never turns a lint-clean file into one with findings, never changes
the body (the text after the front matter), and fixing twice changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from strategies import bodies, dump, mutated_meta, steps_body, valid_meta, with_front_matter

from sopdocs.core.config import config_from_dict
from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_bytes
from sopdocs.lint.engine import lint_documents
from sopdocs.lint.fix import apply, body_of, fix_text, fixes_for_text

CONF = config_from_dict({}, root=Path("/nowhere"))
PATH = Path("/nowhere/content/some-sop.md")
DAY = dt.date(2026, 11, 26)

# Mistakes the fixes are for, written into a dumped front matter.
TYPOS = st.sampled_from([("rollback:", "rolback:"), ("owner: ", "owner: no #"), ("review_in: ", "review_in: 6mo #"),
                         ("version: ", "version: 1.10 #"), ("id: ", "#id: "), ("", "")])  # fmt: skip


def findings(text: str) -> list:
    doc = parse_bytes(text.encode("utf-8"), SopDocument(path=PATH, display_path="some-sop.md"), CONF)
    return lint_documents([doc], CONF, DAY, catalog_checks=False)


def check(text: str, ids: set[str] | None) -> None:
    clean = not findings(text)
    once = apply(text, fixes_for_text(PATH, text, CONF, ids))
    fixed, _ = fix_text(PATH, text, CONF, ids)  # as `lint --fix` does: until nothing is left
    assert body_of(once) == body_of(text) and body_of(fixed) == body_of(text)
    if clean:
        assert fixed == text
    assert fixes_for_text(PATH, fixed, CONF, ids) == []  # fixing twice changes nothing


@given(valid_meta, st.one_of(steps_body, bodies), TYPOS, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_fixing_keeps_the_body_and_never_adds_findings(meta, body, typo, newline, bom):
    front = dump(meta)
    old, new = typo
    if old and old in front:
        front = front.replace(old, new, 1)
    text = with_front_matter(front, body).replace("\n", newline)
    check(("\ufeff" if bom else "") + text, set(meta.get("related", [])) | {"some-other-sop"})


@given(mutated_meta(), bodies)
def test_fixing_mutated_front_matter_keeps_the_body(meta, body):
    check(with_front_matter(dump(meta), body), None)
