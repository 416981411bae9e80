"""The run record (sopdocs.lint.snapshot): a repeated lint reads only the files that
changed, and its findings are still those of a full lint, whatever changed: a body, an
id, a link target, the files, the date; the record damaged or stale."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from lintkit import edit_keeping_size_and_mtime, fast, reference

from sopdocs.lint import fast as workers
from sopdocs.lint import snapshot


@pytest.fixture
def reused(monkeypatch):
    """For each lint through the cache: True when the run record answered it."""
    answers: list[bool] = []
    load, reuse = snapshot.load, workers.reuse

    def load_spy(path, key):
        found = load(path, key)
        if found is None:
            answers.append(False)
        return found

    def reuse_spy(*args, **kwargs):
        result = reuse(*args, **kwargs)
        answers.append(result is not None and result.findings is not None)
        return result

    monkeypatch.setattr(snapshot, "load", load_spy)
    monkeypatch.setattr(workers, "reuse", reuse_spy)
    return answers


@pytest.fixture
def counted(monkeypatch):
    """The files parsed and the files hashed by the fast path."""
    calls: dict[str, list[str]] = {"parsed": [], "hashed": []}
    analyse, sha256 = workers.analyse, workers.file_sha256

    def counted_analyse(path, display, config, today):
        calls["parsed"].append(display)
        return analyse(path, display, config, today)

    def counted_sha256(path, max_bytes):
        calls["hashed"].append(os.path.basename(path))
        return sha256(path, max_bytes)

    monkeypatch.setattr(workers, "analyse", counted_analyse)
    monkeypatch.setattr(workers, "file_sha256", counted_sha256)
    # Stats are trusted 0.3 s after a change (instead of 2 s), so tests can wait for it.
    monkeypatch.setattr(workers, "STAT_SLACK_NS", 300_000_000)
    monkeypatch.setattr(workers, "STAT_TRUSTED", True)
    return calls


def settle():
    time.sleep(0.35)


def sops(catalog: Path) -> list[Path]:
    return sorted((catalog / "sops").glob("*.md"))


def records(catalog: Path) -> list[Path]:
    return sorted((catalog / ".sopdocs-cache").glob("lint-*.run"))


def warm(catalog: Path, counted) -> None:
    """A cold run, then one more so every stat is trusted in the record."""
    fast(catalog)
    settle()
    fast(catalog)
    for calls in counted.values():
        calls.clear()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unchanged_catalog_reads_no_file(catalog, counted, reused):
    warm(catalog, counted)
    assert len(records(catalog)) == 1
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is True
    assert counted == {"parsed": [], "hashed": []}


def test_a_body_edit_reads_only_that_file(catalog, counted, reused):
    warm(catalog, counted)
    target = sops(catalog)[40]
    edit(target, "## Steps", "One more sentence of context.\n\n## Steps")
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is True
    assert counted == {"parsed": [f"sops/{target.name}"], "hashed": [target.name]}


@pytest.mark.parametrize(
    "old, new, rule",
    [
        ("## Steps", "See [the missing one](gone.md).\n\n## Steps", "link-broken"),
        ("\nrelated: [", "\nrelated: [no-such-sop-at-all, ", "related-unknown"),
        ("last_reviewed: 2026-", "last_reviewed: 2024-", "review-overdue"),
        ("## Steps", "TODO(sopdocs): finish this\n\n## Steps", "placeholder-left"),
    ],
)
def test_new_findings_in_a_changed_file(catalog, counted, reused, old, new, rule):
    warm(catalog, counted)
    target = next(p for p in sops(catalog)[20:] if old in p.read_text(encoding="utf-8"))
    before = [f for f in fast(catalog) if f.path == f"sops/{target.name}"]
    edit(target, old, new)
    found = fast(catalog)
    assert reused[-1] is True
    assert found == reference(catalog)
    assert any(f.rule == rule and f.path == f"sops/{target.name}" for f in set(found) - set(before))
    # ... and gone again when the edit is undone.
    edit(target, new, old)
    again = fast(catalog)
    assert reused[-1] is True
    assert again == reference(catalog)
    assert [f for f in again if f.path == f"sops/{target.name}"] == before


def test_a_fixed_file_loses_its_findings(catalog, counted, reused):
    warm(catalog, counted)
    broken = sops(catalog)[0]  # conftest.mutate: a link to no-such-sop.md
    assert any(f.rule == "link-broken" and f.path == f"sops/{broken.name}" for f in fast(catalog))
    edit(broken, "See [the missing one](no-such-sop.md).", "")
    found = fast(catalog)
    assert reused[-1] is True
    assert found == reference(catalog)
    assert not any(f.rule == "link-broken" and f.path == f"sops/{broken.name}" for f in found)


def test_a_duplicate_id_stays_reported_when_either_file_changes(catalog, counted, reused):
    warm(catalog, counted)
    first, second = sops(catalog)[8], sops(catalog)[9]  # conftest.mutate: the same id
    before = [f for f in fast(catalog) if f.rule == "duplicate-id"]
    assert before
    for path in (first, second):
        edit(path, "## Steps", "A note.\n\n## Steps")
        found = fast(catalog)
        assert reused[-1] is True
        assert found == reference(catalog)
        assert [f for f in found if f.rule == "duplicate-id"] == before


def test_an_id_change_falls_back_to_a_full_lint(catalog, counted, reused):
    warm(catalog, counted)
    victim = sops(catalog)[9]  # shares its id with sops[8]: the duplicate goes away
    edit(victim, "\nid: ", "\nid: brand-new-")
    found = fast(catalog)
    assert reused[-1] is False
    assert found == reference(catalog)
    assert not any(f.rule == "duplicate-id" for f in found)
    assert counted["parsed"] == [f"sops/{victim.name}"]  # not parsed twice
    settle()
    assert fast(catalog) == found
    assert reused[-1] is True


@pytest.mark.parametrize("change", ["add", "remove", "rename"])
def test_a_file_added_removed_or_renamed_falls_back(catalog, counted, reused, change):
    warm(catalog, counted)
    files = sops(catalog)
    if change == "add":
        (catalog / "sops" / "zz-new.md").write_text(files[30].read_text(encoding="utf-8").replace("\nid: ", "\nid: zz-"), encoding="utf-8")
    elif change == "remove":
        files[31].unlink()
    else:
        files[32].rename(files[32].with_name("renamed.md"))
    found = fast(catalog)
    assert reused[-1] is False
    assert found == reference(catalog)


def test_a_link_target_outside_the_catalog_is_watched(catalog, counted, reused):
    """A link to a file that is not an SOP: creating or deleting it changes the findings
    of a file that did not change."""
    warm(catalog, counted)
    linking = sops(catalog)[50]
    edit(linking, "## Steps", "Background: [notes](../notes/background.md).\n\n## Steps")
    found = fast(catalog)
    assert reused[-1] is True
    assert any(f.rule == "link-broken" and f.path == f"sops/{linking.name}" for f in found)
    (catalog / "notes").mkdir()
    (catalog / "notes" / "background.md").write_text("# Notes\n", encoding="utf-8")
    found = fast(catalog)
    assert reused[-1] is False
    assert found == reference(catalog)
    assert not any(f.rule == "link-broken" and f.path == f"sops/{linking.name}" for f in found)
    (catalog / "notes" / "background.md").unlink()
    found = fast(catalog)
    assert reused[-1] is False
    assert any(f.rule == "link-broken" and f.path == f"sops/{linking.name}" for f in found)


def test_another_date_is_another_run(catalog, counted, reused):
    warm(catalog, counted)
    later = fast(catalog, today="2027-09-01")
    assert reused[-1] is False
    assert counted["parsed"] == []  # the cache still has every file
    assert later == reference(catalog, today="2027-09-01")
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is True  # each date has its record


def test_a_touched_file_is_hashed_not_parsed(catalog, counted, reused):
    warm(catalog, counted)
    target = sops(catalog)[60]
    os.utime(target)
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is True
    assert counted == {"parsed": [], "hashed": [target.name]}


def test_a_same_size_edit_with_the_old_mtime_is_seen(catalog, counted, reused):
    warm(catalog, counted)
    target = sops(catalog)[61]
    edit_keeping_size_and_mtime(target)
    found = fast(catalog)
    assert reused[-1] is True
    assert found == reference(catalog)
    assert counted["parsed"] == [f"sops/{target.name}"]


def test_a_recent_file_is_hashed_until_its_stat_can_be_trusted(catalog, counted, reused):
    warm(catalog, counted)
    target = sops(catalog)[62]
    edit(target, "## Steps", "Context.\n\n## Steps")
    fast(catalog)
    counted["hashed"].clear()
    fast(catalog)  # its stat is too recent to stand for its content: hashed again
    assert counted["hashed"] == [target.name]
    settle()
    fast(catalog)  # old enough now: recorded
    counted["hashed"].clear()
    fast(catalog)
    assert counted["hashed"] == []
    assert reused[-1] is True


def test_the_cache_learns_the_changed_files(catalog, counted, reused, monkeypatch):
    """What the record's path analyses goes to the cache: a full run (here: the record
    deleted) does not parse it again."""
    warm(catalog, counted)
    target = sops(catalog)[70]
    edit(target, "## Steps", "Context.\n\n## Steps")
    fast(catalog)
    assert counted["parsed"] == [f"sops/{target.name}"]
    for path in records(catalog):
        path.unlink()
    counted["parsed"].clear()
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is False
    assert counted["parsed"] == []


def test_naming_one_file_keeps_the_catalog_checks(catalog, counted, reused):
    warm(catalog, counted)
    one = sops(catalog)[1]  # conftest.mutate: related names an unknown id
    paths = [one]
    first = fast(catalog, paths=paths)
    assert first == reference(catalog, paths=paths)
    assert any(f.rule == "related-unknown" for f in first)
    edit(one, "## Steps", "Context.\n\n## Steps")
    assert fast(catalog, paths=paths) == reference(catalog, paths=paths)
    assert reused[-1] is True


def test_a_run_over_other_files_keeps_its_own_record(catalog, counted, reused):
    """A pre-commit hook lints a few files, then the whole catalog is linted again: each
    has its record, neither replaces the other's."""
    warm(catalog, counted)
    few = sops(catalog)[100:102]
    assert fast(catalog, paths=few, catalog_checks=False) == reference(catalog, paths=few, catalog_checks=False)
    assert len(records(catalog)) == 2
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is True
    assert fast(catalog, paths=few, catalog_checks=False) == reference(catalog, paths=few, catalog_checks=False)
    assert reused[-1] is True
    assert counted["parsed"] == []


def test_records_do_not_pile_up_and_the_used_ones_stay(catalog, counted, reused):
    warm(catalog, counted)
    for index in range(snapshot.KEEP + 3):
        fast(catalog, paths=[sops(catalog)[index]], catalog_checks=False)
        time.sleep(0.01)  # distinct modification times
        fast(catalog)  # the whole catalog's record, used between the hook's runs
        assert reused[-1] is True
        time.sleep(0.01)
    assert len(records(catalog)) == snapshot.KEEP


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00\xff garbage", b"\xe3" + b"\x00" * 40, "truncated", "other-key", "wrong-shape", "wrong-types"],
)
def test_a_damaged_record_is_ignored(catalog, counted, reused, damage):
    import marshal

    warm(catalog, counted)
    [record] = records(catalog)
    data = record.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "other-key":
        loaded = marshal.loads(data)
        data = marshal.dumps((loaded[0], "0" * 64, *loaded[2:]))
    elif damage == "wrong-shape":
        loaded = marshal.loads(data)
        data = marshal.dumps((*loaded[:2], loaded[2][:-1], *loaded[3:]))  # one path fewer than rows
    elif damage == "wrong-types":
        loaded = marshal.loads(data)
        data = marshal.dumps((*loaded[:7], {"sops/x.md": [(1, "1", "SOP1", "r", "error", "m")]}, loaded[8]))
    else:
        data = damage
    record.write_bytes(data)
    assert fast(catalog) == reference(catalog)
    assert reused[-1] is False
    assert fast(catalog) == reference(catalog)  # written afresh
    assert reused[-1] is True


def test_the_record_is_not_kept_without_the_cache(catalog):
    fast(catalog, cache=False)
    assert not (catalog / ".sopdocs-cache").exists()

