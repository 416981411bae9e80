"""A command appears to contain a literal credential.

## What it does
Looks in every command (steps, verification probes, precondition and rollback
commands) for things that look like secrets: AWS access keys, private-key blocks,
GitHub/GitLab/Slack tokens, bearer tokens, URLs with a password, and `password=`,
`--password`, `token=` or `api_key=` followed by a literal value. Values taken from an
environment variable (`$DB_PASSWORD`, `${TOKEN}`) are fine, and so are obvious
placeholders, which handbooks write to show the shape of a command:
`TF_VAR_github_token="XXXXXXXXXXXXX"`, `AKIAXXXXXXXXXXXXXXXX`, `<your-token>`,
`[database-name]`, `{{ token }}`, `changeme`, `REDACTED`, a run of one character (`********`, `00000000`),
values naming themselves an example (`AKIAIOSFODNN7EXAMPLE`, `my-secret-token`,
`your_api_key`).

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
FIX = 'none (only the author knows where the secret should come from: a parameter, a secret store)'

_VALUE = r"""['"]?(?![$'"{<])(?P<value>[^\s'"]{6,})"""
# Each pattern names the secret itself `value` (what is judged a placeholder or not).
PATTERNS = [
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)(?P<value>[0-9A-Z]{16})\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_(?P<value>[A-Za-z0-9]{30,})\b")),
    ("a GitLab token", re.compile(r"\bglpat-(?P<value>[A-Za-z0-9_-]{20,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-(?P<value>[A-Za-z0-9-]{10,})")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+(?![$'\"{<])(?P<value>[A-Za-z0-9._~+/=-]{16,})")),
    ("a password in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@$]+:(?![$'\"{<])(?P<value>[^\s/@]+)@")),
    ("a literal password or token", re.compile(r"(?i)(?:passw(?:or)?d|passwd|secret|token|api[_-]?key)\s*[=:]\s*" + _VALUE)),
    ("a literal password", re.compile(r"(?i)(?<![\w-])--?(?:password|passwd|token|api-key)[= ]" + _VALUE)),
]

# Placeholders: a value that is one of these words, or holds one of the markers, or
# repeats one character (separators aside), shows where a secret goes; it is not one.
_PLACEHOLDER_WORDS = {
    "changeme", "change-me", "change_me", "changeit", "password", "passw0rd", "secret", "token", "apikey", "api-key",
    "api_key", "redacted", "placeholder", "dummy", "example", "sample", "abc123", "123456", "12345678", "123456789",
    "foo", "bar", "foobar", "xxx", "none", "null", "undefined", "todo", "fixme", "your-token", "your_token",
}
_PLACEHOLDER_MARKERS = re.compile(
    r"(?i)example|changeme|change[-_]me|placeholder|redacted|dummy|your[-_]|my[-_]?(?:secret|token|password|key)|"
    r"<[^>]*>|^\[.*\]$|\{\{.*\}\}|\$\{|\$\(|%[A-Za-z_]+%|\.\.\.|…|\*{3,}"
)

_TOKEN_PREFIX = re.compile(r"^(?:gh[pousr]_|glpat-|xox[abposr]-|AKIA|ASIA)")


def is_placeholder(value: str) -> bool:
    """True for a value that only shows where a secret goes: `XXXXXXXXXXXXX`,
    `<your-token>`, `${TOKEN}`, `changeme`, `AKIAIOSFODNN7EXAMPLE`."""
    value = value.strip("'\"`,;)")
    if not value:
        return True
    if value.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER_MARKERS.search(value):
        return True
    core = re.sub(r"[-_.:/+=]", "", _TOKEN_PREFIX.sub("", value)).lower()
    return len(set(core)) <= 1


def find(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` that is not a placeholder."""
    for match in pattern.finditer(text):
        value = match.groupdict().get("value")
        if value is None or not is_placeholder(value):
            return match
    return None

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
                match = find(pattern, text)
                if not match:
                    continue
                line = command.line + offset
                column = source_line(doc, line).find(match.group(0)) + 1 or command.column
                yield Position(line, column), (
                    f"{command.where}: command appears to contain {label}; pass it through a secret "
                    "parameter's environment variable (e.g. \"$DB_PASSWORD\") instead"
                )
                break

