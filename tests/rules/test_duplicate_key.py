"""SOP004 duplicate-key: a key written twice, reported at the second occurrence."""

from helpers import MINIMAL, sop

RULE = "duplicate-key"


def test_same_key_in_different_mappings_is_fine(lint_text):
    text = sop(
        "id: restart-api\n"
        "title: Restart the API\n"
        "owner: team-sre\n"
        "last_reviewed: 2026-10-01\n"
        "preconditions:\n"
        "  - text: The deploy pipeline is paused\n"
        "    command: ./bin/pipeline-paused\n"
        "rollback:\n"
        "  - text: Resume the pipeline\n"
        "    command: ./bin/pipeline-resume\n"
    )
    assert lint_text(text) == []


def test_second_occurrence_is_reported(lint_text):
    text = MINIMAL.replace("owner: team-sre\n", "owner: team-sre\nlast_reviewed: 2026-10-02\n")
    # `last_reviewed` is on line 5 (new) and again on line 6 (the original).
    assert lint_text(text) == [(6, 1, RULE)]


def test_message_names_the_first_line_and_the_first_value_wins(lint_findings):
    text = MINIMAL.replace("owner: team-sre\n", "owner: team-sre\nowner: no\n")
    findings = lint_findings(text)
    # `owner: no` would be a field-type error if it were the value in force.
    assert [(f.line, f.column, f.rule) for f in findings] == [(5, 1, RULE)]
    assert "first on line 4" in findings[0].message


def test_duplicate_inside_a_rollback_item(lint_text):
    text = sop(
        "id: restart-api\n"
        "title: Restart the API\n"
        "owner: team-sre\n"
        "last_reviewed: 2026-10-01\n"
        "preconditions: [The page is acknowledged.]\n"
        "rollback:\n"
        "  - text: Resume the pipeline\n"
        "    command: ./bin/pipeline-resume\n"
        "    command: ./bin/pipeline-resume --force\n"
    )
    assert lint_text(text) == [(10, 5, RULE)]


def test_duplicate_in_a_flow_mapping(lint_text):
    text = MINIMAL.replace("rollback:\n  - Start the previous release again.\n", "rollback: {sop: a, sop: b}\n")
    assert lint_text(text, files={"a.md": MINIMAL.replace("restart-api", "a")}) == [(8, 20, RULE)]
