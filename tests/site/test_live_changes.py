"""What `sopdocs serve` (sopdocs.site.live) takes for a change, and which pages it writes
again for it: the stat snapshot of the docs and the references between SOPs."""

from __future__ import annotations

import json
import os

from sopdocs.site.live import diff, references, snapshot


def test_a_same_size_save_in_the_same_second_is_a_change(tmp_path):
    docs = tmp_path / "docs"
    (docs / "db").mkdir(parents=True)
    (docs / ".git").mkdir()
    page = docs / "db" / "restore.md"
    page.write_text("aaaa", encoding="utf-8")
    (docs / ".git" / "index").write_text("x", encoding="utf-8")
    before = snapshot(docs)
    assert sorted(before) == ["db/restore.md"]  # dot directories are not the site's
    st = page.stat()
    page.write_text("bbbb", encoding="utf-8")
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # 1 ns later: same second, same size
    assert diff(before, snapshot(docs)) == (set(), set(), {"db/restore.md"})


def test_a_save_by_rename_is_a_change_even_with_the_same_mtime(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "a.md"
    page.write_text("one", encoding="utf-8")
    before = snapshot(docs)
    st = page.stat()
    (docs / "a.md.tmp").write_text("two", encoding="utf-8")
    os.replace(docs / "a.md.tmp", page)  # an editor's atomic save: a new inode
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert diff(before, snapshot(docs)) == (set(), set(), {"a.md"})


def test_add_remove_and_rename_are_told_apart(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("a", encoding="utf-8")
    (docs / "b.md").write_text("b", encoding="utf-8")
    before = snapshot(docs)
    (docs / "a.md").rename(docs / "c.md")
    (docs / "b.md").unlink()
    (docs / "d.md").write_text("d", encoding="utf-8")
    assert diff(before, snapshot(docs)) == ({"c.md", "d.md"}, {"a.md", "b.md"}, set())


def test_references_name_related_ids_rollback_sops_and_linked_files():
    meta = {
        "related": ["db-restore", 3],
        "rollback": {"sop": "db-rollback"},
        "preconditions": [{"text": "Read [the runbook](../ops/runbook.md#first) first"}, "See notes.md"],
    }
    ids, names = references(meta, ["../db/restore.md", "https://example.com/x.md", "guide.md#part", "image.png"])
    assert ids == {"db-restore", "db-rollback"}
    assert names == {"restore.md", "x.md", "guide.md", "runbook.md", "notes.md"}
    assert references({"rollback": [{"text": "undo"}]}, []) == (set(), set())


def test_placeholders_found_by_find_are_the_regexs():
    """with_placeholders (str.find, for speed on the catalog page) equals the regex it replaced."""
    import random
    import re

    from sopdocs.site import placeholders

    def by_regex(page):
        blocks = []

        def placeholder(match):
            blocks.append(match.group(1))
            return f"\n\nSOPDOCSHTMLBLOCK{len(blocks) - 1}Z\n\n"

        return placeholders._MARKED.sub(placeholder, page), blocks

    opening, closing = placeholders._HTML_OPEN, placeholders._HTML_CLOSE
    pieces = [opening, closing, "\n", "a", "<b>", opening + "\n", "\n" + closing, "x\ny"]
    rng = random.Random(7)
    for _ in range(5000):
        page = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert placeholders.with_placeholders(page) == by_regex(page), repr(page)
    assert re.fullmatch(r"\n\nSOPDOCSHTMLBLOCK0Z\n\n\n", placeholders.with_placeholders(placeholders.join_page(["<p>x</p>"]))[0])


def test_sops_json_made_from_each_sops_memo_is_one_json_dumps(tmp_path):
    import datetime as dt

    from helpers import FULL, MINIMAL

    from sopdocs.core.config import Config
    from sopdocs.site import index_pages
    from sopdocs.site.build import make_site, read_docs

    (tmp_path / "docs").mkdir()
    hostile = FULL.replace("title: ", 'title: "Ünïcode \\"quoted\\" </script> \\\\ back\\nline" # ', 1)
    for name, text in {"a.md": MINIMAL, "b.md": hostile, "c/d.md": FULL.replace("id: ", "id: other-", 1)}.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    project = Config(root=tmp_path)
    site = make_site(read_docs(tmp_path / "docs", project, tmp_path), project, dt.date(2026, 11, 26), "SOPs")
    assert len(site.entries) == 3
    assert index_pages.catalog_json(site) == _catalog_json_in_one_dumps(site)
    assert index_pages.catalog_json(site) == _catalog_json_in_one_dumps(site)  # from the memo
    empty = make_site({}, project, dt.date(2026, 11, 26), "SOPs")
    assert index_pages.catalog_json(empty) == _catalog_json_in_one_dumps(empty)


def _catalog_json_in_one_dumps(site) -> str:
    """`sops.json` made in one ``json.dumps``: what catalog_json must equal."""
    from sopdocs.site import index_pages

    sops = [index_pages._sop_json(e) for e in sorted(site.entries, key=lambda e: (e.sop_id, e.src))]
    payload = {"version": 1, "built_for": site.today.isoformat(), "count": len(sops), "sops": sops}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
