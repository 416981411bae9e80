"""The rule registry: one module per rule, listed here in code order.

Each rule module defines ``ID`` (readable, names the bad pattern), ``CODE`` (stable,
``SOP###``), ``SEVERITY`` (default ``error`` or ``warning``), ``SCOPE`` (``document``:
``check(doc, conf, ctx)`` yields ``(Position, message)``; ``catalog``:
``check(docs, conf, ctx)`` yields ``(doc, Position, message)``), ``DEFAULT`` options,
and its documentation as the module docstring (What it does / Why is this bad? /
Example / Use instead).
"""

from __future__ import annotations

import difflib
from types import ModuleType

from . import (
    credential_in_command,
    duplicate_id,
    duplicate_key,
    field_missing,
    field_type,
    field_unknown,
    field_value,
    file_unreadable,
    front_matter_missing,
    link_broken,
    owner_unknown,
    placeholder_left,
    related_unknown,
    review_due_soon,
    review_in_future,
    review_overdue,
    rollback_missing,
    rollback_unknown,
    step_attribute_invalid,
    step_empty,
    step_multiple_commands,
    steps_missing,
    yaml_syntax,
)

_MODULES = [
    file_unreadable,
    front_matter_missing,
    yaml_syntax,
    duplicate_key,
    field_missing,
    field_type,
    field_value,
    field_unknown,
    owner_unknown,
    rollback_missing,
    rollback_unknown,
    review_overdue,
    review_due_soon,
    review_in_future,
    steps_missing,
    step_empty,
    step_multiple_commands,
    step_attribute_invalid,
    duplicate_id,
    related_unknown,
    link_broken,
    credential_in_command,
    placeholder_left,
]

RULES: dict[str, ModuleType] = {m.ID: m for m in sorted(_MODULES, key=lambda m: m.CODE)}
BY_CODE: dict[str, ModuleType] = {m.CODE: m for m in _MODULES}


def resolve(name: str) -> ModuleType:
    """A rule by readable id or code (case-insensitive for codes); KeyError explains."""
    rule = RULES.get(name) or BY_CODE.get(name.upper())
    if rule is None:
        close = difflib.get_close_matches(name, list(RULES), n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else "; `sopdocs rules` lists them"
        raise KeyError(f"unknown rule `{name}`{hint}")
    return rule


def sections(rule: ModuleType) -> dict[str, str]:
    """The rule's documentation split into its `## ` sections, plus `summary`."""
    doc = (rule.__doc__ or "").strip()
    summary, _, rest = doc.partition("\n## ")
    parts = {"summary": " ".join(summary.split())}
    for chunk in ("## " + rest).split("\n## ")[0 if rest else 1 :]:
        title, _, body = chunk.removeprefix("## ").partition("\n")
        parts[title.strip()] = body.strip()
    return parts
