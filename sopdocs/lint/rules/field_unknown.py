"""A front-matter key that the SOP format does not define.

## What it does
Reports keys the schema does not know, and suggests the closest known key.

## Why is this bad?
A misspelled key is silently ignored by every tool: `rolback:` means the SOP has no
rollback as far as the linter, the site and the runner are concerned, while the author
believes it has one.

## Example
```yaml
rolback:
  - Revert the deploy.
```

## Use instead
```yaml
rollback:
  - Revert the deploy.
```
See `docs/format.md` or `sopdocs schema` for every key.
"""

import difflib

from sopdocs.core.schema import SchemaIssue, field_name
from sopdocs.lint.rules._common import schema_problems

ID = "field-unknown"
CODE = "SOP104"
SEVERITY = "error"
SCOPE = "document"
OTHER_FORMATS = False  # other handbook formats have keys of their own
SCHEMA_KEYWORDS = ("additionalProperties",)


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)


def translate(error, recurse):
    path = tuple(error.absolute_path)
    allowed = sorted(error.schema.get("properties", {}))
    issues = []
    for key in sorted(set(error.instance) - set(allowed), key=list(error.instance).index):
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        advice = f"did you mean `{close[0]}`?" if close else f"allowed keys: {', '.join(allowed)}"
        issues.append(SchemaIssue(ID, path + (key,), f"unknown key `{field_name(path + (key,))}`; {advice}"))
    return issues
