"""SOP302 review-due-soon: the next review falls within the window (default 30 days)."""

from helpers import MINIMAL

RULE = "review-due-soon"
# 2026-06-01 + 6 months = 2026-12-01: 5 days after 2026-11-26.
DUE_IN_5_DAYS = MINIMAL.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-06-01")
# 2026-06-05 + 6 months = 2026-12-05: 9 days after 2026-11-26.
DUE_IN_9_DAYS = MINIMAL.replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-06-05")


def test_far_from_due(lint_text):
    assert lint_text(MINIMAL, today="2026-11-26") == []


def test_due_in_five_days(lint_findings):
    [finding] = lint_findings(DUE_IN_5_DAYS, today="2026-11-26")
    assert (finding.line, finding.column, finding.rule) == (5, 1, RULE)
    assert finding.severity == "warning"
    assert "in 5 days (2026-12-01)" in finding.message


def test_due_today(lint_findings):
    [finding] = lint_findings(DUE_IN_5_DAYS, today="2026-12-01")
    assert finding.rule == RULE and "due today" in finding.message


def test_window_edges_with_the_default_of_30_days(lint_text):
    # 2026-12-01 is 30 days after 2026-11-01 and 31 days after 2026-10-31.
    assert lint_text(DUE_IN_5_DAYS, today="2026-11-01") == [(5, 1, RULE)]
    assert lint_text(DUE_IN_5_DAYS, today="2026-10-31") == []


def test_window_from_config_due_soon_days(lint_text):
    assert lint_text(DUE_IN_9_DAYS, config={"due_soon_days": 9}) == [(5, 1, RULE)]
    assert lint_text(DUE_IN_9_DAYS, config={"due_soon_days": 8}) == []


def test_window_from_the_rule_option(lint_text):
    assert lint_text(DUE_IN_9_DAYS, config={"rules": {RULE: {"days": 10}}}) == [(5, 1, RULE)]
    # The rule's option wins over the global setting.
    assert lint_text(DUE_IN_9_DAYS, config={"due_soon_days": 60, "rules": {RULE: {"days": 3}}}) == []


def test_severity_override(lint_findings):
    [finding] = lint_findings(DUE_IN_5_DAYS, config={"rules": {RULE: "error"}})
    assert (finding.rule, finding.severity) == (RULE, "error")
    [finding] = lint_findings(DUE_IN_5_DAYS, config={"rules": {"SOP302": {"severity": "error", "days": 10}}})
    assert (finding.rule, finding.severity) == (RULE, "error")


def test_rule_turned_off(lint_text):
    assert lint_text(DUE_IN_5_DAYS, config={"rules": {RULE: "off"}}) == []
    assert lint_text(DUE_IN_5_DAYS, config={"rules": {"sop302": {"severity": "off"}}}) == []


def test_overdue_is_not_also_due_soon(lint_text):
    assert lint_text(DUE_IN_5_DAYS, today="2026-12-02") == [(5, 1, "review-overdue")]
