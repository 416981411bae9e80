"""SOP003 yaml-syntax: YAML that cannot be read, or front matter that is not a mapping."""

from helpers import BODY, MINIMAL, sop

RULE = "yaml-syntax"


def test_anchors_and_aliases_are_allowed(lint_text):
    text = MINIMAL.replace("owner: team-sre\n", "owner: &team team-sre\nbackup_owner: *team\n")
    assert lint_text(text) == []


def test_mapping_value_where_none_is_allowed(lint_text):
    text = sop(
        "id: restart-api\n"
        "title: Restart: the API\n"  # a second ": " on a line, column 15
        "owner: team-sre\n"
    )
    assert lint_text(text) == [(3, 15, RULE)]


def test_unclosed_quote_is_reported_where_the_stream_ends(lint_text):
    text = sop('id: restart-api\ntitle: "Restart the API\nowner: team-sre\n')
    # The quoted scalar runs to the end of the front matter: line 5 is the closing `---`.
    assert lint_text(text) == [(5, 1, RULE)]


def test_tab_indentation(lint_findings):
    text = sop("id: restart-api\npreconditions:\n\t- Page the on-call engineer.\n")
    [finding] = lint_findings(text)
    assert (finding.line, finding.column, finding.rule) == (4, 1, RULE)
    assert "tab" in finding.message


def test_front_matter_that_is_a_list(lint_text):
    assert lint_text(sop("- id: restart-api\n- title: Restart the API\n")) == [(2, 1, RULE)]


def test_front_matter_that_is_a_single_value(lint_text):
    assert lint_text(sop("just some words\n")) == [(2, 1, RULE)]


def test_custom_tag(lint_text):
    text = MINIMAL.replace("owner: team-sre", "owner: !team team-sre")
    assert lint_text(text) == [(4, 8, RULE)]


def test_recursive_alias(lint_text):
    assert lint_text(sop("id: restart-api\nrelated: &loop [*loop]\n")) == [(3, 10, RULE)]


def test_complex_key(lint_text):
    assert lint_text(sop("? [a, b]\n: value\n")) == [(2, 3, RULE)]


def test_body_is_not_checked_when_front_matter_is_unreadable(lint_text):
    # No steps-missing for a body without steps: nothing else is reported.
    assert lint_text(sop("id: [unclosed\n", body="\nNo steps here.\n")) == [(3, 1, RULE)]
    assert lint_text(sop("- a\n", body=BODY)) == [(2, 1, RULE)]
