"""`sopdocs report`: review states grouped by owner, as text, Markdown and JSON."""

from __future__ import annotations

import json

import pytest
from adoptkit import TODAY, cli, sop, write

from sopdocs.health.report import parse_within

CATALOG = {
    "sops/overdue.md": sop("overdue", owner="team-sre", last_reviewed="2026-03-01"),  # due 2026-09-01
    "sops/soon.md": sop("soon", owner="team-sre", last_reviewed="2026-06-10"),  # due 2026-12-10: 14 days
    "sops/month.md": sop("month", owner="team-sre", last_reviewed="2026-07-15"),  # due 2027-01-15: 50 days
    "sops/current.md": sop("current", owner="team-platform", last_reviewed="2026-11-01"),
    "sops/no-date.md": sop("no-date", owner="team-platform", last_reviewed="soon"),
    "sops/orphan.md": sop("orphan", owner="").replace('owner: \n', ""),
    "sops/broken.md": "no front matter at all\n",
}


@pytest.fixture
def catalog(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    write(tmp_path, CATALOG)
    return tmp_path


def run(catalog, *args: str):
    proc = cli("report", "--today", TODAY, *args, cwd=catalog)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def states(data: dict) -> dict[str, dict[str, str]]:
    return {o["owner"]: {s["id"] or s["path"]: s["state"] for s in o["sops"]} for o in data["owners"]}


def test_json_groups_by_owner_with_every_state(catalog):
    data = json.loads(run(catalog, "--format", "json"))

    assert states(data) == {
        "team-platform": {"current": "current", "no-date": "unknown"},
        "team-sre": {"overdue": "overdue", "soon": "due-soon", "month": "current"},
        "(no owner)": {"orphan": "current", "sops/broken.md": "unknown"},
    }
    assert data["summary"] == {"sops": 7, "overdue": 1, "due-soon": 1, "current": 3, "unknown": 2, "rubber_stamps": 0}
    overdue = data["owners"][1]["sops"][0]
    assert overdue == {
        "path": "sops/overdue.md",
        "id": "overdue",
        "title": "Overdue",
        "owner": "team-sre",
        "state": "overdue",
        "last_reviewed": "2026-03-01",
        "review_in": "6 months",
        "next_review": "2026-09-01",
        "days_left": -86,
        "last_changed": None,
        "last_changed_note": None,
        "review_bumps_since_change": 0,
        "rubber_stamp": False,
        "problem": None,
    }
    problems = {s["path"]: s["problem"] for o in data["owners"] for s in o["sops"] if s["problem"]}
    assert problems == {
        "sops/no-date.md": "`last_reviewed` is not a date (YYYY-MM-DD)",
        "sops/broken.md": "front matter missing or unreadable (see `sopdocs lint`)",
    }


def test_json_is_byte_for_byte_stable(catalog):
    assert run(catalog, "--format", "json") == run(catalog, "--format", "json")


def test_due_within_widens_due_soon(catalog):
    data = json.loads(run(catalog, "--format", "json", "--due-within", "60d"))

    assert states(data)["team-sre"]["month"] == "due-soon"
    assert data["due_within_days"] == 60


def test_owner_and_state_filters(catalog):
    data = json.loads(run(catalog, "--format", "json", "--owner", "team-sre", "--state", "overdue", "--state", "due-soon"))

    assert states(data) == {"team-sre": {"overdue": "overdue", "soon": "due-soon"}}


def test_owner_filter_ignores_a_leading_hash(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    write(tmp_path, {"sops/a.md": sop("a", owner='"#govuk-2ndline"')})

    data = json.loads(run(tmp_path, "--format", "json", "--owner", "govuk-2ndline"))

    assert [o["owner"] for o in data["owners"]] == ["#govuk-2ndline"]


def test_markdown_has_one_section_per_owner(catalog):
    text = run(catalog, "--format", "markdown", "--link-base", "https://github.com/acme/sops/blob/main")

    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["## team-platform", "## team-sre", "## (no owner)"]
    sre = text[text.index("## team-sre") : text.index("## (no owner)")]
    assert sre.startswith("## team-sre\n\n1 overdue, 1 due within 30 days, 1 current (as of 2026-11-26).\n")
    assert "**Overdue (1)**\n\n- [ ] [Overdue](https://github.com/acme/sops/blob/main/sops/overdue.md) (`sops/overdue.md`): due 2026-09-01 (86 days ago) · last reviewed 2026-03-01" in sre
    assert "**Due within 30 days (1)**\n\n- [ ] [Soon](https://github.com/acme/sops/blob/main/sops/soon.md)" in sre
    assert "**Current (1)**\n\n- [Month]" in sre  # current SOPs are not tasks


def test_markdown_escapes_titles_and_owners(tmp_path):
    (tmp_path / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    write(tmp_path, {"sops/a.md": sop("a", owner='"team_*x*"').replace("title: A", 'title: "Use <b>[this](x)</b>"')})

    text = run(tmp_path, "--format", "markdown")

    assert "## team\\_\\*x\\*" in text
    assert "**Use \\<b\\>\\[this\\](x)\\</b\\>**" in text


def test_text_report(catalog):
    text = run(catalog)

    assert text.startswith("SOP review report for 2026-11-26 (due within 30 days)\n\nteam-platform: 0 overdue, 0 due within 30 days, 1 current, 1 without a review date\n")
    assert "  overdue   sops/overdue.md  Overdue: due 2026-09-01 (86 days ago); last reviewed 2026-03-01\n" in text
    assert text.endswith("7 SOPs: 1 overdue, 1 due within 30 days, 3 current, 2 without a review date\n")


def test_output_file(catalog):
    assert run(catalog, "--format", "json", "-o", "out.json") == ""
    assert json.loads((catalog / "out.json").read_text(encoding="utf-8"))["summary"]["sops"] == 7


@pytest.mark.parametrize("bad", ["soon", "30x", "-3d", ""])
def test_bad_due_within_is_a_usage_error(catalog, bad):
    proc = cli("report", "--due-within", bad, cwd=catalog)

    assert proc.returncode == 2
    assert "--due-within" in proc.stderr


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("30", 30), ("30 days", 30), ("4w", 28), ("2 weeks", 14), ("1 day", 1)])
def test_parse_within(text, days):
    assert parse_within(text) == days
