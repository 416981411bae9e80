"""SOP002 front-matter-missing: no front matter, an unclosed one, or an empty file."""

from helpers import BODY, FRONT, MINIMAL

RULE = "front-matter-missing"


def test_front_matter_present(lint_text):
    assert lint_text(MINIMAL) == []


def test_no_front_matter(lint_text):
    assert lint_text(BODY.lstrip("\n")) == [(1, 1, RULE)]


def test_front_matter_not_on_the_first_line(lint_text):
    # A blank line before `---` makes the YAML part of the body.
    assert lint_text("\n" + MINIMAL) == [(1, 1, RULE)]


def test_unclosed_front_matter(lint_text):
    text = FRONT.removesuffix("---\n") + "\n# Restart the API\n"
    assert lint_text(text) == [(1, 1, RULE)]


def test_empty_file(lint_text):
    assert lint_text("") == [(1, 1, RULE)]


def test_whitespace_only_file(lint_text):
    assert lint_text(" \n\n\t\n   ") == [(1, 1, RULE)]


def test_messages_say_what_is_missing(lint_findings):
    [finding] = lint_findings(FRONT.removesuffix("---\n"))
    assert "not closed" in finding.message
