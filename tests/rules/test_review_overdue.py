"""SOP301 review-overdue: the next review (`last_reviewed` + `review_in`) is before today."""

from helpers import MINIMAL

RULE = "review-overdue"


def reviewed(date: str, review_in: str | None = None) -> str:
    text = MINIMAL.replace("last_reviewed: 2026-10-01", f"last_reviewed: {date}")
    if review_in:
        text = text.replace("owner: team-sre\n", f"owner: team-sre\nreview_in: {review_in}\n")
    return text


def test_due_today_is_not_overdue(lint_text):
    # 2026-05-26 + 6 months = 2026-11-26, today: due, not overdue.
    assert RULE not in {rule for _, _, rule in lint_text(reviewed("2026-05-26"), today="2026-11-26")}


def test_one_day_overdue(lint_findings):
    [finding] = lint_findings(reviewed("2026-05-25"), today="2026-11-26")
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert "due 2026-11-25 (1 day ago)" in finding.message


def test_review_in_from_the_sop(lint_text):
    # 90 days after 2026-08-01 is 2026-10-30: overdue on 2026-11-26, not on 2026-10-30.
    text = reviewed("2026-08-01", review_in="90 days")
    # review_in is line 5, so last_reviewed moves to line 6.
    assert lint_text(text, today="2026-11-26") == [(6, 1, RULE)]
    assert lint_text(text, today="2026-10-30") == [(6, 1, "review-due-soon")]


def test_review_in_default_from_the_config(lint_text):
    text = reviewed("2026-10-01")
    assert lint_text(text, today="2026-11-26") == []
    assert lint_text(text, today="2026-11-26", config={"review_in": "30 days"}) == [(5, 1, RULE)]


def test_calendar_months_clamp_to_the_month_end(lint_text):
    # 2026-01-31 + 1 month = 2026-02-28.
    text = reviewed("2026-01-31", review_in="1 month")
    assert lint_text(text, today="2026-02-28", config={"due_soon_days": 0}) == [(6, 1, "review-due-soon")]
    assert lint_text(text, today="2026-03-01") == [(6, 1, RULE)]


def test_impossible_date_is_a_field_value_not_a_review_finding(lint_text):
    assert lint_text(reviewed("2020-02-30")) == [(5, 1, "field-value")]
