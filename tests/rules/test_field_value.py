"""SOP103 field-value: the right type but an invalid value."""

from helpers import FULL, MINIMAL

RULE = "field-value"


def test_valid_values(lint_text):
    assert lint_text(FULL, files={"minimal.md": MINIMAL}) == []


def test_impossible_date(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-02-30"))
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "2026-02-30" in finding.message and "calendar date" in finding.message


def test_leap_day_is_a_real_date(lint_text):
    assert lint_text(MINIMAL.replace("2026-10-01", "2024-02-29"), config={"review_in": "5 years"}) == []


def test_date_in_another_form(lint_text):
    assert lint_text(MINIMAL.replace("2026-10-01", "1 Oct 2026")) == [(5, 1, RULE)]


def test_enum_typo_gets_a_suggestion(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("owner: team-sre\n", "owner: team-sre\nstatus: aproved\n"))
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "did you mean `approved`?" in finding.message


def test_id_not_kebab_case(lint_text):
    assert lint_text(MINIMAL.replace("id: restart-api", "id: Restart_API")) == [(2, 1, RULE)]


def test_review_in_not_a_period(lint_text):
    text = MINIMAL.replace("owner: team-sre\n", "owner: team-sre\nreview_in: half a year\n")
    assert lint_text(text) == [(5, 1, RULE)]


def test_repeated_tag_points_at_the_key(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("owner: team-sre\n", "owner: team-sre\ntags: [api, k8s, api]\n"))
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "`api`" in finding.message


def test_bad_tag_points_at_the_item(lint_text):
    text = MINIMAL.replace("owner: team-sre\n", "owner: team-sre\ntags: [api, two words]\n")
    assert lint_text(text) == [(5, 13, RULE)]


def test_bad_timeout_in_an_action(lint_text):
    text = FULL.replace("    timeout: 30s\n", "    timeout: 30 seconds\n")
    assert lint_text(text, files={"minimal.md": MINIMAL}) == [(29, 5, RULE)]


def test_empty_preconditions(lint_text):
    text = MINIMAL.replace("preconditions:\n  - The on-call engineer has acknowledged the page.\n", "preconditions: []\n")
    assert lint_text(text) == [(6, 1, RULE)]
