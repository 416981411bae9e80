"""SOP402 step-empty: a step with no text."""

from helpers import FRONT

RULE = "step-empty"


def test_steps_with_text(lint_text):
    body = "\n## Steps\n\n1. Drain the node.\n2. Return the node to service.\n"
    assert lint_text(FRONT + body) == []


def test_empty_item(lint_findings):
    # Body from line 11: blank, `## Steps` (12), blank, items on 14, 15, 16.
    body = "\n## Steps\n\n1. Drain the node.\n2.\n3. Return the node to service.\n"
    [finding] = lint_findings(FRONT + body)
    assert (finding.line, finding.column, finding.rule) == (15, 1, RULE)
    assert "step 2 is empty" in finding.message


def test_command_without_text(lint_findings):
    body = '\n## Steps\n\n1. Drain the node.\n2. ```bash\n   kubectl uncordon "$NODE"\n   ```\n'
    [finding] = lint_findings(FRONT + body)
    assert (finding.line, finding.column, finding.rule) == (15, 1, RULE)
    assert "step 2 has a command but no text" in finding.message


def test_indented_list_reports_the_marker_column(lint_text):
    body = "\n## Steps\n\n  1. Drain the node.\n  2.\n"
    assert lint_text(FRONT + body) == [(15, 3, RULE)]
