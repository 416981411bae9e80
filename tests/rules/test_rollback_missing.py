"""SOP201 rollback-missing: no rollback, or an empty one."""

from helpers import MINIMAL

RULE = "rollback-missing"
ROLLBACK = "rollback:\n  - Start the previous release again.\n"


def test_rollback_list(lint_text):
    assert lint_text(MINIMAL) == []


def test_rollback_sop_reference(lint_text):
    text = MINIMAL.replace(ROLLBACK, "rollback: {sop: restart-api-undo}\n")
    undo = MINIMAL.replace("id: restart-api", "id: restart-api-undo")
    assert lint_text(text, files={"undo.md": undo}) == []


def test_no_rollback_points_at_the_opening_line(lint_findings):
    [finding] = lint_findings(MINIMAL.replace(ROLLBACK, ""))
    assert (finding.line, finding.column, finding.rule) == (1, 1, RULE)
    assert "no `rollback`" in finding.message


def test_empty_rollback_list_points_at_the_key(lint_text):
    assert lint_text(MINIMAL.replace(ROLLBACK, "rollback: []\n")) == [(8, 1, RULE)]


def test_rollback_without_value_is_a_type_error(lint_text):
    # `rollback:` with nothing after it is null: the type is wrong, not the list empty.
    assert lint_text(MINIMAL.replace(ROLLBACK, "rollback:\n")) == [(8, 1, "field-type")]
