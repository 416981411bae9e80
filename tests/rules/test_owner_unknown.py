"""SOP105 owner-unknown: with `owners` configured, owners must be listed."""

from helpers import FULL, MINIMAL

RULE = "owner-unknown"
OWNERS = {"owners": ["team-sre", "team-data-platform"]}


def test_any_owner_without_an_owners_list(lint_text):
    assert lint_text(MINIMAL.replace("team-sre", "team-nobody-knows")) == []


def test_listed_owner(lint_text):
    assert lint_text(MINIMAL, config=OWNERS) == []
    assert lint_text(FULL, files={"minimal.md": MINIMAL}, config=OWNERS) == []


def test_unlisted_owner(lint_findings):
    [finding] = lint_findings(MINIMAL.replace("owner: team-sre", "owner: team-sree"), config=OWNERS)
    assert (finding.line, finding.column, finding.rule) == (4, 1, RULE)
    assert "did you mean `team-sre`?" in finding.message


def test_unlisted_backup_owner(lint_text):
    text = FULL.replace("backup_owner: team-sre", "backup_owner: team-payments")
    assert lint_text(text, files={"minimal.md": MINIMAL}, config=OWNERS) == [(6, 1, RULE)]


def test_empty_owners_list_checks_nothing(lint_text):
    assert lint_text(MINIMAL.replace("team-sre", "team-x"), config={"owners": []}) == []
