"""The SOP has no rollback, or an empty one.

## What it does
Checks that `rollback` is present and is either a non-empty list of steps or
`{sop: <id>}` naming the SOP that undoes this one.

## Why is this bad?
The rollback is missing until the night it is needed. A procedure that changes
production without a written way back turns a failed step into an improvised outage.

## Example
```yaml
rollback: []
```

## Use instead
```yaml
rollback:
  - text: Route all traffic back to the stable version
    command: kubectl argo rollouts abort checkout -n shop
```
or, when another SOP is the way back:
```yaml
rollback: {sop: canary-abort}
```
If a change really cannot be undone, say so as a rollback step ("Restore from the
backup taken in precondition 2") — that is still a plan.
"""

from sopdocs.core.schema import SchemaIssue
from sopdocs.lint.rules._common import schema_problems

ID = "rollback-missing"
CODE = "SOP201"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (the rollback is the author's to write)"
OTHER_FORMATS = False  # other handbook formats have no place for a rollback
SCHEMA_KEYWORDS = ("required", "minItems", "minLength")


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)


def translate(error, recurse):
    path = tuple(error.absolute_path)
    if error.validator == "required":
        if path or error.message.split("'")[1] != "rollback":
            return None
        return [SchemaIssue(ID, (), "no `rollback`: say how to undo this change, as a list of steps or `rollback: {sop: <id>}`")]
    if path != ("rollback",):
        return None
    return [SchemaIssue(ID, path, "`rollback` is empty: list at least one step that undoes the change")]
