"""`rollback: {sop: <id>}` names an SOP that is not in the catalog.

## What it does
Checks that the SOP named as the rollback exists (by `id`) among the SOPs linted
together, and that an SOP does not name itself as its own rollback.

## Why is this bad?
The reference looks like a plan but leads nowhere: the responder who needs to roll
back finds a dead end, typically because the rollback SOP was renamed or deleted.

## Example
```yaml
rollback: {sop: canary-abrot}
```

## Use instead
```yaml
rollback: {sop: canary-abort}
```
This is a catalog-wide check: it runs when the whole catalog is linted (not in the
per-file pre-commit hook).
"""

from sopdocs.core.similar import closest

ID = "rollback-unknown"
CODE = "SOP202"
SEVERITY = "error"
SCOPE = "catalog"
FIX = "automatic (with the catalog: `sopdocs lint --fix` without `--no-catalog`) — an id one or two typing mistakes away from exactly one SOP's id (not this SOP's) is corrected to it"


def check(docs, conf, ctx):
    for doc in docs:
        rollback = (doc.meta or {}).get("rollback")
        if not isinstance(rollback, dict) or not isinstance(rollback.get("sop"), str):
            continue
        target = rollback["sop"]
        where = doc.position_of(("rollback", "sop"))
        if target == doc.sop_id:
            yield doc, where, f"`rollback.sop` names this SOP itself (`{target}`); name the SOP that undoes it"
        elif target not in ctx.catalog_ids:
            close = closest(target, list(ctx.catalog_ids))
            advice = f"did you mean `{close}`?" if close else "write the rollback SOP, or list the rollback steps here"
            yield doc, where, f"`rollback.sop` names `{target}`, but no SOP has that id; {advice}"


def fix(doc, source, ctx):
    """Correct `rollback: {sop: <id>}` when the id is a typo of one existing id."""
    from sopdocs.lint.fix import file_path, requote, unique_closest

    rollback = doc.meta.get("rollback")
    if ctx.catalog_ids is None or not isinstance(rollback, dict) or not isinstance(rollback.get("sop"), str):
        return
    target = rollback["sop"]
    if target in ctx.catalog_ids or target == doc.sop_id:
        return
    new = unique_closest(target, sorted(ctx.catalog_ids - {doc.sop_id}))
    node = source.scalar(file_path(doc, ("rollback", "sop")))
    if new and node is not None and node.tag == "tag:yaml.org,2002:str" and source.written(node) == requote(node, target):
        yield f"Correct `{target}` to `{new}`", [source.replace(node, requote(node, new))]
