"""A front-matter key that the SOP format does not define.

## What it does
Reports keys the schema does not know, and suggests the closest known key.

## Why is this bad?
A misspelled key is silently ignored by every tool: `rolback:` means the SOP has no
rollback as far as the linter, the site and the runner are concerned, while the author
believes it has one.

## Example
```yaml
rolback:
  - Revert the deploy.
```

## Use instead
```yaml
rollback:
  - Revert the deploy.
```
See `docs/format.md` or `sopdocs schema` for every key.
"""

import difflib
from collections import Counter

import yaml

from sopdocs.core.schema import SchemaIssue, field_name
from sopdocs.lint.rules._common import schema_problems

ID = "field-unknown"
CODE = "SOP104"
SEVERITY = "error"
SCOPE = "document"
FIX = 'automatic — a key one or two typing mistakes away from exactly one known key is renamed to it (`rolback` → `rollback`), unless that key is written already, two keys would get the same name, or the value would then be wrong for the key. Keys shorter than four letters are not guessed'
OTHER_FORMATS = False  # other handbook formats have keys of their own
SCHEMA_KEYWORDS = ("additionalProperties",)


def check(doc, conf, ctx):
    yield from schema_problems(doc, ID)


def translate(error, recurse):
    path = tuple(error.absolute_path)
    allowed = sorted(error.schema.get("properties", {}))
    issues = []
    for key in sorted(set(error.instance) - set(allowed), key=list(error.instance).index):
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        advice = f"did you mean `{close[0]}`?" if close else f"allowed keys: {', '.join(allowed)}"
        issues.append(SchemaIssue(ID, path + (key,), f"unknown key `{field_name(path + (key,))}`; {advice}"))
    return issues


def fix(doc, source, ctx):
    """Rename a key that is a typo of one known key (not written already) to it."""
    from sopdocs.core.schema import errors
    from sopdocs.lint.fix import file_path, requote, unique_closest

    handbook = ctx.config.handbook
    renames = []
    for error in errors(doc.meta, handbook.required, handbook.foreign or handbook.required is not None):
        if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
            continue
        path = tuple(error.absolute_path)
        allowed = sorted(error.schema.get("properties", {}))
        for key in set(error.instance) - set(allowed):
            target = unique_closest(key, allowed) if isinstance(key, str) else None
            if target is None or target in error.instance:
                continue
            key_node, _ = source.entry(file_path(doc, path + (key,)))
            if not isinstance(key_node, yaml.ScalarNode) or source.written(key_node) != requote(key_node, key):
                continue
            renames.append((path, key, target, key_node))
    targets = Counter((path, target) for path, _, target, _ in renames)
    for path, key, target, key_node in sorted(renames, key=lambda r: r[3].start_mark.index):
        if targets[(path, target)] == 1:  # two typos of the same key: which one is it?
            yield f"Rename `{key}` to `{target}`", [source.replace(key_node, requote(key_node, target))]
