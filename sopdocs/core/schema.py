"""The front-matter JSON Schema and friendly messages for its violations.

Raw validator text ("'no' is not of type 'string'") is not what an author needs: each
violation becomes a :class:`SchemaIssue` that names the field, says what is wrong and
how to fix it, and carries the field path so the linter can give it a line.
"""

from __future__ import annotations

import datetime as dt
import difflib
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
_HINTS = {
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


def _describe(value: Any) -> str:
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


def _wanted(types: Any) -> str:
    types = [types] if isinstance(types, str) else list(types)
    return " or ".join(_JSON_TYPES.get(t, t) for t in types)


def _last_key(path: FieldPath) -> str:
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


def check(meta: dict[str, Any]) -> list[SchemaIssue]:
    if _fast_says_valid(meta, "sop"):
        return []
    issues: list[SchemaIssue] = []
    for error in validator().iter_errors(meta):
        issues.extend(_translate(error))
    return issues


def _translate(error: Any) -> list[SchemaIssue]:
    path: FieldPath = tuple(error.absolute_path)
    name = field_name(path)
    keyword = error.validator
    value = error.instance
    schema = error.schema
    hint = _HINTS.get(_last_key(path), "")

    if keyword == "required":
        missing = error.message.split("'")[1]
        key_path = path + (missing,)
        described = schema.get("properties", {}).get(missing, {}).get("description", "")
        if missing == "rollback" and not path:
            return [SchemaIssue("rollback-missing", (), "no `rollback`: say how to undo this change, as a list of steps or `rollback: {sop: <id>}`")]
        text = f"missing required key `{field_name(key_path)}`"
        return [SchemaIssue("field-missing", path, f"{text}: {described}" if described else text)]

    if keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        issues = []
        for key in sorted(set(value) - set(allowed), key=list(value).index):
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            advice = f"did you mean `{close[0]}`?" if close else f"allowed keys: {', '.join(allowed)}"
            issues.append(SchemaIssue("field-unknown", path + (key,), f"unknown key `{field_name(path + (key,))}`; {advice}"))
        return issues

    if keyword == "propertyNames":
        return [SchemaIssue("field-value", path, f"`{name}`: {error.message}; names are lower-case letters, digits and `_`, starting with a letter")]

    if keyword == "type":
        wanted = _wanted(error.validator_value)
        message = f"`{name}` must be {wanted}, but YAML read {_describe(value)}"
        if "string" in error.validator_value and isinstance(value, (bool, int, float)):
            message += '; put the value in quotes (YAML 1.1 reads yes/no/on/off as booleans and 1.10 as a number)'
        elif value is None:
            message += "; fill in a value or remove the key"
        return [SchemaIssue("field-type", path, message)]

    if keyword == "oneOf":
        return _translate_one_of(error, path, name)

    if keyword in ("minItems", "minLength") and path and path[0] == "rollback" and len(path) == 1:
        return [SchemaIssue("rollback-missing", path, "`rollback` is empty: list at least one step that undoes the change")]
    if keyword == "minItems":
        return [SchemaIssue("field-value", path, f"`{name}` is empty: list at least {error.validator_value} entr{'y' if error.validator_value == 1 else 'ies'}")]
    if keyword == "minLength":
        return [SchemaIssue("field-value", path, f"`{name}` is empty: write a value or remove the key")]
    if keyword == "maxLength":
        return [SchemaIssue("field-value", path, f"`{name}` is longer than {error.validator_value} characters; shorten it")]
    if keyword == "enum":
        choices = [str(c) for c in error.validator_value]
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        advice = f"did you mean `{close[0]}`?" if close else f"use one of: {', '.join(choices)}"
        return [SchemaIssue("field-value", path, f"`{name}` is `{value}`, which is not allowed; {advice}")]
    if keyword == "format" and error.validator_value == "date":
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(value)):
            return []  # not even YYYY-MM-DD: the field's `pattern` error says so, once
        return [SchemaIssue("field-value", path, f"`{name}` is `{value}`, which is not a real calendar date; {hint or 'write YYYY-MM-DD'}")]
    if keyword == "pattern":
        return [SchemaIssue("field-value", path, f"`{name}` is `{value}`, which is not in the expected form; {hint or 'see `sopdocs schema`'}")]
    if keyword == "uniqueItems":
        seen, dupes = [], []
        for item in value:
            (dupes if item in seen else seen).append(item)
        return [SchemaIssue("field-value", path, f"`{name}` lists `{dupes[0] if dupes else '?'}` more than once; remove the repeat")]
    return [SchemaIssue("field-value", path, f"`{name}`: {error.message}")]


def _translate_one_of(error: Any, path: FieldPath, name: str) -> list[SchemaIssue]:
    """Report the branch the author evidently meant, judged by the value's type."""
    value = error.instance
    actual = {dict: "object", list: "array", str: "string"}.get(type(value))
    branches = error.validator_value
    for index, branch in enumerate(branches):
        if branch.get("type") == actual:
            sub = [e for e in error.context if e.schema_path and e.schema_path[0] == index]
            issues = [issue for e in sub for issue in _translate(e)]
            if issues:
                return issues
    wanted = _wanted([b.get("type", "object") for b in branches])
    if path == ("rollback",):
        return [SchemaIssue("field-type", path, f"`rollback` must be a list of steps or `{{sop: <id>}}`, but YAML read {_describe(value)}")]
    if value is None:
        return [SchemaIssue("field-type", path, f"`{name}` is empty; write {wanted}")]
    return [SchemaIssue("field-type", path, f"`{name}` must be {wanted}, but YAML read {_describe(value)}")]
