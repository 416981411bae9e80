"""`sopdocs migrate --write` on small handbooks: a second run changes nothing, ids are
unique across the catalog by construction (from the path where the file name alone
collides), placeholders it writes read as placeholders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from adoptkit import TODAY, cli, write

from sopdocs.author.migrate import planned_ids
from sopdocs.core.config import config_from_dict
from sopdocs.core.frontmatter import FrontMatter

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


# --- ids --------------------------------------------------------------------------------

ID_SCHEMA = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

HUGO_TREE = {
    "content/overview/architecture/_index.md": GIANTSWARM_UNREVIEWED,
    "content/overview/ai-agents/architecture/index.md": GIANTSWARM_UNREVIEWED,
    "content/overview/architecture/aws/index.md": GIANTSWARM_UNREVIEWED,
    "content/getting-started/aws/index.md": GIANTSWARM_UNREVIEWED,
    "content/overview/introduction/index.md": GIANTSWARM_UNREVIEWED,
    # An id already in a front matter is never changed, and no new id repeats it.
    "content/ai-agents/introduction.md": GIANTSWARM_UNREVIEWED.replace("---\ntitle:", "---\nid: introduction\ntitle:"),
    "content/tutorials/rotate-certs.md": GIANTSWARM_UNREVIEWED,
}


def ids_of(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*.md*")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        found[path.relative_to(root).as_posix()] = front["id"]
    return found


def test_ids_take_parent_directories_where_the_name_collides(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: giantswarm\npaths: [content]\n", encoding="utf-8")
    write(tmp_path, HUGO_TREE)

    proc = cli("migrate", "--write", "content", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert ids_of(tmp_path) == {
        "content/ai-agents/introduction.md": "introduction",
        "content/getting-started/aws/index.md": "getting-started-aws",
        "content/overview/ai-agents/architecture/index.md": "ai-agents-architecture",
        "content/overview/architecture/_index.md": "overview-architecture",
        "content/overview/architecture/aws/index.md": "architecture-aws",
        "content/overview/introduction/index.md": "overview-introduction",
        "content/tutorials/rotate-certs.md": "rotate-certs",  # its name is unique: kept
    }
    assert (
        "content/overview/architecture/_index.md: added `id: overview-architecture` "
        "(from the path: the file name gives `architecture`, which another file's id or name is too)"
    ) in proc.stderr
    lint = cli("lint", "--format", "json", cwd=tmp_path)
    assert [f for f in json.loads(lint.stdout)["findings"] if f["rule"] == "duplicate-id"] == []


def test_ids_do_not_depend_on_file_order_or_on_migrating_file_by_file(tmp_path):
    config = config_from_dict({"profile": "giantswarm", "paths": ["content"]}, root=tmp_path)
    write(tmp_path, HUGO_TREE)
    files = sorted(tmp_path.rglob("*.md"))

    at_once = planned_ids(files, config)

    assert planned_ids(list(reversed(files)), config) == at_once
    (tmp_path / "sopdocs.yml").write_text("profile: giantswarm\npaths: [content]\n", encoding="utf-8")
    for path in reversed(files):  # one file a run, the catalog as the rest
        assert cli("migrate", "--write", str(path.relative_to(tmp_path)), cwd=tmp_path).returncode == 0
    assert {tmp_path / name: sop_id for name, sop_id in ids_of(tmp_path).items() if tmp_path / name in at_once} == at_once


def test_files_alike_up_to_the_catalog_root_are_numbered_in_path_order(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: govuk\npaths: [manual]\n", encoding="utf-8")
    long_dir = "/".join(["a-rather-long-directory-name-for-a-section"] * 3)
    write(tmp_path, {
        "manual/stuck-queue.md": GOVUK_UNREVIEWED,
        "manual/stuck-queue.html.md.erb": GOVUK_UNREVIEWED,
        "manual/Stuck Queue.md": GOVUK_UNREVIEWED,
        f"manual/{long_dir}/stuck-queue.md": GOVUK_UNREVIEWED,
        f"manual/x/{long_dir}/stuck-queue.md": GOVUK_UNREVIEWED,
    })

    proc = cli("migrate", "--write", "manual", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    ids = ids_of(tmp_path)
    assert len(set(ids.values())) == len(ids), ids
    assert all(ID_SCHEMA.match(i) and len(i) <= 100 for i in ids.values()), ids
    assert (ids["manual/Stuck Queue.md"], ids["manual/stuck-queue.html.md.erb"], ids["manual/stuck-queue.md"]) == (
        "stuck-queue", "stuck-queue-2", "stuck-queue-3",
    )


# --- placeholders -------------------------------------------------------------------------


def test_a_placeholder_owner_is_no_owner_in_reports(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: giantswarm\npaths: [content]\n", encoding="utf-8")
    unowned = GIANTSWARM_UNREVIEWED.replace("owner:\n  - https://github.com/orgs/giantswarm/teams/team-atlas\n", "")
    write(tmp_path, {"content/unowned.md": unowned, "content/owned.md": GIANTSWARM_REVIEWED})
    assert cli("migrate", "--write", "content", cwd=tmp_path).returncode == 0
    assert 'owner: "TODO(sopdocs): the owning team"' in (tmp_path / "content/unowned.md").read_text(encoding="utf-8")

    data = json.loads(cli("report", "--format", "json", "--no-history", "--today", TODAY, cwd=tmp_path).stdout)
    text = cli("report", "--no-history", "--today", TODAY, cwd=tmp_path).stdout

    assert {o["owner"]: [s["path"] for s in o["sops"]] for o in data["owners"]} == {
        "team-atlas": ["content/owned.md"],
        "(no owner)": ["content/unowned.md"],
    }
    assert "TODO(sopdocs)" not in text and "(no owner)" in text
    # lint still asks for the owner
    lint = json.loads(cli("lint", "--format", "json", cwd=tmp_path).stdout)["findings"]
    assert ("content/unowned.md", "placeholder-left") in {(f["path"], f["rule"]) for f in lint}


def test_front_matter_reads_a_placeholder_owner_as_none():
    front = FrontMatter({"owner": "TODO(sopdocs): the owning team", "backup_owner": "TODO(sopdocs): who else", "title": "T"})

    assert (front.owner, front.owner_label, front.text("owner"), front.text("backup_owner")) == ("", "(no owner)", "", "")
    assert FrontMatter({"owner": "team-atlas"}).owner_label == "team-atlas"
