"""The file has no YAML front matter, or it is not closed, or the file is empty.

## What it does
Checks that the file starts with a line `---`, then YAML keys, then a closing `---`.

## Why is this bad?
The front matter carries the owner, preconditions, rollback and review date. Without it
a file is not an SOP, and nobody can tell who owns it or whether it is current.

## Example
```markdown
# Restart the queue workers
1. Run the restart script.
```

## Use instead
```markdown
---
id: restart-queue-workers
title: Restart the queue workers
owner: team-platform
last_reviewed: 2026-11-01
preconditions: [No deploy is in progress.]
rollback: [Start the old workers again.]
---
# Restart the queue workers
## Steps
1. Run the restart script.
```
`sopdocs new "Title" --owner TEAM` writes a complete skeleton.
"""

from sopdocs.core.model import ParseProblem
from sopdocs.lint.rules._common import parse_problems

ID = "front-matter-missing"
CODE = "SOP002"
SEVERITY = "error"
SCOPE = "document"
FIX = "none (the keys and values are the author's; `sopdocs migrate` writes a front matter from another format)"
PARSE = True


MESSAGES = {
    "empty": "file is empty; run `sopdocs new` to scaffold an SOP",
    "absent": "no front matter: the first line must be `---`, followed by the SOP's YAML keys and a closing `---`",
    "not-closed": "front matter is not closed: add a line `---` after the last YAML key",
}


def check(doc, conf, ctx):
    yield from parse_problems(doc, ID, explain)


def explain(problem: ParseProblem) -> str:
    return MESSAGES[problem.kind]
