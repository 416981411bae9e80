"""The SOP's next review is due soon.

## What it does
Warns when the next review date (`last_reviewed` + `review_in`) falls within the
next `days` days (default: the config's `due_soon_days`, 30).

## Why is this bad?
A warning before the deadline gives the owner time to schedule the review instead of
finding a red build on the day it lapses.

## Example
With today 2026-11-26:
```yaml
last_reviewed: 2026-06-01
review_in: 6 months
```
is due 2026-12-01, in 5 days.

## Use instead
Review the SOP and update `last_reviewed`.

## Options
`days`: the window in days, e.g. `rules = { review-due-soon = { days = 14 } }`.
"""

from sopdocs.lint.rules._common import doc_review

ID = "review-due-soon"
CODE = "SOP302"
SEVERITY = "warning"
SCOPE = "document"
FIX = 'none (only a review sets `last_reviewed`)'
USES_TODAY = True
BLOCKS_RUN = False
OPTIONS = {"days": {"type": "integer", "minimum": 0, "description": "the window in days (default: the config's due_soon_days)"}}


def check(doc, conf, ctx):
    state = doc_review(doc, ctx)
    if state.next_review is None or state.days_left is None or state.last_reviewed > ctx.today:
        return
    window = conf.get("days", ctx.config.due_soon_days)
    if 0 <= state.days_left <= window:
        when = "today" if state.days_left == 0 else f"in {state.days_left} day{'s' if state.days_left != 1 else ''}"
        yield doc.position_of(("last_reviewed",)), f"review due {when} ({state.next_review}); schedule it with the owner"
