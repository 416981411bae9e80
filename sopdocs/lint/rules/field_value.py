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
FIX = "automatic — a `review_in` written in another spelling of the same period is rewritten in the schema's form (`6mo`, `6months`, `6 Months`, `1yr`, `six months` → `6 months`, `1 year`); `6m` (minutes or months?) and other values: none"
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


# How authors write review periods that the schema's `N unit(s)` does not accept, by
# unit; `m` is left alone (minutes or months?).
_UNITS = {
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "mos": "month", "mon": "month", "mth": "month", "mths": "month", "month": "month", "months": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}  # fmt: skip
_NUMBERS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), start=1)}
_SPELLING = re.compile(r"\s*([0-9]+|[a-z]+)\s*-?\s*([a-z]+)\.?\s*")


def canonical_period(text):
    """`6mo`, `6 Months`, `six months`, `1yr` -> `6 months`, ..., `1 year`; None when
    the spelling is not certain (`6m`, `half a year`, `0 days`)."""
    match = _SPELLING.fullmatch(text.lower()) if isinstance(text, str) else None
    if not match:
        return None
    amount, unit = match.group(1), _UNITS.get(match.group(2))
    number = int(amount) if amount.isdigit() else _NUMBERS.get(amount)
    if unit is None or number is None or not 1 <= number <= 9999:
        return None
    return f"{number} {unit}{'' if number == 1 else 's'}"


def fix(doc, source, ctx):
    """Write a `review_in` period in the form the schema accepts (`6mo` -> `6 months`)."""
    from sopdocs.lint.fix import requote

    if "review_in" in doc.renamed or not any(i.rule == ID and i.path == ("review_in",) for i in doc.schema_issues or ()):
        return
    node = source.scalar(("review_in",))
    if node is None or node.tag != "tag:yaml.org,2002:str" or node.style not in (None, "'", '"'):
        return
    period = canonical_period(node.value)
    if period is not None and period != node.value and source.written(node) == requote(node, node.value):
        yield f"Write `review_in: {node.value}` as `{period}`", [source.replace(node, requote(node, period))]
