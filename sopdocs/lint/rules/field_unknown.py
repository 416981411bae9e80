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

from sopdocs.lint.rules._common import schema_problems

ID = "field-unknown"
CODE = "SOP104"
SEVERITY = "error"
SCOPE = "document"
DEFAULT: dict = {}


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)
