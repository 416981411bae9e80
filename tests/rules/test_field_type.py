"""SOP102 field-type: a value of the wrong type, with what YAML made of it."""

from helpers import FULL, MINIMAL

RULE = "field-type"


def test_quoted_values_have_the_right_type(lint_text):
    text = MINIMAL.replace("owner: team-sre\n", 'owner: "no"\nversion: "1.10"\n')
    assert lint_text(text) == []


def test_owner_no_is_a_boolean(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("owner: team-sre", "owner: no"))
    assert (finding.line, finding.column, finding.rule) == (4, 1, RULE)
    assert "`owner`" in finding.message and "boolean `false`" in finding.message
    assert "quote" in finding.message


def test_unquoted_version_is_a_number(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("owner: team-sre\n", "owner: team-sre\nversion: 1.10\n"))
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "number `1.1`" in finding.message


def test_preconditions_as_a_string(lint_text):
    text = MINIMAL.replace(
        "preconditions:\n  - The on-call engineer has acknowledged the page.\n", "preconditions: Page the team.\n"
    )
    assert lint_text(text) == [(6, 1, RULE)]


def test_empty_value(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("title: Restart the API", "title:"))
    assert (finding.line, finding.column, finding.rule) == (3, 1, RULE)
    assert "empty value" in finding.message


def test_wrong_type_inside_an_action_points_at_its_key(lint_text):
    text = FULL.replace("    confirm: true\n", "    confirm: please\n")
    assert lint_text(text, files={"minimal.md": MINIMAL}) == [(35, 5, RULE)]


def test_rollback_that_is_a_string(lint_text):
    text = MINIMAL.replace("rollback:\n  - Start the previous release again.\n", "rollback: Start the previous release.\n")
    assert lint_text(text) == [(8, 1, RULE)]
