"""SOP401 steps-missing: no `## Steps` section, or no numbered list in it."""

from helpers import FRONT, MINIMAL

RULE = "steps-missing"


def test_steps_heading_in_any_case(lint_text):
    assert lint_text(MINIMAL.replace("## Steps", "## STEPS")) == []


def test_no_steps_section_points_at_the_body(lint_text):
    body = "\n# Restart the API\n\n## Procedure\n\nRestart the workers, then check the queue.\n"
    # The body starts on line 11, right after the closing `---` on line 10.
    assert lint_text(FRONT + body) == [(11, 1, RULE)]


def test_steps_without_a_numbered_list_points_at_the_heading(lint_text):
    body = "\n# Restart the API\n\n## Steps\n\n- Restart the workers.\n- Check the queue.\n"
    assert lint_text(FRONT + body) == [(14, 1, RULE)]


def test_level_three_heading_is_not_the_section(lint_text):
    body = "\n# Restart the API\n\n### Steps\n\n1. Restart the workers.\n"
    assert lint_text(FRONT + body) == [(11, 1, RULE)]


def test_file_ending_with_the_front_matter_points_at_its_last_line(lint_text):
    # FRONT is 10 lines ending in a newline: there is no line 11 to point at.
    assert lint_text(FRONT) == [(10, 1, RULE)]
    assert lint_text(FRONT.removesuffix("\n")) == [(10, 1, RULE)]
    assert lint_text(FRONT + "\n") == [(11, 1, RULE)]
