"""What `sopdocs serve` (sopdocs.site.live) takes for a change, and which pages it writes
again for it: the stat snapshot of the docs and the references between SOPs."""

from __future__ import annotations

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
