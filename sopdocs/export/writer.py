"""Export SOPs: one step manifest, Argo WorkflowTemplate, GitHub workflow or Ansible
playbook per SOP.

The core of `sopdocs export` (no click here). SOPs are linted first, with the catalog;
an SOP with an error-level finding is not exported, and the findings say why. Output
is deterministic: the same SOP files and options give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdocs.core.config import Config
from sopdocs.core.discover import discover
from sopdocs.core.files import atomic_write
from sopdocs.core.model import SopDocument
from sopdocs.core.parser import parse_files
from sopdocs.core.progress import Progress
from sopdocs.export.engines import CompileError, ansible, argo, dump_yaml, github_actions
from sopdocs.export.manifest import build_manifest, dumps
from sopdocs.lint.engine import Finding, blocks_execution
from sopdocs.lint.files import lint_paths

TARGETS = {"manifest": ".json", "argo": ".yaml", "github-actions": ".yml", "ansible": ".yml"}


class ManifestInvalid(Exception):
    """A built manifest does not match the manifest schema: a bug in sopdocs."""


@dataclass(frozen=True)
class Refusal:
    """An SOP that was not exported: its lint errors, or why the target cannot express it."""

    path: str
    findings: tuple[Finding, ...] = ()
    reason: str = ""

    def lines(self) -> list[str]:
        out = [f.describe() for f in self.findings]
        if self.findings:
            count = len(self.findings)
            out.append(f"{self.path}: not exported: {count} lint error{'s' if count != 1 else ''}")
        else:
            out.append(f"{self.path}: not exported: {self.reason}")
        return out


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    # The approval environments the written GitHub workflows wait in, sorted.
    gates: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0


@dataclass(frozen=True)
class EngineOptions:
    argo_image: str = argo.DEFAULT_IMAGE
    runs_on: str = github_actions.DEFAULT_RUNS_ON
    workflows_dir: str = github_actions.WORKFLOWS_DIR
    argo_version: str = argo.DEFAULT_ARGO_VERSION
    # GITHUB_TOKEN scopes of every workflow (an SOP's `export.github.permissions` adds to them).
    permissions: tuple[tuple[str, str], ...] = tuple(github_actions.DEFAULT_PERMISSIONS.items())
    # action -> "<sha> # <tag>" (github_actions.parse_pin)
    pins: tuple[tuple[str, str], ...] = ()
    # `queue: max` in the run lock; False for engines that refuse the key (act 0.2.89).
    concurrency_queue: bool = True


def sop_permissions(options: EngineOptions, export: Any, where: str) -> dict[str, str]:
    """The workflow's permissions: the options', then the SOP's `export.github.permissions`."""
    declared = dict(options.permissions)
    github = export.get("github") if isinstance(export, dict) else None
    if isinstance(github, dict) and "permissions" in github:
        declared.update(github_actions.check_permissions(github["permissions"], f"{where} export.github.permissions"))
    return github_actions.check_permissions(declared, where)


def validate_manifest(manifest: dict[str, Any], where: str) -> None:
    from sopdocs.core.schema import is_valid, validator

    if is_valid(manifest, "manifest"):  # jsonschema-rs when installed; messages come from jsonschema
        return
    errors = sorted(validator("manifest").iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "top level"
        raise ManifestInvalid(f"{where}: the manifest does not match schema/manifest.schema.json at {location}: {first.message}")


def manifest_of(doc: SopDocument) -> dict[str, Any]:
    manifest = build_manifest(doc)
    validate_manifest(manifest, doc.display_path)
    return manifest


def render(
    manifest: dict[str, Any],
    target: str,
    options: EngineOptions,
    rollback: dict[str, Any] | None = None,
    export: Any = None,
    gates: set[str] | None = None,
) -> str:
    """The file text of one SOP for a target. Raises CompileError. `export`: the SOP's
    `export` front matter; `gates` collects the approval environments a workflow names."""
    if target == "manifest":
        return dumps(manifest)
    source = manifest["source"]
    sop_id = manifest["sop"]["id"]
    origin = f"from {source['path']} (sha256 {source['sha256']})."
    if target == "argo":
        document = argo.compile_workflow_template(
            manifest, image=options.argo_image, rollback_manifest=rollback, argo_version=options.argo_version
        )
        secrets = [p["env"] for p in manifest["parameters"] if p["secret"]]
        header = [
            f"Generated by `sopdocs export --target argo` {origin}",
            "Do not edit: change the SOP and export again. The mapping is in sopdocs' docs/manifest.md.",
            f"Commands run in the image {options.argo_image}; it must provide every tool they call.",
            "Needs Argo Workflows 3.6 or later (synchronization.mutexes)."
            if options.argo_version == "3.6"
            else "Written for Argo Workflows 3.5 (synchronization.mutex, removed in 3.7).",
        ]
        if secrets:
            header.append(
                f"Secret parameters come from the Secret {argo.secret_name(sop_id)} (keys: {', '.join(p.lower() for p in secrets)})."
            )
        return dump_yaml(document, header)
    if target == "github-actions":
        pins = dict(options.pins)
        document = github_actions.compile_workflow(
            manifest,
            runs_on=options.runs_on,
            rollback_manifest=rollback,
            workflows_dir=options.workflows_dir,
            permissions=sop_permissions(options, export, source["path"]),
            pins=pins,
            concurrency_queue=options.concurrency_queue,
        )
        roles = ", ".join(manifest["sop"]["execution_roles"]) or "the SOP's owners"
        header = [
            f"Generated by `sopdocs export --target github-actions` {origin}",
            "Do not edit: change the SOP and export again. The mapping is in sopdocs' docs/manifest.md.",
        ]
        environment = github_actions.environment_name(sop_id)
        if any(job.get("environment") == environment for job in document["jobs"].values()):
            header.append(
                f"Approvals: jobs wait only if the environment {environment} has required reviewers ({roles}); "
                "GitHub creates it unprotected."
            )
            if gates is not None:
                gates.add(environment)
        secrets = [github_actions.secret_name(p) for p in manifest["parameters"] if p["secret"]]
        if secrets:
            header.append(f"Secrets it reads (repository or organization secrets): {', '.join(secrets)}.")
        if not options.concurrency_queue:
            header.append(
                "Written without concurrency.queue (--no-concurrency-queue): a run waits for the one before it on the same "
                "resource, but a newer waiting run cancels an older waiting one."
            )
        return github_actions.pin_comments(dump_yaml(document, header), pins)
    if target == "ansible":
        return ansible.render(manifest, rollback)
    raise ValueError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")


def _errors_by_path(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    errors: dict[str, list[Finding]] = {}
    for finding in findings:
        if blocks_execution(finding):
            errors.setdefault(finding.path, []).append(finding)
    return errors


class _Rollbacks:
    """Manifests of the SOPs named by `rollback: {sop: ...}`, for the engine targets."""

    def __init__(
        self, clean: dict[str, dict[str, Any]], refused_ids: dict[str, str], config: Config, today: dt.date, cwd: Path
    ) -> None:
        self.clean = clean
        self.refused_ids = refused_ids
        self.config = config
        self.today = today
        self.cwd = cwd

    def get(self, sop_id: str) -> dict[str, Any]:
        if sop_id in self.clean:
            return self.clean[sop_id]
        if sop_id in self.refused_ids:
            raise CompileError(f"its rollback SOP {sop_id} ({self.refused_ids[sop_id]}) has lint errors")
        roots = [self.config.root / p for p in self.config.paths if (self.config.root / p).exists()]
        for doc in parse_files(discover(roots, self.config, self.cwd), self.config, self.cwd):
            if doc.sop_id != sop_id:
                continue
            result = lint_paths([doc.path], self.config, self.today, cwd=self.cwd)
            if any(f.severity == "error" for f in result.findings if f.path == doc.display_path):
                raise CompileError(f"its rollback SOP {sop_id} ({doc.display_path}) has lint errors")
            self.clean[sop_id] = manifest_of(result.documents[0])
            return self.clean[sop_id]
        raise CompileError(f"its rollback SOP {sop_id} is not in the catalog")


def export_paths(
    paths: Iterable[str | Path] | None,
    config: Config,
    today: dt.date,
    out_dir: Path,
    target: str = "manifest",
    *,
    cwd: Path | None = None,
    options: EngineOptions | None = None,
) -> ExportResult:
    """Lint the SOPs under `paths` (default: the config's paths) and write one file per
    lint-clean SOP into `out_dir`: `<id>.json` (manifest), `<id>.yaml` (argo) or
    `<id>.yml` (github-actions, ansible). Raises lint.UsageError for bad paths."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")
    cwd = cwd or Path.cwd()
    options = options or EngineOptions()
    linted = lint_paths(paths, config, today, cwd=cwd)
    errors = _errors_by_path(linted.findings)

    result = ExportResult()
    manifests: dict[str, dict[str, Any]] = {}
    exports: dict[str, Any] = {}
    gates: set[str] = set()
    refused_ids: dict[str, str] = {}
    for doc in linted.documents:
        if doc.display_path in errors:
            result.refused.append(Refusal(doc.display_path, tuple(errors[doc.display_path])))
            if doc.sop_id:
                refused_ids[doc.sop_id] = doc.display_path
            continue
        manifests[doc.display_path] = manifest_of(doc)
        exports[doc.display_path] = (doc.meta or {}).get("export")

    rollbacks = _Rollbacks({m["sop"]["id"]: m for m in manifests.values()}, refused_ids, config, today, cwd)
    texts: list[tuple[Path, str]] = []
    with Progress("exporting", len(manifests)) as progress:  # a line on a terminal, for large catalogs
        for where, manifest in manifests.items():
            progress.advance()
            rollback = None
            try:
                if target != "manifest" and "sop" in manifest["rollback"]:
                    rollback = rollbacks.get(manifest["rollback"]["sop"]["id"])
                text = render(manifest, target, options, rollback, exports[where], gates)
            except CompileError as exc:
                result.refused.append(Refusal(where, reason=f"cannot compile to {target}: {exc}"))
                continue
            texts.append((out_dir / f"{manifest['sop']['id']}{TARGETS[target]}", text))

    if texts:
        out_dir.mkdir(parents=True, exist_ok=True)
    for path, text in texts:
        atomic_write(path, text)
        result.written.append(path)
    result.refused.sort(key=lambda r: r.path)
    result.gates = sorted(gates)
    return result
