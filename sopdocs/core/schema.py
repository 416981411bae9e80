"""The bundled JSON Schemas (SOP front matter, manifest, config) and their validators.

Raw validator text ("'no' is not of type 'string'") is not what an author needs: the
schema rules of the linter (sopdocs.lint.rules: field-missing, field-type, ...) turn
each error into a :class:`SchemaIssue` that names the field, says what is wrong and how
to fix it, and carries the field path so the finding gets a line. The wording helpers
they share are here.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sopdocs.core.model import FieldPath

SCHEMAS = {"sop": "sop.schema.json", "manifest": "manifest.schema.json", "config": "config.schema.json"}


@dataclass(frozen=True)
class SchemaIssue:
    rule: str  # field-missing | field-type | field-value | field-unknown | rollback-missing
    path: FieldPath  # where to point: the key or item concerned
    message: str


def schema_text(name: str = "sop") -> str:
    return resources.files("sopdocs.schemas").joinpath(SCHEMAS[name]).read_text(encoding="utf-8")


@cache
def load_schema(name: str = "sop") -> dict[str, Any]:
    return json.loads(schema_text(name))


@cache
def validator(name: str = "sop") -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(name), format_checker=FormatChecker(formats=["date"]))


# What a valid value looks like, for fields whose pattern alone says little.
HINTS = {
    "id": "use lower-case kebab-case: letters, digits and single hyphens, e.g. `postgres-add-column`",
    "related": "name an SOP by its id (lower-case kebab-case)",
    "sop": "name an SOP by its id (lower-case kebab-case)",
    "last_reviewed": "write the date as YYYY-MM-DD, e.g. 2026-03-31",
    "review_in": 'write a number and a unit: "90 days", "6 weeks", "6 months" or "1 year"',
    "timeout": "write a duration such as 30s, 5m, 2h or 1h30m",
    "tags": "use one word per tag: letters, digits, `.`, `_` and `-`",
}

_JSON_TYPES = {"string": "a text", "array": "a list", "object": "a mapping", "boolean": "true or false", "integer": "a whole number", "number": "a number", "null": "empty"}


def field_name(path: FieldPath) -> str:
    """rollback[1].command style name for messages."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "front matter"


def describe_value(value: Any) -> str:
    """What YAML made of a value, for messages: "the boolean `false`", "a list"."""
    if isinstance(value, bool):
        return f"the boolean `{str(value).lower()}`"
    if value is None:
        return "an empty value"
    if isinstance(value, (int, float)):
        return f"the number `{value}`"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"the text `{value}`"


def wanted_types(types: Any) -> str:
    """A schema's `type` in words: "a text or a list"."""
    types = [types] if isinstance(types, str) else list(types)
    return " or ".join(_JSON_TYPES.get(t, t) for t in types)


def last_key(path: FieldPath) -> str:
    return next((p for p in reversed(path) if isinstance(p, str)), "")


@cache
def fast_validator(name: str = "sop") -> Any:
    """jsonschema-rs for the common case of a valid document (about 100x faster than
    the Python validator); None when it is not installed or cannot compile the schema.

    It only answers "valid or not": the friendly messages come from the Python
    validator's errors, which run only when this one says invalid. Formats are checked
    as the Python validator checks them: `date` only (every other `format` is an
    annotation there), so both agree on what is valid.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - optional speed-up
        return None
    try:
        return jsonschema_rs.validator_for(load_schema(name), validate_formats=True, formats={"date": _is_date})
    except Exception:  # noqa: BLE001 - pragma: no cover - any problem: use the Python validator alone
        return None


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value: Any) -> bool:
    """The `date` format exactly as jsonschema's FormatChecker decides it (jsonschema-rs
    would accept year 0000, which Python's dates cannot hold), without importing
    jsonschema: a valid catalog then never needs it. tests/fuzz compares the two."""
    if not isinstance(value, str):
        return True
    try:
        return bool(_DATE.fullmatch(value) and dt.date.fromisoformat(value))
    except ValueError:
        return False


def _fast_says_valid(meta: Any, name: str) -> bool:
    fast = fast_validator(name)
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(meta))
    except Exception:  # noqa: BLE001 - values it cannot take (huge integers): jsonschema decides
        return False


def is_valid(meta: Any, name: str = "sop") -> bool:
    """Whether ``meta`` is valid, by the fast validator when there is one."""
    return _fast_says_valid(meta, name) or not any(True for _ in validator(name).iter_errors(meta))


def errors(meta: Any, required: tuple[str, ...] | None = None, relaxed: bool = False) -> list[Any]:
    """The schema's errors in the front matter (jsonschema ``ValidationError``s), in
    the validator's order; [] for a valid one. ``relaxed``: the schema of a handbook in
    another format (:func:`relaxed_schema`), where only
    ``required`` keys are required and unknown keys are allowed."""
    if relaxed:
        return list(_relaxed_validator(required).iter_errors(meta))
    if _fast_says_valid(meta, "sop"):
        return []
    return list(validator().iter_errors(meta))


def relaxed_schema(required: tuple[str, ...] | None, aliases: dict[str, str] | None = None) -> dict[str, Any]:
    """The SOP schema for a handbook in another format: only ``required`` keys are
    required, other keys are allowed, and ``aliases`` (old key -> sopdocs key) add the
    old names with the sopdocs definitions (for editors, which see the file as written)."""
    schema = copy.deepcopy(load_schema("sop"))
    if required is not None:
        schema["required"] = list(required)
    schema.pop("additionalProperties", None)
    for old, new in (aliases or {}).items():
        definition = schema["properties"].get(new)
        if definition is not None:
            schema["properties"][old] = {**definition, "description": f"{definition.get('description', '')} (read as `{new}`)".strip()}
            if new in schema.get("required", []):
                schema["required"] = [old if k == new else k for k in schema["required"]]
            schema["properties"].pop(new)
    return schema


@cache
def _relaxed_validator(required: tuple[str, ...] | None) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(relaxed_schema(required), format_checker=FormatChecker(formats=["date"]))


def first_error(data: Any, name: str | None = None, schema: dict[str, Any] | None = None, separator: str = ".") -> str | None:
    """``location: message`` of the first error (by position in the data) of ``data``
    against a bundled schema (``name``) or ``schema``; None when it is valid. The
    location is the path to the value (``rules.review-due-soon``), or "top level"."""
    if schema is None:
        if is_valid(data, name or "sop"):
            return None
        check = validator(name or "sop")
    else:
        from jsonschema import Draft202012Validator

        check = Draft202012Validator(schema)
    found = sorted(check.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not found:
        return None
    first = found[0]
    return f"{separator.join(str(p) for p in first.absolute_path) or 'top level'}: {first.message}"
