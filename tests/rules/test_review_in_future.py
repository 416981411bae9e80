"""SOP303 review-in-future: `last_reviewed` after today."""

from helpers import MINIMAL

RULE = "review-in-future"


def test_reviewed_today(lint_text):
    assert lint_text(MINIMAL, today="2026-10-01") == []


def test_reviewed_tomorrow(lint_findings):
    [finding] = lint_findings(MINIMAL, today="2026-09-30")
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "2026-10-01, after today (2026-09-30)" in finding.message


def test_year_typo_is_not_also_due_soon(lint_text):
    # A future review date is one finding, not also due-soon, however wide the window.
    text = MINIMAL.replace("2026-10-01", "2027-01-01")
    assert lint_text(text, today="2026-11-26", config={"due_soon_days": 3650}) == [(5, 1, RULE)]
