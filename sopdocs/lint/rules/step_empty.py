"""A step has no text.

## What it does
Reports list items under `## Steps` that are empty, or that hold a command block but
no sentence saying what the step does.

## Why is this bad?
An empty item is usually a leftover from editing; a bare command leaves the responder
guessing what it does and what "done" looks like.

## Example
````markdown
## Steps
1. Drain the node.
2.
3. ```bash
   kubectl uncordon "$NODE"
   ```
````

## Use instead
````markdown
## Steps
1. Drain the node.
2. Return the node to service.
   ```bash
   kubectl uncordon "$NODE"
   ```
````
"""

ID = "step-empty"
CODE = "SOP402"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (the step's content is the author's)"
OTHER_FORMATS = False  # other handbook formats have no steps in the sopdocs sense


def check(doc, conf, ctx):
    for step in doc.steps:
        if step.title:
            continue
        if step.blocks:
            yield step.position, f"step {step.number} has a command but no text; start the step with a sentence saying what it does"
        else:
            yield step.position, f"step {step.number} is empty; write the step or delete the item"
