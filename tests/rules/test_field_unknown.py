"""SOP104 field-unknown: keys the format does not define, with a suggestion."""

from helpers import FULL, MINIMAL

RULE = "field-unknown"


def test_known_keys(lint_text):
    assert lint_text(FULL, files={"minimal.md": MINIMAL}) == []


def test_rolback_typo(lint_findings):
    findings = lint_findings(MINIMAL.replace("rollback:", "rolback:"))
    assert [(f.line, f.column, f.rule) for f in findings] == [(1, 1, "rollback-missing"), (8, 1, RULE)]
    assert "did you mean `rollback`" in findings[1].message


def test_unrelated_key_lists_the_allowed_keys(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("owner: team-sre\n", "owner: team-sre\ncolour: blue\n"))
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "allowed keys:" in finding.message and "last_reviewed" in finding.message


def test_unknown_key_in_a_rollback_item_points_at_that_key(lint_findings):
    text = FULL.replace("    shell: bash\n", "    shell: bash\n    comand: echo\n")
    findings = lint_findings(text, files={"minimal.md": MINIMAL})
    assert [(f.path, f.line, f.column, f.rule) for f in findings] == [("sop.md", 35, 5, RULE)]
    assert "rollback[0].comand" in findings[0].message and "did you mean `command`" in findings[0].message


def test_unknown_key_in_a_parameter(lint_text):
    text = FULL.replace("    resource: true\n", "    resource: true\n    secrett: false\n")
    assert lint_text(text, files={"minimal.md": MINIMAL}) == [(22, 5, RULE)]


def test_two_unknown_keys_in_file_order(lint_text):
    text = MINIMAL.replace("owner: team-sre\n", "ownr: team-sre\n").replace("title:", "titel:")
    assert lint_text(text) == [(1, 1, "field-missing"), (1, 1, "field-missing"), (3, 1, RULE), (4, 1, RULE)]
