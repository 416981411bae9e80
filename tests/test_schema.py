"""The front-matter schema, and the friendly messages its violations become."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from helpers import FULL, MINIMAL, REPO, sop
from jsonschema import Draft202012Validator

from sopdocs.core.schema import field_name, load_schema
from sopdocs.lint.rules import front_matter_issues as check

BASE = {
    "id": "restart-api",
    "title": "Restart the API",
    "owner": "team-sre",
    "last_reviewed": "2026-10-01",
    "preconditions": ["The page is acknowledged."],
    "rollback": ["Start the previous release."],
}


def issues(**changes):
    """Schema issues of BASE with some keys changed, as (rule, path, message)."""
    return [(i.rule, i.path, i.message) for i in check({**BASE, **changes})]


@pytest.mark.parametrize("name", ["sop", "config"])
def test_schemas_are_valid_2020_12(name):
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", ["sop", "config"])
def test_bundled_schema_is_the_published_one(name):
    published = json.loads((REPO / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert load_schema(name) == published


def test_base_is_valid():
    assert issues() == []


def test_documented_example_is_valid():
    """The example at the top of docs/format.md passes the schema."""
    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    front = re.search(r"```markdown\n---\n(.*?)\n---\n", text, flags=re.DOTALL).group(1)
    meta = yaml.safe_load(front)
    meta["last_reviewed"] = meta["last_reviewed"].isoformat()
    assert check(meta) == []


# --- field-type: names the field, says what YAML read, tells to quote ------------------


@pytest.mark.parametrize(
    ("changes", "field", "read"),
    [
        ({"owner": False}, "`owner`", "the boolean `false`"),
        ({"version": 1.1}, "`version`", "the number `1.1`"),
        ({"title": 2026}, "`title`", "the number `2026`"),
        ({"approvers": ["alice", True]}, "`approvers[1]`", "the boolean `true`"),
    ],
)
def test_wrong_type_names_the_field_and_says_quote(changes, field, read):
    [(rule, _, message)] = issues(**changes)
    assert rule == "field-type"
    assert message.startswith(f"{field} must be a text, but YAML read {read}")
    assert "quote" in message


def test_wrong_type_that_quoting_would_not_fix():
    [(rule, path, message)] = issues(preconditions={"text": "x"})
    assert (rule, path) == ("field-type", ("preconditions",))
    assert "must be a list" in message and "quote" not in message


def test_escalation_of_neither_allowed_type():
    [(rule, path, message)] = issues(escalation=5)
    assert (rule, path) == ("field-type", ("escalation",))
    assert "a text or a list" in message


# --- field-value: enum typos get "did you mean" -----------------------------------------


@pytest.mark.parametrize(
    ("changes", "path", "suggestion"),
    [
        ({"status": "aproved"}, ("status",), "approved"),
        ({"risk": "hihg"}, ("risk",), "high"),
        ({"layer": "kubernets"}, ("layer",), "kubernetes"),
        ({"rollback": [{"text": "Revert", "command": "git revert HEAD", "shell": "bsh"}]}, ("rollback", 0, "shell"), "bash"),
    ],
)
def test_enum_typo_suggests(changes, path, suggestion):
    [(rule, got_path, message)] = issues(**changes)
    assert (rule, got_path) == ("field-value", path)
    assert f"did you mean `{suggestion}`?" in message


def test_enum_far_off_lists_the_choices():
    [(_, _, message)] = issues(risk="catastrophic")
    assert "use one of: low, medium, high, critical" in message


def test_parameter_name_must_be_lower_case():
    [(rule, path, message)] = issues(parameters={"Database": {"description": "x"}})
    assert (rule, path) == ("field-value", ("parameters",))
    assert "Database" in message


def test_field_names_in_messages():
    assert field_name(("rollback", 1, "command")) == "rollback[1].command"
    assert field_name(()) == "front matter"


# --- oneOf action items: errors of the branch the author meant, at the right line ------


def test_action_mapping_without_text(lint_findings):
    text = sop(
        "id: restart-api\n"
        "title: Restart the API\n"
        "owner: team-sre\n"
        "last_reviewed: 2026-10-01\n"
        "preconditions:\n"  # line 6
        "  - The page is acknowledged.\n"
        "  - command: ./bin/check-health\n"  # line 8: the item that lacks `text`
        "    timeout: 30s\n"
        "rollback:\n"
        "  - Start the previous release.\n"
    )
    [finding] = lint_findings(text)
    assert (finding.line, finding.column, finding.rule) == (8, 5, "field-missing")
    assert "`preconditions[1].text`" in finding.message


def test_rollback_mapping_without_text(lint_text):
    text = MINIMAL.replace(
        "  - Start the previous release again.\n", "  - Start the previous release again.\n  - {command: ./undo}\n"
    )
    assert lint_text(text) == [(10, 5, "field-missing")]


def test_unknown_key_inside_a_rollback_item_points_at_the_key(lint_findings):
    text = sop(
        "id: restart-api\n"
        "title: Restart the API\n"
        "owner: team-sre\n"
        "last_reviewed: 2026-10-01\n"
        "preconditions: [The page is acknowledged.]\n"
        "rollback:\n"  # line 7
        "  - Tell the team.\n"
        "  - text: Start the previous release\n"
        "    command: ./bin/deploy --previous\n"
        "    confrim: true\n"  # line 11
    )
    [finding] = lint_findings(text)
    assert (finding.line, finding.column, finding.rule) == (11, 5, "field-unknown")
    assert "`rollback[1].confrim`" in finding.message and "did you mean `confirm`?" in finding.message


def test_several_problems_in_one_action_are_all_reported(lint_text):
    text = FULL.replace("    timeout: 30s\n", "    timeout: soon\n    retry: 3\n")
    assert lint_text(text, files={"minimal.md": MINIMAL}) == [(29, 5, "field-value"), (30, 5, "field-unknown")]


def test_rollback_sop_mapping(lint_text):
    rollback = "rollback:\n  - Start the previous release again.\n"
    assert lint_text(MINIMAL.replace(rollback, "rollback: {}\n")) == [(8, 1, "field-missing")]
    # Not an id, and so not in the catalog either.
    assert lint_text(MINIMAL.replace(rollback, "rollback: {sop: Undo_It}\n")) == [
        (8, 12, "field-value"),
        (8, 12, "rollback-unknown"),
    ]
    undo = MINIMAL.replace("id: restart-api", "id: undo-it")
    assert lint_text(MINIMAL.replace(rollback, "rollback: {sop: undo-it, steps: 2}\n"), files={"undo.md": undo}) == [
        (8, 26, "field-unknown")
    ]


def test_string_item_that_is_empty():
    [(rule, path, _)] = issues(preconditions=[""])
    assert (rule, path) == ("field-value", ("preconditions", 0))
