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

import difflib
import re

from sopdocs.core.schema import HINTS, SchemaIssue, field_name, last_key
from sopdocs.lint.rules._common import schema_problems

ID = "field-value"
CODE = "SOP103"
SEVERITY = "error"
SCOPE = "document"
# Every keyword that no other schema rule takes.
SCHEMA_KEYWORDS = ("*",)


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)


def translate(error, recurse):
    path = tuple(error.absolute_path)
    name = field_name(path)
    keyword, value = error.validator, error.instance
    hint = HINTS.get(last_key(path), "")
    if keyword == "propertyNames":
        message = f"`{name}`: {error.message}; names are lower-case letters, digits and `_`, starting with a letter"
    elif keyword == "minItems":
        count = error.validator_value
        message = f"`{name}` is empty: list at least {count} entr{'y' if count == 1 else 'ies'}"
    elif keyword == "minLength":
        message = f"`{name}` is empty: write a value or remove the key"
    elif keyword == "maxLength":
        message = f"`{name}` is longer than {error.validator_value} characters; shorten it"
    elif keyword == "enum":
        choices = [str(c) for c in error.validator_value]
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        advice = f"did you mean `{close[0]}`?" if close else f"use one of: {', '.join(choices)}"
        message = f"`{name}` is `{value}`, which is not allowed; {advice}"
    elif keyword == "format" and error.validator_value == "date":
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(value)):
            return []  # not even YYYY-MM-DD: the field's `pattern` error says so, once
        message = f"`{name}` is `{value}`, which is not a real calendar date; {hint or 'write YYYY-MM-DD'}"
    elif keyword == "pattern":
        message = f"`{name}` is `{value}`, which is not in the expected form; {hint or 'see `sopdocs schema`'}"
    elif keyword == "uniqueItems":
        seen, dupes = [], []
        for item in value:
            (dupes if item in seen else seen).append(item)
        message = f"`{name}` lists `{dupes[0] if dupes else '?'}` more than once; remove the repeat"
    else:
        message = f"`{name}`: {error.message}"
    return [SchemaIssue(ID, path, message)]
