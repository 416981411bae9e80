"""SOP101 field-missing: a required key is missing."""

from helpers import FULL, MINIMAL, sop

RULE = "field-missing"


def test_all_required_keys_present(lint_text):
    assert lint_text(MINIMAL) == []


def test_missing_owner_points_at_the_opening_line(lint_text):
    assert lint_text(MINIMAL.replace("owner: team-sre\n", "")) == [(1, 1, RULE)]


def test_each_missing_key_is_one_finding(lint_findings):
    text = MINIMAL.replace("owner: team-sre\n", "").replace("title: Restart the API\n", "")
    findings = lint_findings(text)
    assert [(f.line, f.column, f.rule) for f in findings] == [(1, 1, RULE), (1, 1, RULE)]
    messages = " ".join(f.message for f in findings)
    assert "`owner`" in messages and "`title`" in messages


def test_front_matter_opening_line_follows_the_file(lint_text):
    # Missing keys are reported at the opening `---`, which is always line 1.
    assert lint_text(MINIMAL.replace("id: restart-api\n", "")) == [(1, 1, RULE)]


def test_empty_front_matter_misses_everything(lint_text):
    text = sop("", body="\n## Steps\n\n1. Do it.\n")
    # id, title, owner, preconditions, last_reviewed; a missing rollback is rollback-missing.
    assert lint_text(text) == [(1, 1, RULE)] * 5 + [(1, 1, "rollback-missing")]


def test_action_mapping_without_text_points_at_the_item(lint_findings):
    text = FULL.replace("  - text: A base backup younger than 24 h exists\n    command:", "  - command:")
    findings = lint_findings(text, files={"minimal.md": MINIMAL})
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [("sop.md", 27, 5, RULE)]
    assert "preconditions[1].text" in findings[0].message
