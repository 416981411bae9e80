"""A code block's info string carries an unknown or invalid attribute.

## What it does
Checks the attributes after the language of fenced blocks in steps: `timeout=` must be
a duration (`30s`, `5m`, `1h30m`), `retries=` a whole number and only together with
`idempotent`, `id=` kebab-case and unique in the SOP; `confirm`, `idempotent` and
`verify` take no value. Unknown attributes get a "did you mean" hint.

## Why is this bad?
A misspelled `confrim` silently drops the human confirmation the author asked for, and
a runner would run the command unattended.

## Example
````markdown
1. Fail over the database.
   ```bash confrim timeout=10 minutes
   ./bin/failover "$CLUSTER"
   ```
````

## Use instead
````markdown
1. Fail over the database.
   ```bash confirm timeout=10m
   ./bin/failover "$CLUSTER"
   ```
````
"""

import difflib
import re

ID = "step-attribute-invalid"
CODE = "SOP404"
SEVERITY = "error"
SCOPE = "document"
FIX = 'none (what the attribute was meant to be is not certain)'
OTHER_FORMATS = False  # other handbook formats have no steps in the sopdocs sense

DURATION = re.compile(r"^(?=\d)([1-9][0-9]*h)?([1-9][0-9]*m)?([1-9][0-9]*s)?$")
STEP_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FLAGS = ("confirm", "idempotent", "verify")
VALUED = ("timeout", "retries", "workdir", "id")


def check(doc, conf, ctx):
    ids: dict[str, int] = {}
    for step in doc.steps:
        for block in step.blocks:
            if not block.is_shell:
                continue
            yield from _check_block(step, block)
            step_id = block.attributes.get("id")
            if step_id and not block.is_verify:
                if step_id in ids:
                    yield block.position, f"step {step.number}: id `{step_id}` is already used by step {ids[step_id]}; ids must be unique"
                ids.setdefault(step_id, step.number)


def _check_block(step, block):
    where = f"step {step.number}"
    for name, value in block.attributes.items():
        if name in FLAGS:
            if value:
                yield block.position, f"{where}: `{name}` takes no value; write just `{name}`"
        elif name in VALUED:
            if not value:
                yield block.position, f"{where}: `{name}` needs a value, e.g. `{name}={_example(name)}`"
            elif name == "timeout" and not DURATION.match(value):
                yield block.position, f"{where}: `timeout={value}` is not a duration; write e.g. `timeout=30s`, `timeout=5m` or `timeout=1h30m`"
            elif name == "retries" and not value.isdigit():
                yield block.position, f"{where}: `retries={value}` is not a whole number"
            elif name == "retries" and "idempotent" not in block.attributes:
                yield block.position, f"{where}: `retries` needs `idempotent`: only a step that is safe to run twice may be retried"
            elif name == "id" and not STEP_ID.match(value):
                yield block.position, f"{where}: `id={value}` is not kebab-case; use lower-case letters, digits and hyphens"
        else:
            close = difflib.get_close_matches(name, FLAGS + VALUED, n=1, cutoff=0.6)
            advice = f"did you mean `{close[0]}`?" if close else f"known attributes: {', '.join(FLAGS + VALUED)}"
            yield block.position, f"{where}: unknown attribute `{name}`; {advice}"


def _example(name):
    return {"timeout": "5m", "retries": "2", "workdir": "deploy", "id": "apply-migration"}[name]
