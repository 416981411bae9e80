"""A front-matter value has the wrong type.

## What it does
Checks every value against the type the schema expects, and explains what YAML made
of the value.

## Why is this bad?
YAML 1.1, which most tools use, reads `no`, `yes`, `on` and `off` as booleans and
`1.10` as the number `1.1`. `owner: no` (a team called "no") becomes `false`, and a
version `1.10` becomes `1.1`: the data silently differs from what was written.

## Example
```yaml
owner: no
version: 1.10
preconditions: Check the dashboard
```

## Use instead
```yaml
owner: "no"
version: "1.10"
preconditions:
  - Check the dashboard
```
"""

from sopdocs.lint.rules._common import schema_problems

ID = "field-type"
CODE = "SOP102"
SEVERITY = "error"
SCOPE = "document"
DEFAULT: dict = {}


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)
