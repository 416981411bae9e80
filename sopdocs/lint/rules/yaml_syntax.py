"""The front matter is not valid YAML, or is not a mapping of keys.

## What it does
Reports YAML syntax errors (tabs used for indentation, unbalanced quotes, bad
indentation), unsupported tags, front matter that is a list or a single value, and
anchors/aliases that expand to an unreasonable number of values ("alias bombs").

## Why is this bad?
An SOP whose front matter cannot be read has no owner, no rollback and no review date
as far as every tool is concerned.

## Example
```yaml
title: "Rotate the database password
owner: team-data
```

## Use instead
```yaml
title: "Rotate the database password"
owner: team-data
```
Indent with spaces, close every quote, and quote values that contain `: ` or start
with `#`, `*`, `&`, `!`, `@` or a backquote.
"""

from sopdocs.lint.rules._common import parse_problems

ID = "yaml-syntax"
CODE = "SOP003"
SEVERITY = "error"
SCOPE = "document"
PARSE = True
DEFAULT: dict = {}


def check(doc, conf, ctx):
    yield from parse_problems(doc, ID)
