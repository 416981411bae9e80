"""Manifest -> Argo Workflows `WorkflowTemplate` (argoproj.io/v1alpha1).

The mapping (docs/manifest.md has the full table):

- The template is named `sop-<id>`; its entrypoint `main` is a `steps` template that
  runs, one after the other: the preconditions, each step followed by its verification
  probes, then the verification section (probes, then manual checks).
- A command becomes a `script` template (`--argo-image`, default `bash:5.2`) that runs
  with `bash -e -o pipefail` (or `sh -e`), like `sopdocs run`. Its time limit is
  `activeDeadlineSeconds`; an idempotent step with `retries=N` gets
  `retryStrategy.limit: "N"` (no other template is ever retried).
- A manual step, a manual precondition or check, and the confirmation in front of a
  `confirm` command are `suspend` templates: a human resumes the workflow
  (`argo resume`, or the UI) to confirm. Who may resume is Kubernetes RBAC.
- Parameters become workflow arguments and reach commands only as environment
  variables (`env: [{name: DATABASE, value: "{{workflow.parameters.database}}"}]`);
  the script text never contains an expression. A secret parameter is not an argument:
  its variable comes from the Kubernetes Secret `sop-<id>-secrets`, key = parameter
  name (`valueFrom.secretKeyRef`), so its value is never in the workflow.
- The run lock is a workflow-level mutex `sop-<id>`, extended with the value of each
  `resource` parameter (`sop-<id>-{{workflow.parameters.database}}`). It is written as
  `synchronization.mutexes` (a list), which needs Argo Workflows 3.6 or later; for older
  controllers `argo_version="3.5"` writes the singular `synchronization.mutex` instead.
- The rollback is the exit handler (`spec.onExit`); each of its steps runs only
  `when: "{{workflow.status}} != Succeeded"`. When the rollback is another SOP, the
  exit handler runs that SOP's `main` template through `templateRef` (the other
  SOP's WorkflowTemplate must be installed in the same namespace); parameters it needs
  and this SOP lacks are added to this template's arguments.
"""

from __future__ import annotations

import re
from typing import Any

from sopdocs.export.engines import CompileError, refuse_expressions

API_VERSION = "argoproj.io/v1alpha1"
DEFAULT_IMAGE = "bash:5.2"
# Argo Workflows versions whose lock syntax differs: 3.6 added `synchronization.mutexes`
# (and deprecated the singular `mutex`, which 3.7 removed).
ARGO_VERSIONS = ("3.5", "3.6")
DEFAULT_ARGO_VERSION = "3.6"
ENTRYPOINT = "main"
EXIT_HANDLER = "exit-handler"
ON_FAILURE = "{{workflow.status}} != Succeeded"
RETRY_BACKOFF = "10s"
SHELLS = {"bash": ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail"], "sh": ["sh", "-e"]}
WORKDIR_ENV = "SOP_WORKDIR"
_GENERATED = re.compile(r"\{\{(?:workflow\.parameters\.[a-z][a-z0-9_]*|workflow\.status)\}\}")


def template_name(sop_id: str) -> str:
    return f"sop-{sop_id}"


def secret_name(sop_id: str) -> str:
    return f"sop-{sop_id}-secrets"


def _parameter(name: str) -> str:
    return "{{workflow.parameters." + name + "}}"


def mutex_name(manifest: dict[str, Any]) -> str:
    resources = [p["name"] for p in manifest["parameters"] if p["resource"] and not p["secret"]]
    return "-".join([f"sop-{manifest['sop']['id']}", *(_parameter(name) for name in resources)])


def _text(value: Any) -> str:
    """Argo parameters are strings: true/false in lower case, numbers in decimal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _argument(entry: dict[str, Any], note: str | None = None) -> dict[str, Any]:
    argument: dict[str, Any] = {"name": entry["name"]}
    if "default" in entry:
        argument["value"] = _text(entry["default"])
    elif not entry["required"]:
        argument["value"] = ""
    if "enum" in entry:
        argument["enum"] = [_text(v) for v in entry["enum"]]
    description = " ".join(x for x in (entry.get("description"), note) if x)
    if description:
        argument["description"] = description
    return argument


class _Builder:
    def __init__(self, manifest: dict[str, Any], image: str) -> None:
        self.manifest = manifest
        self.sop_id = manifest["sop"]["id"]
        self.image = image
        self.templates: list[dict[str, Any]] = []
        self.names: set[str] = {ENTRYPOINT, EXIT_HANDLER}

    def _add(self, template: dict[str, Any]) -> str:
        name = template["name"]
        if name in self.names:
            raise CompileError(f"two templates would be named `{name}`; give the step another `id=`")
        self.names.add(name)
        self.templates.append(template)
        return name

    def env(self, workdir: str | None = None) -> list[dict[str, Any]]:
        env: list[dict[str, Any]] = []
        for entry in self.manifest["parameters"]:
            if entry["secret"]:
                ref = {"name": secret_name(self.sop_id), "key": entry["name"]}
                if not entry["required"]:
                    ref["optional"] = True
                env.append({"name": entry["env"], "valueFrom": {"secretKeyRef": ref}})
            else:
                env.append({"name": entry["env"], "value": _parameter(entry["name"])})
        if workdir is not None:
            env.append({"name": WORKDIR_ENV, "value": workdir})
        return env

    def suspend(self, name: str, title: str) -> str:
        return self._add({"name": name, "metadata": {"annotations": {"sopdocs.dev/title": title}}, "suspend": {}})

    def script(self, name: str, title: str, unit: dict[str, Any], retries: int = 0) -> str:
        source = unit["command"]
        workdir = unit.get("workdir")
        if workdir is not None:
            # A relative workingDir is refused by container runtimes; cd in the script,
            # with the directory from the environment (never pasted into the text).
            source = f'cd -- "${WORKDIR_ENV}"\n' + source
        template: dict[str, Any] = {
            "name": name,
            "metadata": {"annotations": {"sopdocs.dev/title": title}},
            "activeDeadlineSeconds": str(unit["timeout_seconds"]),
        }
        if retries:
            template["retryStrategy"] = {
                "limit": str(retries),
                "retryPolicy": "OnFailure",
                "backoff": {"duration": RETRY_BACKOFF},
            }
        template["script"] = {
            "image": self.image,
            "command": list(SHELLS[unit["shell"]]),
            "env": self.env(workdir),
            "source": source,
        }
        return self._add(template)

    def action(self, action: dict[str, Any]) -> list[str]:
        """A precondition or rollback entry -> the templates that run it, in order."""
        if action["kind"] == "manual":
            return [self.suspend(action["id"], action["text"])]
        names = [self.suspend(f"{action['id']}-confirm", f"Confirm: {action['text']}")] if action["confirm"] else []
        return names + [self.script(action["id"], action["text"], action)]

    def step(self, step: dict[str, Any]) -> list[str]:
        title = f"{step['number']}. {step['title']}"
        if step["kind"] == "manual":
            return [self.suspend(step["id"], title)]
        names = [self.suspend(f"{step['id']}-confirm", f"Confirm: {title}")] if step["confirm"] else []
        names.append(self.script(step["id"], title, step, retries=step["retries"] if step["idempotent"] else 0))
        names += [self.script(probe["id"], f"Verify: {title}", probe) for probe in step["verify"]]
        return names


def _sequence(names: list[str], when: str | None = None) -> list[list[dict[str, Any]]]:
    steps = []
    for name in names:
        entry: dict[str, Any] = {"name": name, "template": name}
        if when:
            entry["when"] = when
        steps.append([entry])
    return steps


def compile_workflow_template(
    manifest: dict[str, Any],
    *,
    image: str = DEFAULT_IMAGE,
    rollback_manifest: dict[str, Any] | None = None,
    argo_version: str = DEFAULT_ARGO_VERSION,
) -> dict[str, Any]:
    """The WorkflowTemplate of one SOP (for Argo Workflows `argo_version` or later). `rollback_manifest`: the manifest of the SOP
    named by `rollback: {sop: ...}` (its parameters join this template's arguments)."""
    sop = manifest["sop"]
    builder = _Builder(manifest, image)

    main: list[str] = []
    for action in manifest["preconditions"]:
        main += builder.action(action)
    for step in manifest["steps"]:
        main += builder.step(step)
    verification = manifest["verification"]
    for probe in verification["probes"]:
        main.append(builder.script(probe["id"], "Verification", probe))
    for check in verification["checks"]:
        main.append(builder.suspend(check["id"], f"Check: {check['text']}"))

    arguments = [_argument(p) for p in manifest["parameters"] if not p["secret"]]
    rollback = manifest["rollback"]
    if "sop" in rollback:
        other = rollback["sop"]["id"]
        exit_steps = [
            [{"name": "rollback", "templateRef": {"name": template_name(other), "template": ENTRYPOINT}, "when": ON_FAILURE}]
        ]
        known = {p["name"] for p in manifest["parameters"]}
        for entry in (rollback_manifest or {}).get("parameters", []):
            if entry["name"] not in known and not entry["secret"]:
                arguments.append(_argument(entry, f"(for the rollback SOP {other})"))
    else:
        names: list[str] = []
        for action in rollback["steps"]:
            names += builder.action(action)
        exit_steps = _sequence(names, ON_FAILURE)

    annotations = {
        "sopdocs.dev/id": sop["id"],
        "sopdocs.dev/title": sop["title"],
        "sopdocs.dev/owner": sop["owner"],
        "sopdocs.dev/status": sop["status"],
    }
    for key in ("version", "risk"):
        if sop.get(key) is not None:
            annotations[f"sopdocs.dev/{key}"] = sop[key]
    if sop["execution_roles"]:
        annotations["sopdocs.dev/execution-roles"] = ", ".join(sop["execution_roles"])
    if sop["approvers"]:
        annotations["sopdocs.dev/approvers"] = ", ".join(sop["approvers"])
    annotations["sopdocs.dev/source"] = manifest["source"]["path"]
    annotations["sopdocs.dev/source-sha256"] = manifest["source"]["sha256"]
    annotations["workflows.argoproj.io/description"] = sop["title"]

    spec: dict[str, Any] = {"entrypoint": ENTRYPOINT, "onExit": EXIT_HANDLER}
    if arguments:
        spec["arguments"] = {"parameters": arguments}
    if argo_version not in ARGO_VERSIONS:
        raise ValueError(f"unknown Argo version {argo_version!r}; known: {', '.join(ARGO_VERSIONS)}")
    if argo_version == "3.5":
        spec["synchronization"] = {"mutex": {"name": mutex_name(manifest)}}
    else:
        spec["synchronization"] = {"mutexes": [{"name": mutex_name(manifest)}]}
    spec["templates"] = [
        {"name": ENTRYPOINT, "steps": _sequence(main)},
        {"name": EXIT_HANDLER, "steps": exit_steps},
        *builder.templates,
    ]
    document = {
        "apiVersion": API_VERSION,
        "kind": "WorkflowTemplate",
        "metadata": {
            "name": template_name(sop["id"]),
            "labels": {"app.kubernetes.io/managed-by": "sopdocs"},
            "annotations": annotations,
        },
        "spec": spec,
    }
    refuse_expressions(document, "{{", _GENERATED, "Argo Workflows")
    return document
