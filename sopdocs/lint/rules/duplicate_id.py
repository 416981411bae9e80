"""Two SOPs in the catalog share an `id`.

## What it does
Reports every SOP whose `id` is already used by another SOP (ordered by path), naming
the file that has it first.

## Why is this bad?
Ids are how SOPs refer to each other (`related`, `rollback: {sop: ...}`), how the site
builds URLs, and how a runner's locks and audit trail name a procedure. A duplicate
makes all of those ambiguous, and usually means a file was copied as a template and
not renamed.

## Example
`content/db-failover.md` and `content/db-failover-v2.md` both say `id: db-failover`.

## Use instead
Give the copy its own id (`id: db-failover-v2`), or delete the old file.

This is a catalog-wide check: it runs when the whole catalog is linted.
"""

ID = "duplicate-id"
CODE = "SOP501"
SEVERITY = "error"
SCOPE = "catalog"
FIX = "none (which SOP keeps the id, and what the other is called, is the author's choice)"


def check(docs, conf, ctx):
    for doc in docs:
        owners = ctx.catalog_ids.get(doc.sop_id or "", [])
        if len(owners) > 1 and owners[0] is not doc:
            yield doc, doc.position_of(("id",)), (
                f"id `{doc.sop_id}` is already used by {owners[0].display_path}; ids must be unique in the catalog"
            )
