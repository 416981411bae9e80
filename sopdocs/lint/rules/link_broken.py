"""A Markdown link points at a local `.md` file that does not exist.

## What it does
Checks relative links whose target ends in `.md` (with or without a `#fragment`),
resolved against the linking file's directory. Links to web addresses are not checked.

## Why is this bad?
Links between SOPs ("if this fails, follow [the restore SOP](restore.md)") are part of
the procedure. A broken one strands the responder mid-incident.

## Example
```markdown
If replication does not catch up, follow [the restore](postgres-restor.md).
```

## Use instead
```markdown
If replication does not catch up, follow [the restore](postgres-pitr-restore.md).
```
"""

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

ID = "link-broken"
CODE = "SOP503"
SEVERITY = "error"
SCOPE = "document"
FIX = 'none (where the link should point is not certain)'
USES_OTHER_FILES = True


# A plain relative target (no scheme, no escapes, no spaces): its path is what comes before
# `#` or `?`, as urlsplit and unquote would have it, without their cost on every lint.
_PLAIN = re.compile(r"[A-Za-z0-9._~/#?=&+,;@!$*'()-]*\Z")


def target_path(target: str) -> str | None:
    """The local path a link's target names, or None (a web address, an absolute path)."""
    if _PLAIN.match(target) and not target.startswith("/"):
        return target.partition("#")[0].partition("?")[0] or None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    return unquote(parts.path)


def local_targets(doc):
    """(link, target as written, path it names) of each link to a local `.md` file."""
    base = None
    for link in doc.links:
        target = target_path(link.target)
        if target is None or not target.endswith(".md"):
            continue
        if base is None:
            base = os.fspath(doc.path.parent)
        yield link, target, os.path.join(base, target)


def check(doc, conf, ctx):
    for link, target, full in local_targets(doc):
        if not os.path.isfile(full):  # as Path.is_file(), without pathlib's cost
            yield link.position, f"link to `{target}`, which does not exist (relative to {Path(doc.display_path).parent.as_posix() or '.'})"
