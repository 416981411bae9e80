"""The front matter is not valid YAML, or is not a mapping of keys.

## What it does
Reports YAML syntax errors (tabs used for indentation, unbalanced quotes, bad
indentation), unsupported tags, front matter that is a list or a single value, and
anchors/aliases that expand to an unreasonable number of values ("alias bombs").

## Why is this bad?
An SOP whose front matter cannot be read has no owner, no rollback and no review date
as far as every tool is concerned.

## Example
```yaml
title: "Rotate the database password
owner: team-data
```

## Use instead
```yaml
title: "Rotate the database password"
owner: team-data
```
Indent with spaces, close every quote, and quote values that contain `: ` or start
with `#`, `*`, `&`, `!`, `@` or a backquote.
"""

from sopdocs.core.model import ParseProblem
from sopdocs.lint.rules._common import parse_problems

ID = "yaml-syntax"
CODE = "SOP003"
SEVERITY = "error"
SCOPE = "document"
FIX = 'none (what the text was meant to say is not certain)'
PARSE = True


MESSAGES = {
    "too-many-values": "front matter expands to more than {limit:,} values (anchors and aliases that multiply?); "
    "write the values out plainly",
    "recursive-alias": "recursive alias: a value contains itself; write the values out plainly",
    "too-deep": "front matter is nested more than {limit} levels deep",
    "unsupported-tag": "unsupported YAML tag `{tag}`; remove the tag",
    "bad-value": "cannot read value `{value}`: {error}",
    "binary-value": "binary YAML values are not supported",
    "complex-key": "a key must be a plain word, not a list or mapping",
    "bad-merge": "`<<` must merge a mapping",
    "unsupported-node": "unsupported YAML node",
    "unreadable": "invalid YAML: {error}",
    "not-a-mapping": "front matter must be a mapping of keys (`id: ...`, `title: ...`), not a {found}",
}


def check(doc, conf, ctx):
    yield from parse_problems(doc, ID, explain)


def explain(problem: ParseProblem) -> str:
    if problem.kind != "syntax":
        return MESSAGES[problem.kind].format(**problem.details)
    text, context = problem.details["problem"], problem.details["context"]
    # libyaml's message does not always name the tab; the parser passes the character too.
    if "\\t" in text or "tab" in text or problem.details["at"] == "\t":
        return "tab character in YAML; indent with spaces, not tabs"
    if context and context not in text:
        text = f"{text} ({context})"
    return f"invalid YAML: {text}"
