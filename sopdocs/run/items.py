"""The runner's view of a manifest: one flat list of items per phase, each knowing what
it runs and who must confirm it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRECONDITION, STEP, VERIFICATION, ROLLBACK = "precondition", "step", "verification", "rollback"
# kind: "command" changes something and is confirmed before it runs; "probe" only
# checks and runs without asking; "manual" is done by a human, who confirms it.
COMMAND, PROBE, MANUAL = "command", "probe", "manual"


@dataclass(frozen=True)
class Item:
    id: str
    phase: str
    label: str  # "step 2/5", "precondition 1/2", "rollback 1/3"
    title: str
    kind: str
    human: bool  # needs a human's confirmation: `--yes` never gives it
    command: str | None = None
    shell: str = "bash"
    timeout: int = 600
    workdir: str | None = None
    retries: int = 0
    verify: tuple[dict[str, Any], ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        return self.human or self.kind == COMMAND


def _numbered(entries: list[dict[str, Any]], phase: str, prefix: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    total = len(entries)
    return [(prefix + entry["id"], f"{phase} {i}/{total}", entry) for i, entry in enumerate(entries, start=1)]


def _item(entry: dict[str, Any], item_id: str, phase: str, label: str, command_kind: str) -> Item:
    """An item from a manifest step or action (precondition, rollback action).
    ``command_kind``: COMMAND when its command changes something, PROBE for a check."""
    title = entry["title"] if "title" in entry else entry["text"]
    if entry["kind"] == "manual":
        return Item(item_id, phase, label, title, MANUAL, human=True)
    return Item(
        item_id,
        phase,
        label,
        title,
        command_kind,
        human=bool(entry["confirm"]),
        command=entry["command"],
        shell=entry["shell"],
        timeout=entry["timeout_seconds"],
        workdir=entry.get("workdir"),
        retries=entry.get("retries", 0) if entry["idempotent"] else 0,
        verify=tuple(entry.get("verify", ())),
    )


def preconditions(manifest: dict[str, Any]) -> list[Item]:
    return [_item(e, i, PRECONDITION, label, PROBE) for i, label, e in _numbered(manifest["preconditions"], PRECONDITION)]


def steps(manifest: dict[str, Any]) -> list[Item]:
    return [_item(e, i, STEP, label, COMMAND) for i, label, e in _numbered(manifest["steps"], STEP)]


def verification(manifest: dict[str, Any]) -> list[Item]:
    section = manifest["verification"]
    checks = [
        Item(c["id"], VERIFICATION, f"check {n}/{len(section['checks'])}", c["text"], MANUAL, human=True)
        for n, c in enumerate(section["checks"], start=1)
    ]
    probes = [
        Item(
            p["id"],
            VERIFICATION,
            f"probe {n}/{len(section['probes'])}",
            f"verification probe {n}",
            PROBE,
            human=False,
            command=p["command"],
            shell=p["shell"],
            timeout=p["timeout_seconds"],
        )
        for n, p in enumerate(section["probes"], start=1)
    ]
    return probes + checks


def rollback(manifest: dict[str, Any], rollback_manifest: dict[str, Any] | None) -> list[Item]:
    """The rollback actions, in the order they run: as listed in the SOP, or the
    preconditions and steps of the rollback SOP (ids prefixed with its id)."""
    if rollback_manifest is None:
        return [_item(e, i, ROLLBACK, label, COMMAND) for i, label, e in _numbered(manifest["rollback"]["steps"], ROLLBACK)]
    prefix = rollback_manifest["sop"]["id"] + "/"
    entries = rollback_manifest["preconditions"] + rollback_manifest["steps"]
    # The rollback SOP's preconditions stay checks; its steps change things.
    return [
        _item(entry, item_id, ROLLBACK, label, COMMAND if "number" in entry else PROBE)
        for item_id, label, entry in _numbered(entries, ROLLBACK, prefix)
    ]
