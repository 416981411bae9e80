"""The owner is not one of the teams listed in the config.

## What it does
When the config lists `owners`, checks that every SOP's `owner` (and `backup_owner`)
is one of them, and suggests the closest name. Without an `owners` list this rule does
nothing.

## Why is this bad?
Owners leave and teams are renamed. An SOP owned by a team that no longer exists has
nobody to review it and nobody to call.

## Example
```yaml
owner: team-platfrom
```

## Use instead
```yaml
owner: team-platform
```
with, in `pyproject.toml`:
```toml
[tool.sopdocs]
owners = ["team-platform", "team-sre", "team-data-platform"]
```
"""

import difflib

ID = "owner-unknown"
CODE = "SOP105"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (which team owns the SOP is the author's call)"


def check(doc, conf, ctx):
    owners = ctx.config.owners
    if not owners or not doc.meta:
        return
    for key in ("owner", "backup_owner"):
        value = doc.meta.get(key)
        if isinstance(value, str) and value:
            advice = unknown_owner_advice(value, owners)
            if advice:
                yield doc.position_of((key,)), f"`{key}` is `{value}`, which is not a known owner; {advice}"


def unknown_owner_advice(value, owners):
    """What to do about an owner that the config's `owners` does not list, or None when
    it is listed (or there is no list). `sopdocs new` gives the same advice."""
    if not owners or value in owners:
        return None
    close = difflib.get_close_matches(value, owners, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else "add the team to `owners` in the config, or pick a listed team"
