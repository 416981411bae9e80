"""The SOP's review date has passed.

## What it does
Computes the next review date as `last_reviewed` + `review_in` (default from the
config, `6 months`; months are calendar months) and reports SOPs whose next review is
before today. "Today" is `--today`, else `$SOPDOCS_TODAY`, else the clock.

## Why is this bad?
Systems change under procedures. An SOP nobody has checked for a year names hosts,
flags and dashboards that may no longer exist, and a responder cannot tell which.

## Example
```yaml
last_reviewed: 2025-01-15
review_in: 6 months
```

## Use instead
Review the procedure end to end (run it in staging if you can), fix what changed,
then record the review:
```yaml
last_reviewed: 2026-11-20
review_in: 6 months
```
"""

from sopdocs.lint.rules._common import doc_review

ID = "review-overdue"
CODE = "SOP301"
SEVERITY = "error"
SCOPE = "document"
FIX = 'none (only a review sets `last_reviewed`)'
USES_TODAY = True
# An incident must not wait on a calendar: an overdue SOP can still be exported and run
# (the runner shows and records the finding).
BLOCKS_RUN = False


def check(doc, conf, ctx):
    state = doc_review(doc, ctx)
    if state.state != "overdue":
        return
    days = -state.days_left
    yield doc.position_of(("last_reviewed",)), (
        f"review overdue: last reviewed {state.last_reviewed}, due {state.next_review} "
        f"({days} day{'s' if days != 1 else ''} ago); review the SOP and update `last_reviewed`"
    )
