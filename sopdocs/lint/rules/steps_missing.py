"""The SOP has no `## Steps` section, or the section has no numbered list.

## What it does
Checks for a level-2 heading `## Steps` (any case) followed by an ordered list; each
list item is one step.

## Why is this bad?
The steps are the procedure. Without a numbered list there is nothing to follow as a
checklist, nothing to export, and nothing a runner can execute in order.

## Example
```markdown
## Procedure
Restart the workers, then check the queue depth.
```

## Use instead
```markdown
## Steps
1. Restart the workers.
2. Check that the queue depth falls below 1,000 within 5 minutes.
```
"""

from sopdocs.core.model import Position

ID = "steps-missing"
CODE = "SOP401"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (the steps are the author's)"
OTHER_FORMATS = False  # other handbook formats have no steps in the sopdocs sense


def check(doc, conf, ctx):
    section = doc.section("steps")
    if section is None:
        # A file that ends with the closing `---` has no body line: point at its last line.
        last_line = max(1, doc.text.count("\n") + (0 if doc.text.endswith("\n") else 1))
        yield Position(min(doc.body_line, last_line), 1), "no `## Steps` section; add one with a numbered list, one item per step"
    elif not doc.steps:
        yield section.position, "`## Steps` has no numbered list; write each step as `1. ...`, `2. ...`"
