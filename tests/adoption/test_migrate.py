"""`sopdocs migrate --write` on small handbooks: a second run changes nothing, ids are
unique across the catalog by construction (from the path where the file name alone
collides), placeholders it writes read as placeholders."""

from __future__ import annotations

from pathlib import Path

from adoptkit import cli, write

GOVUK_UNREVIEWED = """---
title: Deal with a stuck queue
section: Alerts
---

Check the queue length on the dashboard, then restart the workers.
"""

GIANTSWARM_UNREVIEWED = """---
title: Rotate cluster certificates
description: How to rotate the certificates of a workload cluster.
owner:
  - https://github.com/orgs/giantswarm/teams/team-atlas
user_questions:
  - How do I rotate certificates?
---

Text.
"""

GIANTSWARM_REVIEWED = GIANTSWARM_UNREVIEWED.replace("user_questions:", "last_review_date: 2026-10-01\nexpiration_in_days: 90\nuser_questions:")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def migrate_twice(root: Path, *args: str) -> tuple[dict[str, bytes], dict[str, bytes], str]:
    first = cli("migrate", "--write", *args, cwd=root)
    assert first.returncode == 0, first.stderr
    after_first = snapshot(root)
    second = cli("migrate", "--write", *args, cwd=root)
    assert second.returncode == 0, second.stderr
    return after_first, snapshot(root), second.stderr


def test_a_second_run_changes_nothing_govuk(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: govuk\npaths: [manual]\n", encoding="utf-8")
    write(tmp_path, {
        "manual/stuck-queue.html.md": GOVUK_UNREVIEWED,
        "manual/no-owner.html.md.erb": GOVUK_UNREVIEWED.replace("title: Deal with a stuck queue\n", ""),
        "manual/crlf.md": GOVUK_UNREVIEWED.replace("\n", "\r\n"),
    })

    first, second, stderr = migrate_twice(tmp_path, "manual")

    assert first["manual/stuck-queue.html.md"].decode().count("TODO(sopdocs): add `last_reviewed") == 1
    assert first["manual/crlf.md"].count(b"TODO(sopdocs): add `last_reviewed") == 1
    assert second == first
    assert stderr.endswith("sopdocs: migrated 0 of 3 files\n")


def test_a_second_run_changes_nothing_giantswarm(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: giantswarm\npaths: [content]\n", encoding="utf-8")
    write(tmp_path, {"content/rotate.md": GIANTSWARM_UNREVIEWED, "content/reviewed.md": GIANTSWARM_REVIEWED})

    first, second, stderr = migrate_twice(tmp_path, "content")

    assert "review_in: 90 days" in first["content/reviewed.md"].decode()
    assert second == first
    assert stderr.endswith("sopdocs: migrated 0 of 2 files\n")


def test_a_reworded_review_placeholder_is_not_added_again(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: govuk\npaths: [manual]\n", encoding="utf-8")
    write(tmp_path, {"manual/a.md": GOVUK_UNREVIEWED})
    cli("migrate", "--write", "manual", cwd=tmp_path)
    page = tmp_path / "manual/a.md"
    page.write_text(page.read_text(encoding="utf-8").replace("after the next full review", "when Sam has read it"), encoding="utf-8")
    before = page.read_bytes()

    proc = cli("migrate", "--write", "manual", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert page.read_bytes() == before
