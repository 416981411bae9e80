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

import re

from sopdocs.core.schema import SchemaIssue, field_name
from sopdocs.lint.rules._common import schema_problems

ID = "field-missing"
CODE = "SOP101"
SEVERITY = "error"
SCOPE = "document"
FIX = "automatic — a missing `id` is added as the first key, from the file name (`rotate-certs.md` → `rotate-certs`; with parent directories when another SOP has that id or name, as `sopdocs migrate` does; not when the id is taken). Other missing keys: none (their values are the author's)"
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


_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def fix(doc, source, ctx):
    """Add the `id` a file lacks, from its file name (unique in the catalog, when the
    catalog is known), as the front matter's first key."""
    from sopdocs.core.profiles import MAX_ID, id_from_path
    from sopdocs.lint.fix import Edit

    if "id" in doc.meta or not any(i.rule == ID and i.path == () and "`id`" in i.message for i in doc.schema_issues or ()):
        return
    new = ctx.new_id or id_from_path(doc.path)
    if not _ID.match(new) or len(new) > MAX_ID or (ctx.catalog_ids is not None and new in ctx.catalog_ids):
        return
    if source.root is not None:
        if source.root.flow_style:
            return
        line, col = source.position(source.root.start_mark)
        if source.lines[line - 1][: col - 1].strip():
            return
        at = Edit(line, 1, line, 1, " " * (col - 1) + f"id: {new}" + source.newline)
    elif source.empty:
        at = Edit(2, 1, 2, 1, f"id: {new}" + source.newline)
    else:
        return
    yield f"Add `id: {new}` (from the file name)", [at]
