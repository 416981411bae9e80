"""A front-matter value has the right type but an invalid value.

## What it does
Checks enumerations (`status`, `risk`, `layer`), forms (`id` in kebab-case,
`review_in` such as `6 months`, durations such as `5m`), real calendar dates, empty
values and repeated list entries.

## Why is this bad?
A typo such as `status: aproved` or an impossible date such as `2026-02-30` makes the
catalog's filters and staleness badges wrong without anyone noticing.

## Example
```yaml
id: Rotate_DB_Password
status: aproved
last_reviewed: 2026-02-30
review_in: half a year
```

## Use instead
```yaml
id: rotate-db-password
status: approved
last_reviewed: 2026-02-28
review_in: 6 months
```
"""

from sopdocs.lint.rules._common import schema_problems

ID = "field-value"
CODE = "SOP103"
SEVERITY = "error"
SCOPE = "document"
DEFAULT: dict = {}


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)
