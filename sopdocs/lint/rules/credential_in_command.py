"""A command appears to contain a literal credential.

## What it does
Looks in every command (steps, verification probes, precondition and rollback
commands) for things that look like secrets: AWS access keys, private-key blocks,
GitHub/GitLab/Slack tokens, bearer tokens, URLs with a password, and `password=`,
`--password`, `token=` or `api_key=` followed by a literal value. Values taken from an
environment variable (`$DB_PASSWORD`, `${TOKEN}`) are fine.

## Why is this bad?
SOPs are published to a wide audience and copied into shells and logs. A credential
written into a procedure is a leaked credential.

## Example
```bash
psql "postgresql://admin:hunter2@db.internal/orders"
```

## Use instead
Declare a secret parameter and use its environment variable:
```yaml
parameters:
  db_password: {secret: true, description: From the vault entry db/orders/admin}
```
```bash
PGPASSWORD="$DB_PASSWORD" psql -h db.internal -U admin orders
```
"""

import re

from sopdocs.core.model import Position
from sopdocs.lint.rules._common import iter_commands, source_line

ID = "credential-in-command"
CODE = "SOP601"
SEVERITY = "warning"
SCOPE = "document"

_VALUE = r"""['"]?(?![$'"{<])[^\s'"]{6,}"""
PATTERNS = [
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+(?![$'\"{<])[A-Za-z0-9._~+/=-]{16,}")),
    ("a password in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@$]+:(?![$'\"{<])[^\s/@]+@")),
    ("a literal password or token", re.compile(r"(?i)(?:passw(?:or)?d|passwd|secret|token|api[_-]?key)\s*[=:]\s*" + _VALUE)),
    ("a literal password", re.compile(r"(?i)(?<![\w-])--?(?:password|passwd|token|api-key)[= ]" + _VALUE)),
]

# Text (lower-cased) that each pattern cannot match without: most commands contain none
# of it, and a substring test is much cheaper than a regular-expression search.
_NEEDS = [("akia", "asia"), ("private key",), ("gh",), ("glpat-",), ("xox",), ("bearer",), ("://",),
          ("passw", "secret", "token", "api"), ("passw", "token", "api-key")]


def check(doc, conf, ctx):
    for command in iter_commands(doc):
        lowered = command.code.lower()
        patterns = [p for p, needs in zip(PATTERNS, _NEEDS) if any(n in lowered for n in needs)]
        if not patterns:
            continue
        for offset, text in enumerate(command.code.split("\n")):
            for label, pattern in patterns:
                match = pattern.search(text)
                if not match:
                    continue
                line = command.line + offset
                column = source_line(doc, line).find(match.group(0)) + 1 or command.column
                yield Position(line, column), (
                    f"{command.where}: command appears to contain {label}; pass it through a secret "
                    "parameter's environment variable (e.g. \"$DB_PASSWORD\") instead"
                )
                break

