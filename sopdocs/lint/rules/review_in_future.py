"""`last_reviewed` is a date after today.

## What it does
Reports a review date later than today.

## Why is this bad?
A future date keeps the SOP "current" for longer than any real review earned, usually
by a typo in the year (`2062` for `2026`) or a date filled in ahead of a review that has
not happened.

## Example
With today 2026-11-26:
```yaml
last_reviewed: 2027-11-20
```

## Use instead
```yaml
last_reviewed: 2026-11-20
```
"""

from sopdocs.lint.rules._common import doc_review

ID = "review-in-future"
CODE = "SOP303"
SEVERITY = "error"
SCOPE = "document"
FIX = 'none (the right date is not certain)'
USES_TODAY = True


def check(doc, conf, ctx):
    state = doc_review(doc, ctx)
    if state.last_reviewed is not None and state.last_reviewed > ctx.today:
        yield doc.position_of(("last_reviewed",)), (
            f"`last_reviewed` is {state.last_reviewed}, after today ({ctx.today}); record the date of a review that happened"
        )
