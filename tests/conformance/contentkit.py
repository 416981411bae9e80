"""Every SOP of content/ run by the local runner and by its GitHub workflow under act,
with recording stand-ins for the tools the SOPs call (`stubs/stub.py`).

The stand-ins log each call (tool and arguments) and answer from a few rules per SOP
(`content_stubs.yaml`: just enough output for the preconditions to pass); every other
call prints nothing and succeeds. `sleep` does nothing, so waiting loops run at once.
The same rules go to both executors; what the SOP's commands then do with the answers
is the SOP's business, and both executors must make the same calls, in the same order.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from conformkit import HERE
from executors import ACTOR, LocalRunner, act_run, workflow_result
from helpers import REPO, runner_env, sopdocs_command

CONTENT = REPO / "content"
STUB = HERE / "stubs" / "stub.py"
# The tools content/ calls that reach outside this machine (clusters, clouds,
# databases, registries, TLS endpoints): each gets a recording stand-in.
TOOLS = ("kubectl", "aws", "psql", "gh", "argocd", "terraform", "pluto", "crane", "curl", "openssl")
DATA = HERE / "content_stubs.yaml"


def content_ids() -> list[str]:
    return sorted(p.stem for p in CONTENT.glob("*.md"))


@functools.cache
def scenarios() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def stub_bin(directory: Path) -> Path:
    """A directory of stand-ins to put first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        path = directory / tool
        path.write_text(f'#!/bin/bash\nSTUB_T0=$EPOCHREALTIME exec "{sys.executable}" "{STUB}" {tool} "$@"\n', encoding="utf-8")
        path.chmod(0o755)
    sleep = directory / "sleep"
    sleep.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    sleep.chmod(0o755)
    return directory


def parameters(manifest: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain, secret) values: the scenario's, else a value of the parameter's type for
    every required one."""
    plain: dict[str, str] = {}
    secret: dict[str, str] = {}
    for p in manifest["parameters"]:
        if p["name"] in given:
            value = str(given[p["name"]])
        elif not p["required"]:
            continue
        elif "enum" in p:
            value = str(p["enum"][0])
        else:
            value = {"integer": "1", "boolean": "true"}.get(p["type"], f"t-{p['name'].replace('_', '-')}")
        (secret if p["secret"] else plain)[p["name"]] = value
    return plain, secret


@dataclass
class Seen:
    result: str
    calls: list[list[str]]
    ran: list[str]  # what ran: rollback items (runner) or jobs (act)
    seconds: float
    detail: str
    forced: bool = False  # the call made to fail was made (the first "once" rule was used)


# What differs from run to run: times the commands compute (`date +%s`, ISO times), and
# names mktemp makes up.
_VARYING = re.compile(r"\b\d{10}(?:\d\d)?\b|\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?Z|\btmp\.[A-Za-z0-9]{10}\b")


def _calls(log: Path) -> list[list[str]]:
    """The calls in the order they ran; calls that overlapped in time (the parts of one
    pipeline) sorted among themselves, and what varies from run to run (:data:`_VARYING`)
    written as <varies>, so that two runs of the same SOP give the same list."""
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    entries.sort(key=lambda e: e["start"])
    groups: list[list[dict[str, Any]]] = []
    end = None
    for entry in entries:
        if groups and end is not None and entry["start"] < end:
            groups[-1].append(entry)
            end = max(end, entry["end"])
        else:
            groups.append([entry])
            end = entry["end"]
    calls = []
    for group in groups:
        calls += sorted([_VARYING.sub("<varies>", arg) for arg in e["call"]] for e in group)
    return calls


def _stub_env(work: Path, rules: list[dict[str, Any]]) -> dict[str, str]:
    (work / "stub-state").mkdir(parents=True)
    rules_file = work / "rules.json"
    rules_file.write_text(json.dumps(rules), encoding="utf-8")
    return {"STUB_LOG": str(work / "calls.jsonl"), "STUB_RULES": str(rules_file), "STUB_STATE": str(work / "stub-state")}


def confirmations(manifest: dict[str, Any], rollback_manifest: dict[str, Any] | None) -> list[str]:
    """Every id a human could be asked to confirm: all given in advance."""
    ids = [u["id"] for u in [*manifest["preconditions"], *manifest["steps"], *manifest["rollback"].get("steps", [])]]
    ids += [c["id"] for c in manifest["verification"]["checks"]]
    if rollback_manifest:
        other = rollback_manifest["sop"]["id"]
        ids += [f"{other}/{u['id']}" for u in [*rollback_manifest["preconditions"], *rollback_manifest["steps"]]]
    return ids


def run_runner(sop_id: str, manifests: Path, work: Path, rules: list[dict[str, Any]], given: dict[str, Any]) -> Seen:
    manifest = json.loads((manifests / f"{sop_id}.json").read_text(encoding="utf-8"))
    other = manifest["rollback"].get("sop", {}).get("id")
    rollback_manifest = json.loads((manifests / f"{other}.json").read_text(encoding="utf-8")) if other else None
    project = work / "project"
    shutil.copytree(CONTENT, project / "content")
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["sopdocs"]
    (project / "sopdocs.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    plain, secret = parameters(manifest, given)
    if rollback_manifest:
        more_plain, more_secret = parameters(rollback_manifest, given)
        plain, secret = {**more_plain, **plain}, {**more_secret, **secret}
    argv = [*sopdocs_command(), "run", sop_id, "--actor", ACTOR, "--yes", "--kill-grace", "0.5", "--audit", str(work / "trail.jsonl")]
    roles = [r for r in manifest["sop"]["execution_roles"] if not rollback_manifest or r in rollback_manifest["sop"]["execution_roles"]]
    if roles:
        argv += ["--role", roles[0]]
    for item in confirmations(manifest, rollback_manifest):
        argv += ["--confirm", item]
    for name, value in plain.items():
        argv += ["--param", f"{name}={value}"]
    env = _stub_env(work, rules)
    env.update({f"SOP_PARAM_{k.upper()}": v for k, v in secret.items()})
    path = f"{stub_bin(work / 'bin')}:{runner_env()['PATH']}"
    started = time.monotonic()
    proc = subprocess.run(
        argv, cwd=project, env=runner_env({**env, "PATH": path}), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    records = [json.loads(line) for line in (work / "trail.jsonl").read_text(encoding="utf-8").splitlines()]
    ran = [r["item"] for r in records if r["event"] == "rollback.start"]
    result = LocalRunner.EXIT_RESULTS.get(proc.returncode, f"exit {proc.returncode}")
    detail = f"exit {proc.returncode}: {proc.stderr[-1500:]}"
    return Seen(result, _calls(work / "calls.jsonl"), ran, seconds, detail, (work / "stub-state" / "rule-0").exists())


def run_act(sop_id: str, manifests: Path, workflows: Path, work: Path, rules: list[dict[str, Any]], given: dict[str, Any]) -> Seen:
    manifest = json.loads((manifests / f"{sop_id}.json").read_text(encoding="utf-8"))
    other = manifest["rollback"].get("sop", {}).get("id")
    plain, secret = parameters(manifest, given)
    if other:
        rollback_manifest = json.loads((manifests / f"{other}.json").read_text(encoding="utf-8"))
        more_plain, more_secret = parameters(rollback_manifest, given)
        plain, secret = {**more_plain, **plain}, {**more_secret, **secret}
    workflow_path = workflows / f"{sop_id}.yml"
    workflow = yaml.safe_load(workflow_path.read_text(encoding="utf-8"))
    env = _stub_env(work, rules)
    ran = act_run(
        workflow_path,
        work,
        inputs=plain,
        secrets={f"SOP_{k.upper()}": v for k, v in secret.items()},
        env=env,
        path_prefix=stub_bin(work / "bin"),
        extra_workflows=[workflows / f"{other}.yml"] if other else [],
    )
    result = workflow_result(ran.jobs, workflow)
    detail = f"jobs {ran.jobs}: {ran.output[-3000:]}"
    return Seen(result, _calls(work / "calls.jsonl"), list(ran.jobs), ran.seconds, detail, (work / "stub-state" / "rule-0").exists())
