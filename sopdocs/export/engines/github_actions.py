"""Manifest -> GitHub Actions workflow (`workflow_dispatch`, also `workflow_call`).

The mapping (docs/manifest.md has the full table):

- Parameters become `workflow_dispatch` inputs (an `enum` is a `choice`), repeated as
  `workflow_call` inputs so another SOP's workflow can call this one as its rollback.
  Commands read them only from environment variables set on each step that runs a
  command (`env: {DATABASE: ${{ inputs.database }}}`); no expression is ever written
  into a `run:` script. Step-level, not workflow- or job-level: act (0.2.89) evaluates
  expressions again in the values of workflow and job `env`, so a value holding
  `${{ ... }}` would be expanded there (runners built on act's code may do the same).
  A secret parameter is not an input: steps that run commands get it from the
  repository or organization secret `SOP_<NAME>` (`${{ secrets.SOP_ADMIN_DSN }}`).
  Only jobs that name an environment see its secrets, and most jobs name none: each job
  that reads secrets first checks that every required one is set, and fails saying where
  to store it, rather than running commands with an empty value.
- Jobs run in order (each `needs` the one before): the preconditions, one job per
  step with its verification probes as further steps, then `verify` (the verification
  probes) and `verify-checks` (the manual checks).
- A human confirmation is a job gated by the environment `sop-<id>-approval`. The gate
  holds only when that environment has required reviewers: GitHub creates an environment
  a workflow names without protection, and the job then runs without waiting. The
  workflow can only name it; the reviewers are set in the repository settings. A manual step is such a job whose only step records the approval; a
  `confirm` command runs in the gated job after the approval.
- Every job and every step has `timeout-minutes` (GitHub counts whole minutes). GitHub
  has no retry: an idempotent step with `retries=N` runs in a bounded shell loop of
  N+1 attempts, each limited by `timeout`; an attempt is the command and then the
  step's `verify` probes, as in `sopdocs run`.
- The rollback is a chain of jobs that run `if: failure()` once every precondition has
  passed; when the rollback is another SOP, one job calls that SOP's workflow
  (`uses: ./.github/workflows/<id>.yml`).
- The run lock is `concurrency: {group: sop-<id>-<resource values>, cancel-in-progress:
  false, queue: max}`: runs on the same resource wait in order, none is cancelled.
  `concurrency_queue=False` leaves `queue` out, for engines that predate it (act 0.2.89
  refuses the key); there a third run replaces the pending second one.
"""

from __future__ import annotations

import re
from typing import Any

from sopdocs.export.engines import CompileError, ceil_minutes, refuse_expressions

DEFAULT_RUNS_ON = "ubuntu-latest"
WORKFLOWS_DIR = ".github/workflows"
# The current major of actions/checkout (Node 24 runtime); docs/manifest.md says why this one.
CHECKOUT = "actions/checkout@v6"
CHECKOUT_ACTION = CHECKOUT.split("@")[0]
# Every action an exported workflow uses: what `--pin` may name.
ACTIONS = (CHECKOUT_ACTION,)
DEFAULT_PERMISSIONS = {"contents": "read"}
# GitHub's permission scopes and the levels each takes (SchemaStore's workflow schema).
LEVELS = ("read", "write", "none")
PERMISSIONS = {
    name: LEVELS
    for name in (
        "actions", "artifact-metadata", "attestations", "checks", "code-quality", "contents", "deployments",
        "discussions", "id-token", "issues", "packages", "pages", "pull-requests", "repository-projects",
        "security-events", "statuses",
    )
} | {"models": ("read", "none")}
CHECKOUT_MINUTES = 5
MAX_INPUTS = 25  # GitHub's limit for workflow_dispatch inputs
RETRY_PAUSE_SECONDS = 10
KILL_AFTER_SECONDS = 10  # `timeout` sends KILL this long after TERM
SHELLS = {"bash": "bash", "sh": "sh"}  # GitHub runs them as `bash -eo pipefail` and `sh -e`
RETRY_SHELLS = {"bash": "bash --noprofile --norc -e -o pipefail -c", "sh": "sh -e -c"}
_GENERATED = re.compile(r"\$\{\{ (?:inputs\.[a-z][a-z0-9_]*|secrets\.SOP_[A-Z0-9_]+) \}\}")
_JOB_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def environment_name(sop_id: str) -> str:
    return f"sop-{sop_id}-approval"


def secret_name(entry: dict[str, Any]) -> str:
    return f"SOP_{entry['env']}"


def _input(name: str) -> str:
    return "${{ inputs." + name + " }}"


def _secret(entry: dict[str, Any]) -> str:
    return "${{ secrets." + secret_name(entry) + " }}"


def concurrency_group(manifest: dict[str, Any]) -> str:
    resources = [p["name"] for p in manifest["parameters"] if p["resource"] and not p["secret"]]
    return "-".join([f"sop-{manifest['sop']['id']}", *(_input(name) for name in resources)])


_TYPES = {"string": "string", "integer": "number", "boolean": "boolean"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(kind: str, value: Any) -> Any:
    """A default as the input type wants it (lint has checked it fits the parameter)."""
    if kind == "string":
        return _text(value)
    if kind == "number" and not isinstance(value, bool):
        return int(value)
    return value


def _inputs(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `workflow_dispatch` and the `workflow_call` input of a parameter."""
    kind = _TYPES[entry["type"]]
    dispatch: dict[str, Any] = {}
    call: dict[str, Any] = {}
    if entry.get("description"):
        dispatch["description"] = call["description"] = entry["description"]
    dispatch["required"] = call["required"] = entry["required"]
    if "enum" in entry:
        dispatch["type"] = "choice"
        dispatch["options"] = [_text(v) for v in entry["enum"]]
        if "default" in entry:
            dispatch["default"] = _text(entry["default"])
    else:
        dispatch["type"] = kind
        if "default" in entry:
            dispatch["default"] = _typed(kind, entry["default"])
    call["type"] = kind
    if "default" in entry:
        call["default"] = _typed(kind, entry["default"])
    return dispatch, call


def _is_confirmation(step: dict[str, Any]) -> bool:
    return "SOP_APPROVED" in step.get("env", {})


class _Jobs:
    def __init__(self, manifest: dict[str, Any], runs_on: str, checkout: str = CHECKOUT) -> None:
        self.checkout = checkout
        self.required_secrets = [p for p in manifest["parameters"] if p["secret"] and p["required"]]
        self.manifest = manifest
        self.sop_id = manifest["sop"]["id"]
        self.environment = environment_name(self.sop_id)
        self.runs_on = runs_on
        self.jobs: dict[str, dict[str, Any]] = {}
        # Every step that runs a command reads the parameters from its own `env` (see the
        # module docstring for why not the workflow's or the job's).
        self.step_env = {p["env"]: _secret(p) if p["secret"] else _input(p["name"]) for p in manifest["parameters"]}

    def job_id(self, name: str) -> str:
        job_id = name if _JOB_ID.match(name) else f"step-{name}"
        if job_id in self.jobs:
            raise CompileError(f"two jobs would be named `{job_id}`; give the step another `id=`")
        return job_id

    def add(
        self,
        job_id: str,
        name: str,
        steps: list[dict[str, Any]],
        *,
        needs: list[str],
        approval: bool,
        condition: str | None = None,
    ) -> str:
        job: dict[str, Any] = {"name": name}
        if needs:
            job["needs"] = needs
        if condition:
            job["if"] = condition
        job["runs-on"] = self.runs_on
        if approval:
            job["environment"] = self.environment
        job["timeout-minutes"] = sum(step["timeout-minutes"] for step in steps)
        runs_commands = any(not _is_confirmation(step) for step in steps)
        if runs_commands:
            first = [
                {
                    "name": "Check out the repository",
                    "uses": self.checkout,
                    "with": {"persist-credentials": False},
                    "timeout-minutes": CHECKOUT_MINUTES,
                }
            ]
            job["timeout-minutes"] += CHECKOUT_MINUTES
            if self.required_secrets:
                first.insert(0, self.secrets_check())
                job["timeout-minutes"] += 1
            steps = [*first, *steps]
        job["steps"] = steps
        self.jobs[job_id] = job
        return job_id

    def confirmed(self, text: str) -> dict[str, Any]:
        """The step of a gated job that records what had to be approved, and what the
        gate is: the job waits for a reviewer only if the environment requires one."""
        return {
            "name": f"Approval: {text}",
            "env": {"SOP_APPROVED": self.environment},
            "shell": "bash",
            "timeout-minutes": 1,
            "run": (
                'echo "Passed the gate of the environment $SOP_APPROVED."\n'
                'echo "It waits for approval only when that environment has required reviewers (repository settings)."'
            ),
        }

    def secrets_check(self) -> dict[str, Any]:
        """Fail before any command when a required secret is empty: a job that names no
        environment does not see environment secrets (docs/manifest.md, Secrets)."""
        lines = ["missing=0"]
        for entry in self.required_secrets:
            name, variable = secret_name(entry), entry["env"]
            lines.append(
                f'if [ -z "${{{variable}:-}}" ]; then echo "::error::the secret {name} is empty here: store it as a '
                'repository or organization secret (jobs without an environment do not see environment secrets)"; missing=1; fi'
            )
        lines.append('exit "$missing"')
        env = {entry["env"]: _secret(entry) for entry in self.required_secrets}
        return {"name": "Check the secrets", "shell": "bash", "env": env, "timeout-minutes": 1, "run": "\n".join(lines)}

    def command(self, name: str, unit: dict[str, Any], retries: int = 0) -> dict[str, Any]:
        """A `run` step. With `retries`, a loop of attempts; an attempt is the command
        and then the unit's `verify` probes, as in `sopdocs run`: a failing probe fails
        the attempt, and the next attempt runs the command again."""
        step: dict[str, Any] = {"name": name, "shell": SHELLS[unit["shell"]]}
        if unit.get("workdir"):
            step["working-directory"] = unit["workdir"]
        if self.step_env:
            step["env"] = dict(self.step_env)
        seconds = unit["timeout_seconds"]
        if retries:
            attempts = retries + 1
            probes = unit.get("verify", [])
            step["env"] = {
                **self.step_env,
                "SOP_COMMAND": unit["command"],
                **{f"SOP_VERIFY_{n}": probe["command"] for n, probe in enumerate(probes, start=1)},
            }
            attempt_seconds = seconds + KILL_AFTER_SECONDS + sum(p["timeout_seconds"] + KILL_AFTER_SECONDS for p in probes)
            step["timeout-minutes"] = ceil_minutes(attempts * attempt_seconds + retries * RETRY_PAUSE_SECONDS)
            limit = f"timeout --kill-after={KILL_AFTER_SECONDS}s"
            attempt = f'{limit} {seconds}s {RETRY_SHELLS[unit["shell"]]} "$SOP_COMMAND"'
            for n, probe in enumerate(probes, start=1):
                attempt += f' \\\n     && {limit} {probe["timeout_seconds"]}s {RETRY_SHELLS[probe["shell"]]} "$SOP_VERIFY_{n}"'
            step["run"] = (
                f"for attempt in $(seq 1 {attempts}); do\n"
                f"  if {attempt}; then exit 0; fi\n"
                f'  echo "attempt $attempt of {attempts} failed" >&2\n'
                f'  if [ "$attempt" -lt {attempts} ]; then sleep {RETRY_PAUSE_SECONDS}; fi\n'
                "done\n"
                "exit 1"
            )
        else:
            step["timeout-minutes"] = ceil_minutes(seconds)
            step["run"] = unit["command"]
        return step

    def segments(self, actions: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Preconditions or rollback entries grouped into jobs: a new job starts at each
        entry a human must confirm (the approval gates the job), others join the job."""
        groups: list[list[dict[str, Any]]] = []
        for action in actions:
            if action["confirm"] or not groups:
                groups.append([action])
            else:
                groups[-1].append(action)
        return groups

    def action_steps(self, group: list[dict[str, Any]]) -> list[dict[str, Any]]:
        steps = []
        for action in group:
            if action["kind"] == "manual":
                steps.append(self.confirmed(action["text"]))
            else:
                if action["confirm"]:
                    steps.append(self.confirmed(action["text"]))
                steps.append(self.command(action["text"], action))
        return steps

    def action_jobs(
        self,
        actions: list[dict[str, Any]],
        label: str,
        needs: list[str],
        first_condition: str | None = None,
        chained: bool = False,
    ) -> list[str]:
        ids: list[str] = []
        for group in self.segments(actions):
            numbers = f"{group[0]['id'].rsplit('-', 1)[1]}" + (f"-{group[-1]['id'].rsplit('-', 1)[1]}" if len(group) > 1 else "")
            condition = first_condition
            if ids and chained:
                condition = f"failure() && needs.{ids[-1]}.result == 'success'"
            job_id = self.add(
                self.job_id(group[0]["id"]),
                f"{label} {numbers}",
                self.action_steps(group),
                needs=[ids[-1]] if ids else needs,
                approval=group[0]["confirm"],
                condition=condition,
            )
            ids.append(job_id)
        return ids


def compile_workflow(
    manifest: dict[str, Any],
    *,
    runs_on: str = DEFAULT_RUNS_ON,
    rollback_manifest: dict[str, Any] | None = None,
    workflows_dir: str = WORKFLOWS_DIR,
    permissions: dict[str, str] | None = None,
    pins: dict[str, str] | None = None,
    concurrency_queue: bool = True,
) -> dict[str, Any]:
    """The workflow of one SOP. `rollback_manifest`: the manifest of the SOP named by
    `rollback: {sop: ...}`; its parameters join this workflow's inputs. `permissions`:
    the GITHUB_TOKEN's scopes (checked by :func:`check_permissions`; default
    `contents: read`). `pins`: action -> full commit SHA (:func:`parse_pin`).
    `concurrency_queue`: write `queue: max` in the run lock (False for engines that do
    not know the key, such as act 0.2.89)."""
    sop = manifest["sop"]
    plain = [p for p in manifest["parameters"] if not p["secret"]]
    secret = [p for p in manifest["parameters"] if p["secret"]]
    rollback = manifest["rollback"]
    extra = []
    if "sop" in rollback and rollback_manifest:
        known = {p["name"] for p in manifest["parameters"]}
        extra = [p for p in rollback_manifest["parameters"] if p["name"] not in known and not p["secret"]]
    if len(plain) + len(extra) > MAX_INPUTS:
        raise CompileError(f"{len(plain) + len(extra)} parameters; a GitHub workflow takes at most {MAX_INPUTS} inputs")

    dispatch_inputs: dict[str, Any] = {}
    call_inputs: dict[str, Any] = {}
    for entry in [*plain, *extra]:
        dispatch_inputs[entry["name"]], call_inputs[entry["name"]] = _inputs(entry)
    dispatch: dict[str, Any] = {"inputs": dispatch_inputs} if dispatch_inputs else {}
    call: dict[str, Any] = {"inputs": call_inputs} if call_inputs else {}
    if secret:
        call["secrets"] = {
            secret_name(p): {**({"description": p["description"]} if p.get("description") else {}), "required": p["required"]}
            for p in secret
        }

    pins = pins or {}
    jobs = _Jobs(manifest, runs_on, f"{CHECKOUT_ACTION}@{pins[CHECKOUT_ACTION].partition(' # ')[0]}" if CHECKOUT_ACTION in pins else CHECKOUT)
    chain = jobs.action_jobs(manifest["preconditions"], "Precondition", needs=[])
    last_precondition = chain[-1]
    for step in manifest["steps"]:
        title = f"{step['number']}. {step['title']}"
        if step["kind"] == "manual":
            steps = [jobs.confirmed(title)]
        else:
            retries = step["retries"] if step["idempotent"] else 0
            steps = [jobs.command(title, step, retries)]
            if not retries:  # a retried step runs its probes in each attempt
                steps += [jobs.command(f"Verify: {probe['id']}", probe) for probe in step["verify"]]
        chain.append(jobs.add(jobs.job_id(step["id"]), title, steps, needs=[chain[-1]], approval=step["confirm"]))
    verification = manifest["verification"]
    if verification["probes"]:
        steps = [jobs.command(f"Verification: {probe['id']}", probe) for probe in verification["probes"]]
        chain.append(jobs.add(jobs.job_id("verify"), "Verification", steps, needs=[chain[-1]], approval=False))
    if verification["checks"]:
        steps = [jobs.confirmed(check["text"]) for check in verification["checks"]]
        chain.append(jobs.add(jobs.job_id("verify-checks"), "Verification checks", steps, needs=[chain[-1]], approval=True))

    # Roll back when the run failed after its preconditions passed (nothing changed before).
    on_failure = f"failure() && needs.{last_precondition}.result == 'success'"
    if "sop" in rollback:
        other = rollback["sop"]["id"]
        job: dict[str, Any] = {"name": f"Rollback: SOP {other}", "needs": list(chain), "if": on_failure}
        job["uses"] = f"./{workflows_dir}/{other}.yml"
        if rollback_manifest is None:
            job["secrets"] = "inherit"
        else:
            params = rollback_manifest["parameters"]
            passed = {p["name"]: _input(p["name"]) for p in params if not p["secret"]}
            if passed:
                job["with"] = passed
            secrets = {secret_name(p): _secret(p) for p in params if p["secret"]}
            if secrets:
                job["secrets"] = secrets
        jobs.jobs[jobs.job_id("rollback")] = job
    else:
        jobs.action_jobs(rollback["steps"], "Rollback", needs=list(chain), first_condition=on_failure, chained=True)

    document: dict[str, Any] = {
        "name": sop["title"],
        "on": {"workflow_dispatch": dispatch, "workflow_call": call},
        "permissions": dict(permissions if permissions is not None else DEFAULT_PERMISSIONS),
        "concurrency": {"group": concurrency_group(manifest), "cancel-in-progress": False},
    }
    if concurrency_queue:
        document["concurrency"]["queue"] = "max"
    document["jobs"] = jobs.jobs
    refuse_expressions(document, "${{", _GENERATED, "GitHub Actions")
    return document


def check_permissions(value: Any, where: str) -> dict[str, str]:
    """`permissions` as declared (a mapping scope -> level), checked against GitHub's
    scopes and levels; raises CompileError naming `where`."""
    if not isinstance(value, dict):
        raise CompileError(f"{where}: permissions must be a mapping such as {{id-token: write}}")
    for name, level in value.items():
        if name not in PERMISSIONS:
            raise CompileError(f"{where}: unknown permission {name!r}; GitHub's are: {', '.join(sorted(PERMISSIONS))}")
        if level not in PERMISSIONS[name]:
            raise CompileError(f"{where}: permission {name}: {level!r} is not one of {', '.join(PERMISSIONS[name])}")
    return {name: value[name] for name in sorted(value)}


_PIN = re.compile(r"^(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@(?P<sha>[0-9a-f]{40})(?:\s+#\s*(?P<note>\S.*?))?\s*$")


def parse_pin(text: str) -> tuple[str, str]:
    """`owner/action@<40-hex sha> # vX.Y.Z` -> (action, `<sha> # vX.Y.Z`). Raises CompileError."""
    match = _PIN.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise CompileError(
            f"pin {text!r}: write it as owner/action@<full 40-character commit SHA, lower-case hex> # <tag>, "
            f"e.g. {CHECKOUT_ACTION}@<sha> # v6.0.0"
        )
    if match["action"] not in ACTIONS:
        raise CompileError(f"pin {text!r}: exported workflows use only {', '.join(ACTIONS)}")
    return match["action"], match["sha"] + (f" # {match['note']}" if match["note"] else "")


def pin_comments(text: str, pins: dict[str, str]) -> str:
    """Put each pin's tag comment after its `uses:` (YAML cannot carry comments through
    the dumper), the form Dependabot and Renovate update."""
    for action, value in sorted(pins.items()):
        sha, _, note = value.partition(" # ")
        if note:
            text = text.replace(f"uses: {action}@{sha}\n", f"uses: {action}@{sha} # {note}\n")
    return text
