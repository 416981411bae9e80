"""A front-matter key appears twice in the same mapping.

## What it does
Reports the second occurrence of a key; the first value is the one sopdocs uses.

## Why is this bad?
Most YAML loaders silently keep the last value, so an edit to the first occurrence has
no effect and reviewers read a value that is not the one in force.

## Example
```yaml
owner: team-payments
last_reviewed: 2026-01-10
owner: team-sre
```

## Use instead
```yaml
owner: team-sre
last_reviewed: 2026-01-10
```
"""

from sopdocs.core.model import ParseProblem
from sopdocs.lint.rules._common import parse_problems

ID = "duplicate-key"
CODE = "SOP004"
SEVERITY = "error"
SCOPE = "document"
FIX = 'none (which of the two values is meant is not certain)'
PARSE = True


def check(doc, conf, ctx):
    yield from parse_problems(doc, ID, explain)


def explain(problem: ParseProblem) -> str:
    key, first = problem.details["key"], problem.details["first_line"]
    return f"key `{key}` appears twice (first on line {first}); the first value is kept. Delete one of them"
