"""A step holds more than one command block.

## What it does
Reports a step with two or more shell code blocks that are not marked `verify`.

## Why is this bad?
A step is the unit a responder ticks off and a runner executes, times out and rolls
back. Two commands in one step hide a point where the first succeeded and the second
failed.

## Example
````markdown
1. Scale up and check.
   ```bash
   kubectl scale deploy/api --replicas=10
   ```
   ```bash
   kubectl rollout status deploy/api
   ```
````

## Use instead
Split the step, or mark the second block as the step's verification probe:
````markdown
1. Scale up.
   ```bash
   kubectl scale deploy/api --replicas=10
   ```
   ```bash verify
   kubectl rollout status deploy/api --timeout=5m
   ```
````
Blocks in other languages (`yaml`, `sql`, `json`, ...) are shown as text, not run.
"""

ID = "step-multiple-commands"
CODE = "SOP403"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (how to split the step is the author's)"
OTHER_FORMATS = False  # other handbook formats have no steps in the sopdocs sense


def check(doc, conf, ctx):
    for step in doc.steps:
        for extra in step.commands[1:]:
            yield extra.position, (
                f"step {step.number} has {len(step.commands)} command blocks; split it into steps, "
                "or mark a check with `verify` (```bash verify)"
            )
