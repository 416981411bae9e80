"""Helpers for the export tests: the real `sopdocs export` CLI in a subprocess, the
engines' published JSON Schemas, and a check for keys those schemas do not define."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from helpers import ENGINE_SCHEMAS, REPO, TODAY, cli, require_shared
from jsonschema import Draft7Validator, Draft202012Validator

EXPORT_TESTS = Path(__file__).resolve().parent
CONTENT = REPO / "content"
GOLDEN = EXPORT_TESTS / "golden"
ARGO_SCHEMA = ENGINE_SCHEMAS / "argo-workflows.api-jsonschema.json"
GITHUB_SCHEMA = ENGINE_SCHEMAS / "github-workflow.schemastore.json"
WORKFLOW_TEMPLATE = "io.argoproj.workflow.v1alpha1.WorkflowTemplate"
SUFFIX = {"manifest": ".json", "argo": ".yaml", "github-actions": ".yml"}


def export(*args: str, cwd: Path, target: str = "manifest", out: Path) -> subprocess.CompletedProcess:
    return cli("export", *args, "--out", str(out), "--target", target, "--today", TODAY, cwd=cwd)


def content_ids() -> list[str]:
    return sorted(path.stem for path in CONTENT.glob("*.md"))


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


# --- schemas --------------------------------------------------------------------------


@functools.cache
def argo_root() -> dict[str, Any]:
    return json.loads(require_shared(ARGO_SCHEMA).read_text(encoding="utf-8"))


@functools.cache
def github_root() -> dict[str, Any]:
    return json.loads(require_shared(GITHUB_SCHEMA).read_text(encoding="utf-8"))


def argo_workflow_template_schema() -> dict[str, Any]:
    """The WorkflowTemplate definition alone: the top-level oneOf gives noisy errors."""
    root = argo_root()
    return {"$schema": root["$schema"], "definitions": root["definitions"], "$ref": f"#/definitions/{WORKFLOW_TEMPLATE}"}


@functools.cache
def argo_validator() -> Draft202012Validator:
    return Draft202012Validator(argo_workflow_template_schema())


@functools.cache
def github_validator() -> Draft7Validator:
    return Draft7Validator(github_root())


def schema_errors(validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}" for e in validator.iter_errors(document)]


# --- unknown keys ---------------------------------------------------------------------

_COMBINATORS = ("allOf", "anyOf", "oneOf")


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema:
        pointer = schema["$ref"]
        if not pointer.startswith("#/"):
            raise AssertionError(f"cannot follow $ref {pointer}")
        target: Any = root
        for part in pointer[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        # keywords beside $ref (2020-12) still apply: merge them in.
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if siblings else target
        seen += 1
        if seen > 50:
            raise AssertionError("$ref loop")
    return schema


def _valid(instance: Any, schema: Any, root: dict[str, Any]) -> bool:
    key = "definitions" if "definitions" in root else "$defs"
    candidate = {**schema, key: root[key]} if isinstance(schema, dict) else schema
    cls = Draft202012Validator if "2020-12" in root.get("$schema", "") else Draft7Validator
    return cls(candidate).is_valid(instance)


def _branches(schema: Any, instance: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and every sub-schema that applies to the instance (allOf always;
    anyOf/oneOf the branches the instance matches; if/then/else both outcomes)."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return []
    found = [schema]
    for keyword in _COMBINATORS:
        options = [_resolve(s, root) for s in schema.get(keyword, [])]
        if keyword != "allOf":
            matching = [s for s in options if _valid(instance, s, root)]
            options = matching or options
        for option in options:
            found += _branches(option, instance, root)
    for keyword in ("then", "else"):
        if keyword in schema:
            found += _branches(schema[keyword], instance, root)
    return found


def unknown_keys(instance: Any, schema: Any, root: dict[str, Any], path: str = "") -> list[str]:
    """Paths of mapping keys that no applicable schema defines.

    An object schema that names `properties` or `patternProperties` defines its keys;
    `additionalProperties` as a schema admits any key (a map such as `annotations`);
    only a schema with none of them is free-form.
    """
    branches = _branches(schema, instance, root)
    problems: list[str] = []
    if isinstance(instance, dict):
        for key, value in instance.items():
            where = f"{path}.{key}" if path else str(key)
            subschemas = []
            for branch in branches:
                if key in branch.get("properties", {}):
                    subschemas.append(branch["properties"][key])
                for pattern, sub in branch.get("patternProperties", {}).items():
                    if re.search(pattern, key):
                        subschemas.append(sub)
            if not subschemas:
                additional = [b["additionalProperties"] for b in branches if isinstance(b.get("additionalProperties"), dict)]
                if additional:
                    subschemas = additional
                elif any(
                    "properties" in b or "patternProperties" in b or b.get("additionalProperties") is False for b in branches
                ):
                    problems.append(where)
                    continue
                else:
                    continue  # a free-form object
            problems += unknown_keys(value, subschemas[0], root, where)
    elif isinstance(instance, list):
        items = [b["items"] for b in branches if isinstance(b.get("items"), dict)]
        if items:
            for index, value in enumerate(instance):
                problems += unknown_keys(value, items[0], root, f"{path}[{index}]")
    return problems


def argo_unknown_keys(document: Any) -> list[str]:
    return unknown_keys(document, argo_workflow_template_schema(), argo_root())


def github_unknown_keys(document: Any) -> list[str]:
    return unknown_keys(document, github_root(), github_root())


def ansible_env(home: Path) -> dict[str, str]:
    """No ANSIBLE_ settings of the caller; Ansible's own files under `home`; no colours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        {
            "ANSIBLE_HOME": str(home),
            "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env
