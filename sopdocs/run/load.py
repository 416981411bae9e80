"""What to run: a manifest file, an SOP file, or an SOP id looked up in the catalog.

An SOP is linted first (with the catalog, so references are checked) and refused when
it has lint errors; a manifest is checked against the manifest schema. When the
rollback is another SOP (`rollback: {sop: ID}`), that SOP is loaded the same way now,
so a run never starts with a rollback it cannot perform.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.core.config import Config
from sopdocs.core.environment import reserved
from sopdocs.errors import UsageError

_SOP_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class LoadError(UsageError):
    """The target cannot be run as given: a usage error (exit 2)."""


@dataclass
class Procedure:
    manifest: dict[str, Any]
    path: Path  # the file that was given or found
    kind: str  # "manifest" | "sop"
    file_sha256: str  # of that file (for an SOP, the same as manifest.source.sha256)
    rollback_sop: Procedure | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def sop_id(self) -> str:
        return self.manifest["sop"]["id"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest_file(path: Path) -> Procedure:
    from sopdocs.core.schema import validator

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path}: not a JSON manifest: {exc}") from None
    errors = sorted(validator("manifest").iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "top level"
        raise LoadError(f"{path}: not a valid sopdocs manifest (at {where}: {first.message}); see `sopdocs schema manifest`")
    return Procedure(manifest=data, path=path, kind="manifest", file_sha256=_sha256(path))


def _catalog(config: Config, cwd: Path):
    from sopdocs.core.discover import discover
    from sopdocs.core.parser import parse_files

    roots = [config.root / p for p in config.paths if (config.root / p).exists()]
    return parse_files(discover(roots, config, cwd), config, cwd) if roots else []


def _find_sop(sop_id: str, config: Config, cwd: Path) -> Path:
    matches = [doc.path for doc in _catalog(config, cwd) if doc.sop_id == sop_id]
    if not matches:
        where = ", ".join(config.paths)
        raise LoadError(f"no SOP with id {sop_id!r} under the config's paths ({where}); give a file path instead")
    if len(matches) > 1:
        raise LoadError(f"SOP id {sop_id!r} is used by several files: {', '.join(str(p) for p in matches)}")
    return matches[0]


def load_sop_file(path: Path, config: Config, today: dt.date, cwd: Path) -> Procedure:
    from sopdocs.export.manifest import build_manifest
    from sopdocs.lint.engine import blocks_execution
    from sopdocs.lint.files import lint_paths

    result = lint_paths([path], config, today, cwd=cwd)
    blocking = [f for f in result.findings if blocks_execution(f)]
    if blocking:
        lines = "\n".join(f.describe(severity=True) for f in blocking)
        raise LoadError(f"{path}: refusing to run an SOP with lint errors:\n{lines}")
    # What does not stop a run is a warning here, whatever its level in `sopdocs lint`.
    warnings = [dataclasses.replace(f, severity="warning") for f in result.findings]
    if config.require_current_review:
        gated = [f for f in result.findings if f.severity == "error"]
        if gated:
            lines = "\n".join(f.describe(severity=True) for f in gated)
            raise LoadError(f"{path}: refusing to run: its review is not current (`require_current_review` in the config):\n{lines}")
    doc = result.documents[0]
    warnings = [f.describe(severity=True) for f in warnings]
    return Procedure(manifest=build_manifest(doc), path=path, kind="sop", file_sha256=doc.sha256, warnings=warnings)


def load_target(target: str, config: Config, today: dt.date, cwd: Path) -> Procedure:
    path = Path(target)
    if not path.is_absolute():
        path = cwd / path
    if path.is_file():
        procedure = load_manifest_file(path) if path.suffix == ".json" else load_sop_file(path, config, today, cwd)
    elif path.suffix in (".json", ".md") or "/" in target:
        raise LoadError(f"{target}: no such file")
    elif _SOP_ID.match(target):
        procedure = load_sop_file(_find_sop(target, config, cwd), config, today, cwd)
    else:
        raise LoadError(f"{target}: not a manifest (.json), an SOP file (.md) or an SOP id")

    _refuse_reserved_parameters(procedure)
    rollback = procedure.manifest["rollback"]
    if "sop" in rollback:
        rollback_id = rollback["sop"]["id"]
        if procedure.kind == "manifest":
            beside = procedure.path.parent / rollback["sop"]["manifest"]
            if not beside.is_file():
                raise LoadError(
                    f"{procedure.path}: the rollback is SOP {rollback_id}, but its manifest {beside} does not exist; "
                    "export that SOP beside this manifest"
                )
            procedure.rollback_sop = load_manifest_file(beside)
        else:
            try:
                procedure.rollback_sop = load_sop_file(_find_sop(rollback_id, config, cwd), config, today, cwd)
            except LoadError as exc:
                raise LoadError(f"{procedure.path}: the rollback is SOP {rollback_id}, which cannot be run: {exc}") from None
        if procedure.rollback_sop.sop_id != rollback_id:
            raise LoadError(f"{procedure.rollback_sop.path}: expected the manifest of SOP {rollback_id}")
        _refuse_reserved_parameters(procedure.rollback_sop)
    return procedure


def _refuse_reserved_parameters(procedure: Procedure) -> None:
    """A manifest need not have been linted: its parameters' environment variables are
    checked here too (core/environment.py)."""
    for parameter in procedure.manifest["parameters"]:
        why = reserved(parameter["env"])
        if why:
            raise LoadError(
                f"{procedure.path}: refusing to run: parameter {parameter['name']!r} would set ${parameter['env']}, "
                f"and {why} (rule parameter-name-reserved)"
            )
