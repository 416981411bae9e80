"""`related` names an SOP that is not in the catalog.

## What it does
Checks that every id listed under `related` belongs to an SOP in the catalog.

## Why is this bad?
"See also" links are how a responder gets from the symptom to the fix. A dangling
reference is a dead end found at the worst moment, usually left behind by a rename.

## Example
```yaml
related: [postgres-pitr-restore, postgres-failovr]
```

## Use instead
```yaml
related: [postgres-pitr-restore, postgres-failover]
```
This is a catalog-wide check: it runs when the whole catalog is linted.
"""

from sopdocs.core.similar import closest

ID = "related-unknown"
CODE = "SOP502"
SEVERITY = "error"
SCOPE = "catalog"


def check(docs, conf, ctx):
    for doc in docs:
        related = (doc.meta or {}).get("related")
        if not isinstance(related, list):
            continue
        for index, target in enumerate(related):
            if isinstance(target, str) and target not in ctx.catalog_ids:
                close = closest(target, list(ctx.catalog_ids))
                advice = f"did you mean `{close}`?" if close else "remove it or fix the id"
                yield doc, doc.position_of(("related", index)), f"`related` names `{target}`, but no SOP has that id; {advice}"
