"""A required front-matter key is missing.

## What it does
Checks that `id`, `title`, `owner`, `preconditions` and `last_reviewed` are present
(a missing `rollback` is reported by `rollback-missing`), and that mappings inside the
front matter have their required keys (a precondition mapping needs `text`).

## Why is this bad?
These keys are what makes an SOP trustworthy at 3 a.m.: who owns it, what must hold
before starting, and when it was last checked.

## Example
```yaml
id: rotate-db-password
title: Rotate the database password
preconditions: [A maintenance window is open.]
rollback: {sop: restore-db-password}
last_reviewed: 2026-10-01
```

## Use instead
```yaml
id: rotate-db-password
title: Rotate the database password
owner: team-data-platform
preconditions: [A maintenance window is open.]
rollback: {sop: restore-db-password}
last_reviewed: 2026-10-01
```
The finding points at the front matter's opening line (or the mapping that lacks the key).
"""

from sopdocs.core.schema import SchemaIssue, field_name
from sopdocs.lint.rules._common import schema_problems

ID = "field-missing"
CODE = "SOP101"
SEVERITY = "error"
SCOPE = "document"
SCHEMA_KEYWORDS = ("required",)


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)


def translate(error, recurse):
    path = tuple(error.absolute_path)
    missing = error.message.split("'")[1]
    if missing == "rollback" and not path:
        return None  # rollback-missing says it
    described = error.schema.get("properties", {}).get(missing, {}).get("description", "")
    text = f"missing required key `{field_name(path + (missing,))}`"
    return [SchemaIssue(ID, path, f"{text}: {described}" if described else text)]
