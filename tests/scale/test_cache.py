"""The lint cache (.sopdocs-cache/): the same findings as a full lint, cold or warm;
invalidated by a change to a file, the config, the schema, sopdocs or the rules; never
caching what depends on the date or on other files; corrupt or missing caches are
ignored."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from lintkit import SIZE, cache_files, edit_keeping_size_and_mtime, fast, reference

from sopdocs.core.config import load_config
from sopdocs.lint import cache
from sopdocs.lint import fast as workers

EXPECTED_RULES = {
    "link-broken", "related-unknown", "review-overdue", "review-in-future", "field-type", "field-unknown",
    "owner-unknown", "yaml-syntax", "front-matter-missing", "duplicate-id", "step-attribute-invalid",
    "placeholder-left", "credential-in-command", "duplicate-key", "field-value", "rollback-unknown",
    "file-unreadable",
}


@pytest.fixture
def counted(monkeypatch):
    """Counts the files parsed (in this process) by the fast path."""
    calls: list[str] = []
    original = workers.analyse

    def analyse(path, display, config, today):
        calls.append(display)
        return original(path, display, config, today)

    monkeypatch.setattr(workers, "analyse", analyse)
    return calls


def test_catalog_has_every_kind_of_finding(catalog):
    found = {f.rule for f in reference(catalog)}
    assert EXPECTED_RULES <= found, EXPECTED_RULES - found


def test_cold_and_warm_runs_give_the_reference_findings(catalog, counted):
    expected = reference(catalog)
    assert fast(catalog, cache=False) == expected
    assert not (catalog / ".sopdocs-cache").exists()
    counted.clear()
    assert fast(catalog) == expected  # cold: fills the cache
    assert len(counted) == SIZE
    assert len(cache_files(catalog)) == 1
    counted.clear()
    assert fast(catalog) == expected  # warm
    assert counted == []


def test_a_warm_run_reads_no_document(catalog, monkeypatch):
    expected = reference(catalog)
    fast(catalog)

    def refuse(*args):
        raise AssertionError("a warm run parsed a file")

    monkeypatch.setattr(workers, "analyse", refuse)
    assert fast(catalog) == expected


def test_a_changed_file_is_analysed_again(catalog, counted):
    fast(catalog)
    target = sorted((catalog / "sops").glob("*.md"))[40]
    target.write_text(target.read_text(encoding="utf-8").replace("## Steps", "TODO(sopdocs) here\n\n## Steps"), encoding="utf-8")
    counted.clear()
    findings = fast(catalog)
    assert counted == [f"sops/{target.name}"]
    assert findings == reference(catalog)
    assert any(f.rule == "placeholder-left" and f.path == f"sops/{target.name}" for f in findings)


def test_identical_files_share_an_entry(catalog, counted):
    sops = sorted((catalog / "sops").glob("*.md"))
    # An SOP the catalog's mutations left alone, named before the copy (the later path
    # gets the duplicate-id finding).
    original = next(p for p in sops[18:] if p.name < "copy.md")
    (catalog / "sops" / "copy.md").write_bytes(original.read_bytes())
    fast(catalog)
    counted.clear()
    findings = fast(catalog)
    assert counted == []
    assert findings == reference(catalog)
    assert any(f.rule == "duplicate-id" and f.path == "sops/copy.md" for f in findings)


def test_a_config_change_invalidates(catalog, counted):
    fast(catalog)
    config = catalog / "sopdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("- team-identity\n", ""), encoding="utf-8")
    counted.clear()
    findings = fast(catalog)
    assert len(counted) == SIZE
    assert findings == reference(catalog)
    assert any(f.rule == "owner-unknown" and "team-identity" in f.message for f in findings)
    assert len(cache_files(catalog)) == 2


def test_rule_severity_from_config_invalidates(catalog):
    fast(catalog)
    config = catalog / "sopdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "rules:\n  placeholder-left: warning\n  credential-in-command: 'off'\n", encoding="utf-8")
    findings = fast(catalog)
    assert findings == reference(catalog)
    assert {f.severity for f in findings if f.rule == "placeholder-left"} == {"warning"}
    assert not any(f.rule == "credential-in-command" for f in findings)


@pytest.mark.parametrize(
    "change",
    ["schema", "version", "code", "library"],
)
def test_fingerprint_covers_what_results_depend_on(catalog, monkeypatch, change):
    config = load_config(catalog / "sopdocs.yml")
    before = cache.fingerprint(config)
    if change == "schema":
        import sopdocs.core.schema

        text = sopdocs.core.schema.schema_text("sop")
        monkeypatch.setattr(sopdocs.core.schema, "schema_text", lambda name="sop": text.replace('"minLength": 1', '"minLength": 2', 1))
    elif change == "version":
        monkeypatch.setattr(cache, "__version__", "99.0")
    elif change == "code":
        monkeypatch.setattr(cache, "code_fingerprint", lambda memo=None, trusted_before=None: "edited")
    elif change == "library":
        from importlib import metadata

        real = metadata.version
        monkeypatch.setattr(metadata, "version", lambda name: "0.0.1" if name == "markdown-it-py" else real(name))
        cache.code_fingerprint.cache_clear()
        monkeypatch.setattr(cache, "code_fingerprint", cache.code_fingerprint.__wrapped__)
    assert cache.fingerprint(config) != before


def test_code_fingerprint_is_stable():
    cache.code_fingerprint.cache_clear()
    first = cache.code_fingerprint()
    cache.code_fingerprint.cache_clear()
    assert cache.code_fingerprint() == first


def test_review_findings_follow_today(catalog, counted):
    fast(catalog, today="2026-11-26")
    counted.clear()
    later = fast(catalog, today="2027-09-01")
    assert counted == []
    assert later == reference(catalog, today="2027-09-01")
    assert sum(f.rule == "review-overdue" for f in later) > sum(f.rule == "review-overdue" for f in reference(catalog))


def test_links_follow_the_file_system(catalog, counted):
    fast(catalog)
    linking = next(p for p in sorted((catalog / "sops").glob("*.md")) if "](" in p.read_text(encoding="utf-8") and "no-such-sop" not in p.read_text(encoding="utf-8"))
    target = linking.read_text(encoding="utf-8").split("](", 1)[1].split(")", 1)[0]
    (catalog / "sops" / target).unlink()
    counted.clear()
    findings = fast(catalog)
    assert counted == []
    assert findings == reference(catalog)
    assert any(f.rule == "link-broken" and f.path == f"sops/{linking.name}" for f in findings)


def test_catalog_checks_follow_other_files(catalog, counted):
    fast(catalog)
    findings = reference(catalog)
    # Rename an SOP's id: references to the old id break in files that did not change.
    texts = {p: p.read_text(encoding="utf-8") for p in sorted((catalog / "sops").glob("*.md"))[20:]}
    by_id = {t.split("\nid: ", 1)[1].split("\n", 1)[0]: p for p, t in texts.items()}
    targets = [t.split("\nrollback: {sop: ", 1)[1].split("}", 1)[0] for t in texts.values() if "\nrollback: {sop: " in t]
    old_id = next(i for i in targets if i in by_id)
    victim = by_id[old_id]
    text = texts[victim]
    victim.write_text(text.replace(f"\nid: {old_id}\n", f"\nid: {old_id}-renamed\n"), encoding="utf-8")
    counted.clear()
    after = fast(catalog)
    assert counted == [f"sops/{victim.name}"]
    assert after == reference(catalog)
    assert any(f.rule == "rollback-unknown" and f.path != f"sops/{victim.name}" for f in after)
    assert after != findings


@pytest.mark.parametrize(
    "damage",
    [
        b"\x00\xffnot json at all",
        b'{"format": 1, "fingerprint": "',
        b"[1, 2, 3]",
        b'{"format": 1, "fingerprint": "KEY", "entries": []}',
        "entry-int",
        "entry-shape",
        "entry-types",
        "entry-positions",
    ],
)
def test_a_corrupt_cache_is_ignored(catalog, damage):
    expected = reference(catalog)
    fast(catalog)
    [path] = cache_files(catalog)
    if isinstance(damage, bytes):
        key = json.loads(path.read_bytes())["fingerprint"]
        path.write_bytes(damage.replace(b"KEY", key.encode()))
    else:
        data = json.loads(path.read_bytes())
        entries = data["entries"]
        for index, sha in enumerate(sorted(entries)):
            if index % 3:
                continue
            if damage == "entry-int":
                entries[sha] = 5
            elif damage == "entry-shape":
                entries[sha] = {"f": "x"}
            elif damage == "entry-types":
                entries[sha]["d"]["m"] = ["not", "a", "mapping"]
            else:
                entries[sha]["d"]["p"] = [[["id"], "three", None]]
        path.write_text(json.dumps(data), encoding="utf-8")
    assert fast(catalog) == expected
    assert fast(catalog) == expected  # and the cache was repaired, not left broken


def test_deleting_the_cache_is_fine(catalog):
    import shutil

    expected = reference(catalog)
    fast(catalog)
    shutil.rmtree(catalog / ".sopdocs-cache")
    assert fast(catalog) == expected
    assert len(cache_files(catalog)) == 1


def test_an_unwritable_cache_location_does_not_fail_the_lint(catalog):
    (catalog / ".sopdocs-cache").write_text("a file where the directory should be", encoding="utf-8")
    assert fast(catalog) == reference(catalog)


def test_config_can_switch_the_cache_off(catalog):
    config = catalog / "sopdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "cache: false\n", encoding="utf-8")
    assert fast(catalog, cache=None) == reference(catalog)
    assert not (catalog / ".sopdocs-cache").exists()
    assert fast(catalog, cache=True) == reference(catalog)  # --cache overrides the config
    assert (catalog / ".sopdocs-cache").exists()


def test_cache_lives_next_to_the_config(catalog, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = load_config(catalog / "sopdocs.yml")
    assert cache.cache_dir(config, elsewhere) == catalog / ".sopdocs-cache"
    assert cache.cache_dir(load_config(cwd=elsewhere), elsewhere) == elsewhere / ".sopdocs-cache"


def test_cache_files_do_not_pile_up(catalog):
    config = catalog / "sopdocs.yml"
    original = config.read_text(encoding="utf-8")
    for days in range(1, 8):
        config.write_text(original.replace("due_soon_days: 30", f"due_soon_days: {days}"), encoding="utf-8")
        fast(catalog)
    assert len(cache_files(catalog)) == cache.KEEP_FILES
    assert (catalog / ".sopdocs-cache" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


def test_stale_entries_are_dropped_once_they_dominate(catalog):
    fast(catalog)
    [path] = cache_files(catalog)
    assert len(json.loads(path.read_bytes())["entries"]) == SIZE
    keep = sorted((catalog / "sops").glob("*.md"))[:50]
    for p in (catalog / "sops").glob("*.md"):
        if p not in keep:
            p.unlink()
    fast(catalog)
    assert len(json.loads(path.read_bytes())["entries"]) == 50


@pytest.mark.parametrize("mode", ["one file", "no catalog", "catalog only"])
def test_modes_match_the_reference(catalog, mode):
    one = sorted((catalog / "sops").glob("*.md"))[1]  # its `related` names an unknown SOP
    kwargs = {
        "one file": {"paths": [one]},
        "no catalog": {"catalog_checks": False},
        "catalog only": {"document_checks": False},
    }[mode]
    expected = reference(catalog, **kwargs)
    assert expected
    assert fast(catalog, **kwargs) == expected  # cold
    assert fast(catalog, **kwargs) == expected  # warm


def test_profiles_match_the_reference(catalog):
    config = catalog / "sopdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "aliases: {old_owner: owner, x_last_reviewed: last_reviewed}\n", encoding="utf-8")
    expected = reference(catalog)
    assert fast(catalog) == expected
    assert fast(catalog) == expected


def test_files_too_large_or_unreadable_are_not_cached(catalog):
    config = catalog / "sopdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "max_file_size: 4096\n", encoding="utf-8")
    unreadable = sorted((catalog / "sops").glob("*.md"))[20]
    os.chmod(unreadable, 0)
    try:
        expected = reference(catalog)
        assert any(f.rule == "file-unreadable" and "over the limit" in f.message for f in expected)
        assert fast(catalog) == expected
        assert fast(catalog) == expected
    finally:
        os.chmod(unreadable, 0o644)


@pytest.fixture
def no_record(monkeypatch):
    """The cache on its own: no run record (sopdocs.lint.snapshot, tests/scale/test_snapshot.py)
    answers first, for the tests of the cache's log and stat index."""
    from sopdocs.lint import snapshot

    monkeypatch.setattr(snapshot, "load", lambda path, key: None)


@pytest.fixture
def no_stats(monkeypatch, no_record):
    """Only hash-keyed entries in the log (no stat rows, which join it once files are old
    enough): the tests that count or cut its lines."""
    monkeypatch.setattr(workers, "STAT_TRUSTED", False)


def test_a_few_changes_are_appended_not_rewritten(catalog, counted, no_stats):
    fast(catalog)
    [main] = cache_files(catalog)
    stamp = main.stat().st_mtime_ns
    sops = sorted((catalog / "sops").glob("*.md"))
    for index in (30, 31):
        sops[index].write_text(sops[index].read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert fast(catalog) == reference(catalog)
    assert main.stat().st_mtime_ns == stamp
    log = main.with_suffix(".log")
    assert len(log.read_bytes().splitlines()) == 2
    counted.clear()
    assert fast(catalog) == reference(catalog)  # served from the main file and the log
    assert counted == []


def test_a_cut_off_log_line_is_ignored(catalog, counted, no_stats):
    fast(catalog)
    [main] = cache_files(catalog)
    sops = sorted((catalog / "sops").glob("*.md"))
    for index in (30, 31):
        sops[index].write_text(sops[index].read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    fast(catalog)
    log = main.with_suffix(".log")
    log.write_bytes(log.read_bytes()[:-40])  # a crash in the middle of the second line
    counted.clear()
    assert fast(catalog) == reference(catalog)
    assert len(counted) == 1


def test_the_log_is_folded_into_the_main_file(catalog, monkeypatch, no_stats):
    fast(catalog)
    [main] = cache_files(catalog)
    sops = sorted((catalog / "sops").glob("*.md"))
    for index in range(20, 140):  # more than a quarter of the entries
        sops[index].write_text(sops[index].read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    monkeypatch.setattr(cache, "LOG_MAX", 50)
    assert fast(catalog) == reference(catalog)
    assert not main.with_suffix(".log").exists()  # 120 new entries: more than a quarter, folded at once
    assert len(json.loads(main.read_bytes())["entries"]) == SIZE + 120


# --- the stat index: unchanged files are not read, changed ones always are ----------------


@pytest.fixture
def quick_stats(monkeypatch):
    """Files count as old enough for their stat to be trusted after 0.3 s (2 s in use), so
    the tests need not wait; returns a function that waits until they are."""
    monkeypatch.setattr(workers, "STAT_SLACK_NS", 300_000_000)
    monkeypatch.setattr(workers, "STAT_TRUSTED", True)
    return lambda: time.sleep(0.35)


@pytest.fixture
def hashed(monkeypatch):
    """The files the warm path reads and hashes."""
    calls: list[str] = []
    original = workers.file_sha256

    def file_sha256(path, max_bytes):
        calls.append(os.path.basename(path))
        return original(path, max_bytes)

    monkeypatch.setattr(workers, "file_sha256", file_sha256)
    return calls


def stat_rows(catalog):
    store = cache.LintCache(catalog / ".sopdocs-cache", cache.fingerprint(load_config(catalog / "sopdocs.yml")))
    return store.stats


def test_a_warm_run_reads_no_unchanged_file(catalog, quick_stats, hashed, counted):
    expected = reference(catalog)
    quick_stats()
    assert fast(catalog) == expected  # cold: records each file's stat
    assert len(stat_rows(catalog)) == SIZE
    hashed.clear()
    counted.clear()
    assert fast(catalog) == expected
    assert hashed == [] and counted == []


def test_a_same_size_edit_with_the_old_mtime_is_seen(catalog, quick_stats, hashed, counted):
    quick_stats()
    fast(catalog)
    target = sorted((catalog / "sops").glob("*.md"))[60]
    edit_keeping_size_and_mtime(target)
    hashed.clear()
    counted.clear()
    findings = fast(catalog)
    assert findings == reference(catalog)
    assert any(f.rule == "placeholder-left" and f.path == f"sops/{target.name}" for f in findings)
    assert hashed == [target.name]  # only the changed file was read
    assert counted == [f"sops/{target.name}"]


def test_a_file_replaced_like_rsync_or_cp_is_seen(catalog, quick_stats, hashed, counted):
    """Another file of the same size moved into place with the old modification time
    (rsync -a, cp -p over a new file, git checkout): a new inode and change time."""
    quick_stats()
    fast(catalog)
    target = sorted((catalog / "sops").glob("*.md"))[61]
    before = os.stat(target)
    data = target.read_bytes()
    at = data.index(b"## Steps")
    replacement = catalog / "incoming.tmp"
    replacement.write_bytes(data[:at] + b"TODO(sopdocs)" + data[at + len(b"TODO(sopdocs)"):])
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, target)
    counted.clear()
    findings = fast(catalog)
    assert findings == reference(catalog)
    assert counted == [f"sops/{target.name}"]


def test_a_recent_file_is_hashed_until_its_stat_can_be_trusted(catalog, quick_stats, hashed, no_record):
    """Racy git: a file changed within the slack before its stat was taken gets no stat row
    (a later change in the same clock tick could leave the stat as it was), so it is
    read and hashed on every run until it is old enough."""
    quick_stats()
    target = sorted((catalog / "sops").glob("*.md"))[62]
    fast(catalog)
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    fast(catalog)  # right after the change: the file is too recent for its stat to count
    st = target.stat()
    row = stat_rows(catalog).get(os.path.abspath(target))  # the row of the old content stays, and does not match
    assert row is None or row[:4] != [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]
    hashed.clear()
    assert fast(catalog) == reference(catalog)
    assert target.name in hashed
    quick_stats()
    fast(catalog)  # old enough now: recorded
    st = target.stat()
    assert stat_rows(catalog)[os.path.abspath(target)][:4] == [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]
    hashed.clear()
    assert fast(catalog) == reference(catalog)
    assert hashed == []


@pytest.mark.parametrize("field", [0, 1, 2, 3])
def test_any_stat_field_that_differs_means_reading_the_file(catalog, quick_stats, hashed, no_record, field):
    quick_stats()
    fast(catalog)
    target = os.path.abspath(sorted((catalog / "sops").glob("*.md"))[63])
    [path] = cache_files(catalog)
    data = json.loads(path.read_bytes())
    data["stats"][target][field] += 1  # as if the file's size, mtime, inode or ctime had changed
    path.write_text(json.dumps(data), encoding="utf-8")
    hashed.clear()
    assert fast(catalog) == reference(catalog)
    assert hashed == [os.path.basename(target)]


def test_a_wrong_stat_row_cannot_serve_another_files_content(catalog, quick_stats, counted, no_record):
    """A stat row names a sha256; if that entry is gone, the file is analysed, not trusted blindly."""
    quick_stats()
    fast(catalog)
    [path] = cache_files(catalog)
    data = json.loads(path.read_bytes())
    target = os.path.abspath(sorted((catalog / "sops").glob("*.md"))[64])
    data["stats"][target][4] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    counted.clear()
    assert fast(catalog) == reference(catalog)
    assert counted == [f"sops/{os.path.basename(target)}"]


def test_stats_are_not_trusted_where_ctime_is_a_creation_time(catalog, quick_stats, monkeypatch, hashed):
    quick_stats()
    fast(catalog)
    monkeypatch.setattr(workers, "STAT_TRUSTED", False)  # Windows
    hashed.clear()
    assert fast(catalog) == reference(catalog)
    assert len(hashed) == SIZE


def test_code_fingerprint_covers_the_parser(tmp_path, monkeypatch):
    """An edit to sopdocs/core (where the parser is), not only to sopdocs/lint, selects a fresh cache."""
    import shutil

    import sopdocs

    package = Path(sopdocs.__file__).resolve().parent
    copy = tmp_path / "sopdocs"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def fingerprint_of(root):
        monkeypatch.setattr(cache, "__file__", str(root / "lint" / "cache.py"))
        cache.code_fingerprint.cache_clear()
        try:
            return cache.code_fingerprint()
        finally:
            cache.code_fingerprint.cache_clear()

    before = fingerprint_of(copy)
    (copy / "core" / "parser.py").write_text((copy / "core" / "parser.py").read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert fingerprint_of(copy) != before


def test_code_fingerprint_memo_gives_the_same_answer_and_follows_edits(tmp_path, monkeypatch):
    """The memo in the cache directory answers like the full hash, and an edit to the
    package (even one keeping the size and modification time) is not answered from it."""
    import shutil

    import sopdocs

    package = Path(sopdocs.__file__).resolve().parent
    copy = tmp_path / "sopdocs"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "__file__", str(copy / "lint" / "cache.py"))
    memo = tmp_path / "cache"

    def fingerprint(with_memo: bool) -> str:
        """With the memo, stats count after 0.3 s (2 s in use)."""
        cache.code_fingerprint.cache_clear()
        try:
            return cache.code_fingerprint(memo, time.time_ns() - 300_000_000) if with_memo else cache.code_fingerprint()
        finally:
            cache.code_fingerprint.cache_clear()

    time.sleep(0.35)
    full = fingerprint(False)
    assert fingerprint(True) == full  # computed, then remembered
    assert (memo / "code.json").exists()
    hashed = []
    monkeypatch.setattr(cache.hashlib, "sha256", lambda *a, _real=cache.hashlib.sha256: hashed.append(1) or _real(*a))
    assert fingerprint(True) == full
    assert len(hashed) == 1  # only the memo key: no file hashed
    parser = copy / "core" / "parser.py"
    before = os.stat(parser)
    data = parser.read_bytes()
    parser.write_bytes(data.replace(b"def ", b"def_", 1)[:len(data)])
    os.utime(parser, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert fingerprint(True) != full  # the change time moved: not from the memo
    time.sleep(0.35)
    assert fingerprint(True) == fingerprint(False) != full
