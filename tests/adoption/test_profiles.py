"""Profiles and field aliases: another handbook's front matter, linted where it is written;
`sopdocs migrate`; the editor schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from adoptkit import REPO, TODAY, cli, sop, write

GOVUK_PAGE = """---
owner_slack: "#govuk-2ndline"
title: Deal with a stuck queue
section: Alerts
layout: manual_layout
last_reviewed_on: 2025-01-15
review_in: 6 months
---

Check the queue length on the dashboard, then restart the workers.
"""

GIANTSWARM_PAGE = """---
title: Rotate cluster certificates
description: How to rotate the certificates of a workload cluster.
owner:
  - https://github.com/orgs/giantswarm/teams/team-atlas
  - https://github.com/orgs/giantswarm/teams/team-phoenix
last_review_date: 2025-10-01
expiration_in_days: 90
user_questions:
  - How do I rotate certificates?
---

Text.
"""


def lint(tmp_path: Path, files: dict[str, str], config: str, *args: str) -> tuple[int, list[dict]]:
    (tmp_path / "sopdocs.yml").write_text(config, encoding="utf-8")
    write(tmp_path, files)
    proc = cli("lint", "--format", "json", "--today", TODAY, *args, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"]


def brief(findings: list[dict]) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["column"], f["rule"]) for f in findings]


def test_govuk_page_lints_clean_when_reviewed(tmp_path):
    page = GOVUK_PAGE.replace("2025-01-15", "2026-10-01")

    code, findings = lint(tmp_path, {"manual/stuck-queue.html.md": page, "manual/other.html.md.erb": page}, "profile: govuk\npaths: [manual]\n")

    assert (code, findings) == (0, [])


def test_govuk_overdue_points_at_last_reviewed_on_and_names_it(tmp_path):
    code, findings = lint(tmp_path, {"manual/stuck-queue.html.md": GOVUK_PAGE}, "profile: govuk\npaths: [manual]\n")

    assert code == 1
    assert brief(findings) == [("manual/stuck-queue.html.md", 6, 1, "review-overdue")]
    assert findings[0]["message"] == (
        "review overdue: last reviewed 2025-01-15, due 2025-07-15 (499 days ago); review the SOP and update `last_reviewed_on`"
    )


def test_govuk_bad_values_are_reported_at_the_old_keys(tmp_path):
    page = GOVUK_PAGE.replace('"#govuk-2ndline"', "#govuk-2ndline").replace("2025-01-15", "2025-02-30").replace("6 months", "half a year")

    _, findings = lint(tmp_path, {"manual/p.html.md": page}, "profile: govuk\npaths: [manual]\n")

    assert brief(findings) == [
        ("manual/p.html.md", 2, 1, "field-type"),
        ("manual/p.html.md", 6, 1, "field-value"),
        ("manual/p.html.md", 7, 1, "field-value"),
    ]
    # An unquoted #channel is a YAML comment: the value is empty.
    assert findings[0]["message"].startswith("`owner_slack` must be a text, but YAML read an empty value")
    assert findings[1]["message"].startswith("`last_reviewed_on` is `2025-02-30`, which is not a real calendar date")


def test_giantswarm_owner_urls_and_expiration(tmp_path):
    code, findings = lint(
        tmp_path,
        {"content/rotate.md": GIANTSWARM_PAGE},
        "profile: giantswarm\npaths: [content]\nowners: [team-phoenix]\n",
    )

    # The first team owns the page; expiration_in_days: 90 -> due 2025-12-30.
    assert brief(findings) == [("content/rotate.md", 4, 1, "owner-unknown"), ("content/rotate.md", 7, 1, "review-overdue")]
    assert "due 2025-12-30" in findings[1]["message"] and "`last_review_date`" in findings[1]["message"]
    assert code == 1


def test_giantswarm_default_review_period_is_365_days(tmp_path):
    page = GIANTSWARM_PAGE.replace("expiration_in_days: 90\n", "").replace("2025-10-01", "2025-11-26")

    data = json.loads(
        report(tmp_path, {"content/rotate.md": page}, "profile: giantswarm\npaths: [content]\n").stdout
    )

    row = data["owners"][0]["sops"][0]
    assert (row["owner"], row["next_review"], row["state"], row["days_left"]) == ("team-atlas", "2026-11-26", "due-soon", 0)


def test_giantswarm_empty_owner_is_missing(tmp_path):
    page = GIANTSWARM_PAGE.replace(
        "owner:\n  - https://github.com/orgs/giantswarm/teams/team-atlas\n  - https://github.com/orgs/giantswarm/teams/team-phoenix\n",
        "owner: []\n",
    )

    _, findings = lint(tmp_path, {"content/rotate.md": page}, "profile: giantswarm\npaths: [content]\n")

    assert [(f["rule"], f["message"][:30]) for f in findings if f["rule"] == "field-missing"] == [("field-missing", "missing required key `owner`: ")]


def report(tmp_path: Path, files: dict[str, str], config: str) -> subprocess.CompletedProcess:
    (tmp_path / "sopdocs.yml").write_text(config, encoding="utf-8")
    write(tmp_path, files)
    return cli("report", "--format", "json", "--no-history", "--today", TODAY, cwd=tmp_path)


def test_config_aliases_without_a_profile(tmp_path):
    text = sop("a").replace("last_reviewed:", "reviewed_on:")

    code, findings = lint(tmp_path, {"sops/a.md": text}, "paths: [sops]\naliases: {reviewed_on: last_reviewed}\n")

    assert (code, findings) == (0, [])


def test_the_sopdocs_key_wins_over_its_alias(tmp_path):
    text = sop("a").replace("last_reviewed: 2026-10-01\n", "last_reviewed: 2026-10-01\nreviewed_on: 2020-01-01\n")

    _, findings = lint(tmp_path, {"sops/a.md": text}, "paths: [sops]\naliases: {reviewed_on: last_reviewed}\n")

    assert brief(findings) == [("sops/a.md", 6, 1, "field-unknown")]


def test_sopdocs_files_still_lint_under_a_profile(tmp_path):
    # A half-migrated handbook: migrated files use the sopdocs keys.
    code, findings = lint(tmp_path, {"manual/new.md": sop("new"), "manual/old.html.md": GOVUK_PAGE.replace("2025-01-15", "2026-10-01")}, "profile: govuk\npaths: [manual]\n")

    assert (code, findings) == (0, [])


def test_profile_rules_can_be_switched_back_on(tmp_path):
    page = GOVUK_PAGE.replace("2025-01-15", "2026-10-01")

    _, findings = lint(tmp_path, {"manual/p.html.md": page}, "profile: govuk\npaths: [manual]\nrules: {steps-missing: error}\n")

    assert [f["rule"] for f in findings] == ["steps-missing"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("profile: tech-docs\n", "invalid setting at profile"),
        ("aliases: {reviewed: last_review}\n", "invalid setting at aliases.reviewed"),
        ("extensions: [md]\n", "invalid setting at extensions.0"),
        ("rubber_stamp_days: -1\n", "invalid setting at rubber_stamp_days"),
    ],
)
def test_bad_profile_settings_are_configuration_errors(tmp_path, config, message):
    (tmp_path / "sopdocs.yml").write_text(config, encoding="utf-8")

    proc = cli("lint", cwd=tmp_path)

    assert proc.returncode == 2
    assert message in proc.stderr


# --- migrate ----------------------------------------------------------------------------


def test_migrate_prints_a_diff_and_writes_nothing(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: govuk\npaths: [manual]\n", encoding="utf-8")
    write(tmp_path, {"manual/stuck-queue.html.md": GOVUK_PAGE})

    proc = cli("migrate", "manual", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "manual/stuck-queue.html.md").read_text(encoding="utf-8") == GOVUK_PAGE
    assert "-owner_slack: \"#govuk-2ndline\"\n+id: stuck-queue\n+owner: \"#govuk-2ndline\"\n" in proc.stdout
    assert "-last_reviewed_on: 2025-01-15\n+last_reviewed: 2025-01-15\n" in proc.stdout
    assert "manual/stuck-queue.html.md: added `id: stuck-queue` (from the file name)" in proc.stderr
    assert proc.stderr.endswith("sopdocs: would migrate 1 of 1 file\n")


def test_migrate_write_then_lint_points_at_the_placeholders(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [manual]\n", encoding="utf-8")
    write(tmp_path, {"manual/stuck-queue.html.md": GOVUK_PAGE.replace("2025-01-15", "2026-10-01")})

    proc = cli("migrate", "--profile", "govuk", "--write", "manual/stuck-queue.html.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    migrated = (tmp_path / "manual/stuck-queue.html.md").read_text(encoding="utf-8")

    assert migrated == (
        "---\n"
        "id: stuck-queue\n"
        'owner: "#govuk-2ndline"\n'
        "title: Deal with a stuck queue\n"
        "section: Alerts\n"
        "layout: manual_layout\n"
        "last_reviewed: 2026-10-01\n"
        "review_in: 6 months\n"
        "preconditions:\n"
        '  - "TODO(sopdocs): what must be true before step 1? One check per entry (the old format had no preconditions)."\n'
        "rollback:\n"
        '  - "TODO(sopdocs): how to undo the change, one step per entry; or {sop: <id of the rollback SOP>} (the old format had no rollback)."\n'
        "---\n"
        "\n"
        "Check the queue length on the dashboard, then restart the workers.\n"
    )
    code, findings = lint(tmp_path, {}, "paths: [manual]\n")
    assert code == 1
    assert brief(findings) == [
        ("manual/stuck-queue.html.md", 5, 1, "field-unknown"),
        ("manual/stuck-queue.html.md", 6, 1, "field-unknown"),
        ("manual/stuck-queue.html.md", 10, 6, "placeholder-left"),
        ("manual/stuck-queue.html.md", 12, 6, "placeholder-left"),
        ("manual/stuck-queue.html.md", 14, 1, "steps-missing"),
    ]


def test_migrate_giantswarm_keeps_the_period_and_notes_dropped_owners(tmp_path):
    write(tmp_path, {"content/rotate.md": GIANTSWARM_PAGE})

    proc = cli("migrate", "--profile", "giantswarm", "--write", "content", cwd=tmp_path)

    migrated = (tmp_path / "content/rotate.md").read_text(encoding="utf-8")
    front = yaml.safe_load(migrated.split("---\n")[1])
    assert list(front)[:5] == ["id", "title", "description", "owner", "last_reviewed"]
    assert (front["owner"], front["review_in"]) == ("team-atlas", "90 days")
    assert "`owner` lists 2 teams; the first owns the SOP now (dropped: https://github.com/orgs/giantswarm/teams/team-phoenix)" in proc.stderr


def test_migrate_needs_a_profile(tmp_path):
    write(tmp_path, {"a.md": GOVUK_PAGE})

    proc = cli("migrate", "a.md", cwd=tmp_path)

    assert proc.returncode == 2
    assert "--profile govuk|giantswarm" in proc.stderr


def test_migrate_keeps_crlf_and_skips_pages_without_front_matter(tmp_path):
    write(tmp_path, {"none.md": "# Just text\n"})
    (tmp_path / "crlf.md").write_bytes(GOVUK_PAGE.replace("\n", "\r\n").encode())

    proc = cli("migrate", "--profile", "govuk", "--write", "none.md", "crlf.md", cwd=tmp_path)

    assert proc.returncode == 0
    assert (tmp_path / "none.md").read_text(encoding="utf-8") == "# Just text\n"
    assert "none.md: skipped: no front matter" in proc.stderr
    data = (tmp_path / "crlf.md").read_bytes()
    assert b"\r\nid: crlf\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


# --- editor schema ----------------------------------------------------------------------


def check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run([str(tool), *args], capture_output=True, text=True, check=False)


def front_matter_file(source: Path, target: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    target.write_text(text[4 : text.find("\n---", 4) + 1], encoding="utf-8")
    return target


def test_schema_output_validates_the_catalog_in_an_editor_tool(tmp_path):
    proc = cli("schema", "-o", str(tmp_path / "schema" / "sop.schema.json"), cwd=tmp_path)
    assert proc.returncode == 0
    schema = tmp_path / "schema" / "sop.schema.json"

    meta = check_jsonschema("--check-metaschema", str(schema))
    files = [str(front_matter_file(p, tmp_path / f"{p.stem}.yaml")) for p in sorted((REPO / "content").glob("*.md"))]
    valid = check_jsonschema("--schemafile", str(schema), *files)

    assert meta.returncode == 0, meta.stdout
    assert valid.returncode == 0, valid.stdout
    assert json.loads(schema.read_text(encoding="utf-8")) == json.loads((REPO / "schema" / "sop.schema.json").read_text(encoding="utf-8"))


def test_profile_schema_describes_the_old_keys(tmp_path):
    proc = cli("schema", "--profile", "govuk", cwd=tmp_path)
    schema = json.loads(proc.stdout)
    (tmp_path / "govuk.schema.json").write_text(proc.stdout, encoding="utf-8")

    assert {"owner_slack", "last_reviewed_on", "review_in"} <= set(schema["properties"])
    assert "last_reviewed" not in schema["properties"] and schema["required"] == ["title", "owner_slack"]
    page = tmp_path / "page.yaml"
    page.write_text(GOVUK_PAGE.split("---\n")[1], encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOVUK_PAGE.split("---\n")[1].replace("6 months", "half a year"), encoding="utf-8")
    assert check_jsonschema("--check-metaschema", str(tmp_path / "govuk.schema.json")).returncode == 0
    assert check_jsonschema("--schemafile", str(tmp_path / "govuk.schema.json"), str(page)).returncode == 0
    assert check_jsonschema("--schemafile", str(tmp_path / "govuk.schema.json"), str(bad)).returncode == 1


def test_profile_schema_from_the_config(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("profile: giantswarm\n", encoding="utf-8")

    schema = json.loads(cli("schema", "--profile", "config", cwd=tmp_path).stdout)

    assert schema["properties"]["owner"]["type"] == "array"
    assert "last_review_date" in schema["properties"] and "expiration_in_days" in schema["properties"]


@pytest.mark.parametrize("profile", ["sopdocs", "govuk"])
def test_draft_7_schema_for_the_yaml_language_server(tmp_path, profile):
    # The YAML language server validates with draft-07: the same checks, draft-07 spelling.
    target = tmp_path / "schema" / "sop.schema.json"
    proc = cli("schema", "--draft", "7", "--profile", profile, "-o", str(target), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(target.read_text(encoding="utf-8"))

    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(schema)
    assert check_jsonschema("--check-metaschema", str(target)).returncode == 0
    if profile == "sopdocs":
        good = [str(front_matter_file(p, tmp_path / f"{p.stem}.yaml")) for p in sorted((REPO / "content").glob("*.md"))]
        bad = tmp_path / "bad.yaml"
        bad.write_text("id: x\ntitle: t\nowner: t\nlast_reviewed: 2026-01-01\npreconditions: [a]\nrollback: [{txt: b}]\n", encoding="utf-8")
    else:
        good = [str(tmp_path / "page.yaml")]
        (tmp_path / "page.yaml").write_text(GOVUK_PAGE.split("---\n")[1], encoding="utf-8")
        bad = tmp_path / "bad.yaml"
        bad.write_text(GOVUK_PAGE.split("---\n")[1].replace("6 months", "half a year"), encoding="utf-8")
    assert check_jsonschema("--schemafile", str(target), *good).returncode == 0
    assert check_jsonschema("--schemafile", str(target), str(bad)).returncode == 1


def test_profile_applies_to_the_sop_schema_only(tmp_path):
    proc = cli("schema", "config", "--profile", "govuk", cwd=tmp_path)

    assert proc.returncode == 2 and "--profile applies to the `sop` schema" in proc.stderr
