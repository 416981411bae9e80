"""`sopdocs lint --changed-since REV` in real git repositories: only the changed SOPs are
linted, yet catalog-wide findings that a change causes in an unchanged SOP are reported."""

from __future__ import annotations

import json
from pathlib import Path

from adoptkit import TODAY, cli, commit, git, sop, write


def lint_changed(repo: Path, rev: str = "main", *extra: str) -> tuple[int, dict, str]:
    proc = cli("lint", "--changed-since", rev, "--format", "json", "--today", TODAY, *extra, cwd=repo)
    report = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    return proc.returncode, report, proc.stderr


def found(report: dict) -> list[tuple[str, str]]:
    return sorted((f["path"], f["rule"]) for f in report["findings"])


def branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "topic")


def test_only_changed_sops_are_linted(repo):
    commit(repo, {"sops/a.md": sop("a"), "sops/old.md": sop("old", last_reviewed="2024-01-01")}, date="2026-01-01")
    branch(repo)
    commit(repo, {"sops/a.md": sop("a", last_reviewed="2023-01-01")})

    code, report, _ = lint_changed(repo)

    # old.md is overdue too, but nobody touched it in this branch.
    assert found(report) == [("sops/a.md", "review-overdue")]
    assert report["summary"]["files"] == 1
    assert code == 1


def test_uncommitted_and_untracked_changes_count(repo):
    commit(repo, {"sops/a.md": sop("a"), "sops/b.md": sop("b")})
    branch(repo)
    write(repo, {"sops/a.md": sop("a", owner="no")})  # unstaged: owner is the boolean false
    write(repo, {"sops/new.md": sop("new", extra="rolback: []\n")})  # untracked

    code, report, _ = lint_changed(repo)

    assert found(report) == [("sops/a.md", "field-type"), ("sops/new.md", "field-unknown")]
    assert report["summary"]["files"] == 2
    assert code == 1


def test_no_change_lints_nothing(repo):
    commit(repo, {"sops/a.md": sop("a", last_reviewed="2020-01-01")})

    code, report, _ = lint_changed(repo, "HEAD")

    assert (code, report["findings"], report["summary"]["files"]) == (0, [], 0)


def test_deleting_an_sop_reports_the_sops_that_still_name_it(repo):
    commit(
        repo,
        {
            "sops/a.md": sop("a", extra="related: [b]\n"),
            "sops/b.md": sop("b"),
            "sops/c.md": sop("c"),
            "sops/undo.md": sop("undo").replace("rollback:\n  - Start the previous release again.\n", "rollback: {sop: b}\n"),
            "sops/links.md": sop("links", body="## Steps\n\n1. If it fails, follow [the restore](b.md).\n"),
            "sops/bystander.md": sop("bystander", extra="related: [gone]\n"),  # already broken on main
        },
    )
    branch(repo)
    (repo / "sops/b.md").unlink()
    git(repo, "add", "-A")

    code, report, _ = lint_changed(repo)

    assert found(report) == [
        ("sops/a.md", "related-unknown"),
        ("sops/links.md", "link-broken"),
        ("sops/undo.md", "rollback-unknown"),
    ]
    assert report["summary"]["files"] == 0  # nothing left to lint on its own
    assert code == 1


def test_an_unchanged_sops_older_problems_stay_out_of_the_report(repo):
    # a.md names b (which this branch deletes) and `gone` (broken on main already): only
    # the reference the branch broke is its business.
    commit(repo, {"sops/a.md": sop("a", extra="related: [gone, b]\n"), "sops/b.md": sop("b")})
    branch(repo)
    (repo / "sops/b.md").unlink()

    _, report, _ = lint_changed(repo)

    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in report["findings"]] == [("sops/a.md", 6, 17, "related-unknown")]
    assert "`b`" in report["findings"][0]["message"]


def test_changing_an_id_reports_references_to_the_old_id(repo):
    commit(repo, {"sops/a.md": sop("a", extra="related: [b]\n"), "sops/b.md": sop("b")})
    branch(repo)
    commit(repo, {"sops/b.md": sop("b-renamed")})

    _, report, _ = lint_changed(repo)

    assert found(report) == [("sops/a.md", "related-unknown")]


def test_a_new_sop_reusing_an_id_reports_the_duplicate_wherever_it_lands(repo):
    # Duplicates are reported on every SOP but the first by path: here the unchanged one.
    commit(repo, {"sops/zz-existing.md": sop("shared-id")})
    branch(repo)
    commit(repo, {"sops/aa-new.md": sop("shared-id")})

    _, report, _ = lint_changed(repo)

    assert found(report) == [("sops/zz-existing.md", "duplicate-id")]
    message = report["findings"][0]["message"]
    assert "sops/aa-new.md" in message


def test_a_pull_request_branch_is_compared_with_its_fork_point(repo):
    # Changes on main after the fork are not the branch's; `REV...HEAD` semantics.
    commit(repo, {"sops/a.md": sop("a"), "sops/b.md": sop("b")})
    branch(repo)
    commit(repo, {"sops/a.md": sop("a", owner="team-platform")})
    git(repo, "checkout", "-q", "main")
    commit(repo, {"sops/b.md": sop("b", last_reviewed="2020-01-01")})
    git(repo, "checkout", "-q", "topic")

    code, report, _ = lint_changed(repo)

    assert (code, report["findings"], report["summary"]["files"]) == (0, [], 1)


def test_changed_files_outside_the_catalog_are_ignored(repo):
    commit(repo, {"sops/a.md": sop("a"), "README.md": "# readme\n"})
    branch(repo)
    commit(repo, {"README.md": "# readme, changed\n", "notes/draft.md": "no front matter\n"})

    code, report, _ = lint_changed(repo)

    assert (code, report["findings"], report["summary"]["files"]) == (0, [], 0)


def test_paths_narrow_the_changed_files(repo):
    commit(repo, {"sops/db/a.md": sop("a"), "sops/web/b.md": sop("b")})
    branch(repo)
    commit(repo, {"sops/db/a.md": sop("a", owner="no"), "sops/web/b.md": sop("b", owner="no")})

    proc = cli("lint", "--changed-since", "main", "--format", "json", "--today", TODAY, "sops/web", cwd=repo)

    assert sorted(f["path"] for f in json.loads(proc.stdout)["findings"]) == ["sops/web/b.md"]


def test_github_format_over_changed_files(repo):
    commit(repo, {"sops/a.md": sop("a")})
    branch(repo)
    commit(repo, {"sops/a.md": sop("a", owner="no")})

    proc = cli("lint", "--changed-since", "main", "--format", "github", "--today", TODAY, cwd=repo)

    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=sops/a.md,line=4,col=1,title=SOP102 field-type::4:1 ")


def test_not_a_git_repository_is_a_usage_error(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    write(tmp_path, {"sops/a.md": sop("a")})

    proc = cli("lint", "--changed-since", "main", cwd=tmp_path)

    assert proc.returncode == 2
    assert "--changed-since" in proc.stderr and "not in a git repository" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_revision_is_a_usage_error(repo):
    commit(repo, {"sops/a.md": sop("a")})

    proc = cli("lint", "--changed-since", "origin/nope", cwd=repo)

    assert proc.returncode == 2
    assert "unknown revision 'origin/nope'" in proc.stderr


def test_an_option_looking_revision_is_refused(repo):
    commit(repo, {"sops/a.md": sop("a")})

    proc = cli("lint", "--changed-since=--output=/tmp/x", cwd=repo)

    assert proc.returncode == 2
    assert "invalid revision" in proc.stderr
