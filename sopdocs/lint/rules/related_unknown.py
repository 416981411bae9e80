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
FIX = "automatic (with the catalog: `sopdocs lint --fix` without `--no-catalog`) — an id one or two typing mistakes away from exactly one SOP's id is corrected to it, unless `related` lists that id already"


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


def fix(doc, source, ctx):
    """Correct an id in `related` that is a typo of one existing id (not listed already)."""
    from sopdocs.lint.fix import file_path, requote, unique_closest

    related = doc.meta.get("related")
    if ctx.catalog_ids is None or not isinstance(related, list):
        return
    targets = {}
    for index, target in enumerate(related):
        if isinstance(target, str) and target not in ctx.catalog_ids:
            targets[index] = unique_closest(target, sorted(ctx.catalog_ids - {doc.sop_id}))
    chosen = [t for t in targets.values() if t]
    for index, new in targets.items():
        if new is None or new in related or chosen.count(new) > 1:
            continue
        node = source.scalar(file_path(doc, ("related", index)))
        if node is not None and node.tag == "tag:yaml.org,2002:str" and source.written(node) == requote(node, related[index]):
            yield f"Correct `{related[index]}` to `{new}`", [source.replace(node, requote(node, new))]
