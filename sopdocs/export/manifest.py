"""Step manifests: the executable form of an SOP (schema/manifest.schema.json).

A manifest is built from a parsed, lint-clean SOP. It is deterministic: the same SOP
file gives the same bytes (fixed key order, no timestamps).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sopdocs.core.model import CodeBlock, SopDocument

FORMAT = "sopdocs.manifest/v1"
DEFAULT_TIMEOUT_SECONDS = 600
DEFAULT_SHELL = "bash"
_DURATION = re.compile(r"^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def duration_seconds(text: Any, default: int = DEFAULT_TIMEOUT_SECONDS) -> int:
    """`1h30m` -> 5400. Lint has already rejected malformed durations."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        return default
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def env_name(parameter: str) -> str:
    return parameter.upper()


def _parameters(meta: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for name, spec in sorted((meta.get("parameters") or {}).items()):
        spec = spec or {}
        entry: dict[str, Any] = {
            "name": name,
            "env": env_name(name),
            "type": spec.get("type", "string"),
            "required": spec.get("required", "default" not in spec),
            "secret": bool(spec.get("secret", False)),
            "resource": bool(spec.get("resource", False)),
        }
        for key in ("description", "default", "enum"):
            if key in spec:
                entry[key] = spec[key]
        result.append(entry)
    return result


def _action(item: Any, action_id: str) -> dict[str, Any]:
    if isinstance(item, str):
        return {"id": action_id, "text": item, "kind": "manual", "confirm": True, "idempotent": False}
    entry: dict[str, Any] = {"id": action_id, "text": item.get("text", ""), "kind": "manual"}
    if item.get("command"):
        entry.update(
            kind="command",
            command=item["command"],
            shell=item.get("shell", DEFAULT_SHELL),
            timeout_seconds=duration_seconds(item.get("timeout")),
        )
    entry["confirm"] = bool(item.get("confirm", False)) or entry["kind"] == "manual"
    entry["idempotent"] = bool(item.get("idempotent", False))
    return entry


def _probe(block: CodeBlock, probe_id: str) -> dict[str, Any]:
    return {
        "id": probe_id,
        "command": block.code.rstrip("\n"),
        "shell": block.shell,
        "timeout_seconds": duration_seconds(block.attributes.get("timeout"), 60),
    }


def _steps(doc: SopDocument) -> list[dict[str, Any]]:
    steps = []
    for step in doc.steps:
        command = step.command
        attrs = command.attributes if command else {}
        step_id = attrs.get("id") or f"step-{step.number}"
        idempotent = "idempotent" in attrs
        entry: dict[str, Any] = {
            "id": step_id,
            "number": step.number,
            "title": step.title,
            "description": step.description,
            "kind": "command" if command else "manual",
        }
        if command:
            entry["command"] = command.code.rstrip("\n")
            entry["shell"] = command.shell
            if attrs.get("workdir"):
                entry["workdir"] = attrs["workdir"]
            entry["timeout_seconds"] = duration_seconds(attrs.get("timeout"))
        entry["confirm"] = command is None or "confirm" in attrs
        entry["idempotent"] = idempotent
        entry["retries"] = int(attrs.get("retries") or 0) if idempotent and str(attrs.get("retries", "")).isdigit() else 0
        entry["verify"] = [_probe(p, f"{step_id}-verify-{i}") for i, p in enumerate(step.probes, start=1)]
        entry["line"] = step.position.line
        steps.append(entry)
    return steps


def _verification(doc: SopDocument) -> dict[str, Any]:
    section = doc.section("verification")
    if section is None:
        return {"checks": [], "probes": []}
    checks = [{"id": f"verify-{i}", "text": text} for i, (_, text) in enumerate(section.items, start=1)]
    probes = [_probe(b, f"verify-probe-{i}") for i, b in enumerate((b for b in section.blocks if b.is_shell), start=1)]
    return {"checks": checks, "probes": probes}


def build_manifest(doc: SopDocument) -> dict[str, Any]:
    """The manifest of a parsed SOP. Call only for SOPs without lint errors."""
    meta = doc.meta or {}
    rollback = meta.get("rollback")
    if isinstance(rollback, dict):
        rollback_entry: dict[str, Any] = {"sop": {"id": rollback["sop"], "manifest": f"{rollback['sop']}.json"}}
    else:
        rollback_entry = {"steps": [_action(item, f"rollback-{i}") for i, item in enumerate(rollback or [], start=1)]}
    return {
        "format": FORMAT,
        "sop": {
            "id": meta["id"],
            "title": meta["title"],
            "version": meta.get("version"),
            "owner": meta["owner"],
            "status": meta.get("status", "draft"),
            "risk": meta.get("risk"),
            "execution_roles": list(meta.get("execution_roles") or []),
            "approvers": list(meta.get("approvers") or []),
        },
        "source": {"path": doc.display_path, "sha256": doc.sha256},
        "defaults": {"shell": DEFAULT_SHELL, "timeout_seconds": DEFAULT_TIMEOUT_SECONDS},
        "parameters": _parameters(meta),
        "preconditions": [_action(item, f"pre-{i}") for i, item in enumerate(meta.get("preconditions") or [], start=1)],
        "steps": _steps(doc),
        "rollback": rollback_entry,
        "verification": _verification(doc),
    }


def merge_specs(*parameter_lists: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One spec per name across the SOP and its rollback SOP; secret if either says so."""
    merged: dict[str, dict[str, Any]] = {}
    for entries in parameter_lists:
        for entry in entries:
            known = merged.get(entry["name"])
            if known is None:
                merged[entry["name"]] = dict(entry)
            elif entry["secret"]:
                known["secret"] = True
    return merged


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
