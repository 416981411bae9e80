"""SOP602 placeholder-left: `TODO(sopdocs)` from the template is still in the file."""

from helpers import FRONT, MINIMAL

RULE = "placeholder-left"


def test_ordinary_todo_is_fine(lint_text):
    assert lint_text(MINIMAL + "\nTODO: tidy up the wording.\n") == []


def test_placeholders_in_front_matter_and_body(lint_findings):
    text = (
        MINIMAL.replace("  - Start the previous release again.", '  - "TODO(sopdocs): how to undo the change"')
        + "\n## Escalation\n\nTODO(sopdocs): who to call.\n"
    )
    findings = lint_findings(text)
    assert [(f.line, f.column, f.rule) for f in findings] == [(9, 6, RULE), (24, 1, RULE)]
    assert findings[0].message == "placeholder left from the template: how to undo the change"
    assert findings[1].message == "placeholder left from the template: who to call."


def test_bare_placeholder(lint_findings):
    [finding] = lint_findings(FRONT + "\n## Steps\n\n1. Do it. TODO(sopdocs)\n")
    assert (finding.line, finding.column, finding.rule) == (14, 11, RULE)
    assert finding.message.endswith("fill this in")
