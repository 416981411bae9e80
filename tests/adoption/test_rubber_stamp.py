"""Rubber-stamp detection and "last changed" from real git histories, and the graceful
fallbacks: no git, a shallow clone, an uncommitted file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from adoptkit import TODAY, cli, commit, git, sop

from sopdocs.core import history
from sopdocs.core.config import config_from_dict
from sopdocs.core.parser import parse_files
from sopdocs.site.model import build_site
from sopdocs.site.sop_page import sop_page


def report(repo: Path, *args: str) -> dict:
    proc = cli("report", "--format", "json", "--today", TODAY, *args, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def sops_by_path(data: dict) -> dict[str, dict]:
    return {s["path"]: s for owner in data["owners"] for s in owner["sops"]}


def stamped_repo(repo: Path) -> None:
    """`sops/stamped.md`: written 2024-01-10, then only its review date bumped four times.
    `sops/maintained.md`: reviewed with real edits. `sops/fresh.md`: one recent commit."""
    commit(repo, {"sops/stamped.md": sop("stamped", last_reviewed="2024-01-10"), "sops/maintained.md": sop("maintained", last_reviewed="2024-01-10")}, date="2024-01-10")
    for day in ("2024-07-10", "2025-01-10", "2025-07-10", "2026-01-10"):
        commit(repo, {"sops/stamped.md": sop("stamped", last_reviewed=day)}, message=f"review {day}", date=day)
    commit(
        repo,
        {"sops/maintained.md": sop("maintained", last_reviewed="2026-02-01", body="## Steps\n\n1. Restart the pods, then watch the error rate.\n")},
        message="review with an edit",
        date="2026-02-01",
    )
    commit(repo, {"sops/maintained.md": sop("maintained", last_reviewed="2026-08-01", body="## Steps\n\n1. Restart the pods, then watch the error rate.\n")}, date="2026-08-01")
    commit(repo, {"sops/fresh.md": sop("fresh", last_reviewed="2026-11-01")}, date="2026-11-01")


def test_review_bumps_without_other_changes_are_flagged(repo):
    stamped_repo(repo)

    data = report(repo)
    rows = sops_by_path(data)

    stamped = rows["sops/stamped.md"]
    assert (stamped["last_changed"], stamped["review_bumps_since_change"], stamped["rubber_stamp"]) == ("2024-01-10", 4, True)
    maintained = rows["sops/maintained.md"]
    assert (maintained["last_changed"], maintained["review_bumps_since_change"], maintained["rubber_stamp"]) == ("2026-02-01", 1, False)
    assert (rows["sops/fresh.md"]["last_changed"], rows["sops/fresh.md"]["rubber_stamp"]) == ("2026-11-01", False)
    assert data["summary"]["rubber_stamps"] == 1
    assert data["history"] == {"available": True, "note": None}


def test_text_and_markdown_show_last_changed_next_to_last_reviewed(repo):
    stamped_repo(repo)

    text = cli("report", "--today", TODAY, cwd=repo).stdout
    markdown = cli("report", "--format", "markdown", "--today", TODAY, cwd=repo).stdout

    assert "last reviewed 2026-01-10; last changed 2024-01-10 (4 review-only commits since)  [possible rubber stamp]" in text
    assert "Possible rubber stamps: the review date was bumped, but nothing else in the file changed for more than 365 days:" in text
    assert "last reviewed 2026-01-10 · last changed 2024-01-10 (4 review-only commits since) · **possible rubber stamp**" in markdown


@pytest.mark.parametrize(("days", "flagged"), [(365, True), (1100, False), (0, False)])
def test_the_threshold_is_configurable(repo, days, flagged):
    stamped_repo(repo)
    (repo / "sopdocs.yml").write_text(f"paths: [sops]\nrubber_stamp_days: {days}\n", encoding="utf-8")

    assert sops_by_path(report(repo))["sops/stamped.md"]["rubber_stamp"] is flagged


def test_a_review_period_change_alone_is_a_review_bump(repo):
    commit(repo, {"sops/a.md": sop("a", last_reviewed="2024-01-10")}, date="2024-01-10")
    commit(repo, {"sops/a.md": sop("a", last_reviewed="2025-06-01", extra="review_in: 1 year\n")}, date="2025-06-01")

    row = sops_by_path(report(repo))["sops/a.md"]

    assert (row["last_changed"], row["review_bumps_since_change"], row["rubber_stamp"]) == ("2024-01-10", 1, True)


def test_history_follows_renames(repo):
    commit(repo, {"sops/old-name.md": sop("a", last_reviewed="2024-01-10")}, date="2024-01-10")
    git(repo, "mv", "sops/old-name.md", "sops/new-name.md")
    commit(repo, message="rename", date="2025-01-01")
    commit(repo, {"sops/new-name.md": sop("a", last_reviewed="2025-12-01")}, date="2025-12-01")

    row = sops_by_path(report(repo))["sops/new-name.md"]

    assert (row["last_changed"], row["review_bumps_since_change"], row["rubber_stamp"]) == ("2024-01-10", 1, True)


def test_profile_review_keys_are_review_lines(repo):
    (repo / "sopdocs.yml").write_text("profile: govuk\npaths: [manual]\n", encoding="utf-8")
    page = '---\nowner_slack: "#team"\ntitle: A page\nlast_reviewed_on: {day}\nreview_in: 6 months\n---\n\nSome text.\n'
    commit(repo, {"manual/page.html.md": page.format(day="2024-01-10")}, date="2024-01-10")
    commit(repo, {"manual/page.html.md": page.format(day="2025-06-01")}, date="2025-06-01")

    row = sops_by_path(report(repo))["manual/page.html.md"]

    assert (row["owner"], row["last_changed"], row["review_bumps_since_change"], row["rubber_stamp"]) == ("#team", "2024-01-10", 1, True)


def test_no_git_history_is_a_note_not_an_error(repo, tmp_path):
    stamped_repo(repo)
    tarball = tmp_path / "unpacked"
    shutil.copytree(repo, tarball, ignore=shutil.ignore_patterns(".git"))

    proc = cli("report", "--format", "json", "--today", TODAY, cwd=tarball)
    text = cli("report", "--today", TODAY, cwd=tarball)

    assert proc.returncode == 0 and text.returncode == 0
    data = json.loads(proc.stdout)
    assert data["history"]["available"] is False
    assert "not in a git repository" in data["history"]["note"]
    assert {s["last_changed"] for s in sops_by_path(data).values()} == {None}
    assert data["summary"]["rubber_stamps"] == 0
    assert "note: no git history" in text.stdout


def test_git_missing_is_a_note(repo, monkeypatch):
    stamped_repo(repo)
    monkeypatch.setenv("PATH", "/nonexistent")

    found = history.load(sorted((repo / "sops").glob("*.md")), history.REVIEW_KEYS)

    assert (found.available, found.note) == (False, "no git history (git is not installed (or not on PATH)): last-changed dates and rubber-stamp checks are skipped")


def test_shallow_clone_knows_what_it_fetched(repo, tmp_path):
    stamped_repo(repo)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "4", f"file://{repo}", str(clone)], check=True, capture_output=True)

    data = report(clone)
    rows = sops_by_path(data)

    assert "shallow clone" in data["history"]["note"]
    # Four commits: fresh, maintained's bump and edit, and stamped's last bump, which is the
    # boundary (git shows every file as new in it). fresh.md and maintained.md's last edits
    # are inside the fetched history ...
    assert rows["sops/fresh.md"]["last_changed"] == "2026-11-01"
    assert rows["sops/maintained.md"]["last_changed"] == "2026-02-01"
    # ... stamped.md's is not: unknown, not the date of the shallow boundary.
    assert (rows["sops/stamped.md"]["last_changed"], rows["sops/stamped.md"]["last_changed_note"]) == (None, "history truncated (shallow clone)")
    assert rows["sops/stamped.md"]["rubber_stamp"] is False


def test_uncommitted_files_have_no_last_changed(repo):
    commit(repo, {"sops/a.md": sop("a")}, date="2026-01-01")
    (repo / "sops" / "b.md").write_text(sop("b"), encoding="utf-8")

    rows = sops_by_path(report(repo))

    assert (rows["sops/b.md"]["last_changed"], rows["sops/b.md"]["last_changed_note"]) == (None, "not committed yet")
    assert rows["sops/a.md"]["last_changed"] == "2026-01-01"


def test_no_history_option_skips_git(repo):
    stamped_repo(repo)

    data = report(repo, "--no-history")

    assert data["history"] == {"available": False, "note": "history not read (--no-history)"}


def test_history_is_read_with_one_git_log(repo, monkeypatch):
    stamped_repo(repo)
    calls = []
    real = subprocess.Popen

    def spy(args, *a, **k):
        calls.append(args)
        return real(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", spy)
    history.load(sorted((repo / "sops").glob("*.md")), history.REVIEW_KEYS)

    assert [c for c in calls if "log" in c] and len([c for c in calls if "log" in c]) == 1


def test_site_page_shows_last_changed_next_to_last_reviewed(repo):
    stamped_repo(repo)
    config = config_from_dict({"paths": ["sops"]}, root=repo)
    docs = {p.name: d for p, d in zip(sorted((repo / "sops").glob("*.md")), parse_files(sorted((repo / "sops").glob("*.md")), config, repo))}

    site = build_site(docs, __import__("datetime").date(2026, 11, 26), "6 months", 30)
    page = sop_page(site, site.by_src["stamped.md"])

    reviewed = page.index("<dt>Last reviewed</dt>")
    changed = page.index("<dt>Last changed</dt>")
    assert reviewed < changed < page.index("<dt>Next review</dt>")
    assert '<dd><time datetime="2024-01-10">2024-01-10</time> (content, from git)</dd>' in page


def test_site_page_without_git_has_no_last_changed(tmp_path):
    (tmp_path / "a.md").write_text(sop("a"), encoding="utf-8")
    config = config_from_dict({"paths": ["."]}, root=tmp_path)
    docs = {"a.md": parse_files([tmp_path / "a.md"], config, tmp_path)[0]}

    site = build_site(docs, __import__("datetime").date(2026, 11, 26), "6 months", 30)

    assert "Last changed" not in sop_page(site, site.by_src["a.md"])
