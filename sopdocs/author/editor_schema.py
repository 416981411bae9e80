"""Front-matter schemas for editors (`sopdocs schema -o ...`).

The YAML language server (VS Code's YAML extension and the editors that embed it)
validates with JSON Schema draft-07; its support for 2020-12, the draft sopdocs uses,
is partial. The SOP schema needs nothing beyond draft-07, so :func:`to_draft7` rewrites
the few spellings that differ.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sopdocs.core.config import Config
from sopdocs.core.schema import load_schema, relaxed_schema

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def editor_schema(config: Config) -> dict[str, Any]:
    """The schema for SOP files of this config's profile, with the keys as that format
    writes them (`owner_slack`, `last_reviewed_on`, ...)."""
    if not config.reads_other_format:
        return copy.deepcopy(load_schema("sop"))
    schema = relaxed_schema(config.handbook.required, config.field_aliases())
    properties = schema["properties"]
    if config.profile == "giantswarm":
        if "owner" in properties:
            properties["owner"] = {
                "description": "The owning teams, as GitHub team URLs; the first one owns the page.",
                "type": "array",
                "items": {"type": "string", "format": "uri"},
                "minItems": 1,
            }
        if "expiration_in_days" in properties:
            properties["expiration_in_days"] = {
                "description": "Days a review stays valid (default 365).",
                "type": "integer",
                "minimum": 1,
            }
    schema["title"] = f"{schema.get('title', 'SOP front matter')}, profile {config.profile}"
    return schema


def to_draft7(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema in draft-07 spelling: `$defs` -> `definitions`, and a `$ref` with
    sibling keywords (which draft-07 ignores) wrapped in `allOf`."""
    text = json.dumps(schema).replace('"#/$defs/', '"#/definitions/')
    result = _wrap_refs(json.loads(text))
    result["$schema"] = DRAFT_07
    if "$defs" in result:
        result["definitions"] = result.pop("$defs")
    return result


def _wrap_refs(node: Any) -> Any:
    if isinstance(node, list):
        return [_wrap_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _wrap_refs(value) for key, value in node.items()}
    if "$ref" in node and set(node) - {"$ref", "$schema", "$id", "description", "title"}:
        node["allOf"] = [*node.get("allOf", []), {"$ref": node.pop("$ref")}]
    return node
