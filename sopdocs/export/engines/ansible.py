"""Manifest -> Ansible playbook: one play that runs the SOP like `sopdocs run` does.

The mapping (docs/manifest.md, *Ansible*, has the full table and the limits):

- Hosts are chosen at run time: `hosts: "{{ sopdocs_hosts | default('localhost') }}"`,
  one host at a time (`serial: 1`); the connection is the inventory's or `-c`.
- The play is named `SOP <id> <version>: <title>`; `sopdocs_sop` (play vars) holds the
  id, version, owner, status and source, and the first task prints them for the job log.
- Before anything runs, `assert` tasks check the parameters (required, integer,
  boolean, enum) and the confirmations, as `sopdocs run` does before it starts.
- Preconditions run first, in a block whose rescue ends the play ("refused", nothing
  rolled back); then the steps, each followed by its `verify` probes, then the
  verification probes and checks, in one block whose rescue is the rollback, in the
  order listed. The rollback stops at the first action that fails (a nested rescue
  says what is left to do by hand), and the play always ends failed after a rollback.
- A command runs through `ansible.builtin.command` with `argv` (no shell between
  Ansible and the step's shell) and `expand_argument_vars: false` (the command module
  would otherwise put the values of `$VARS` into the command text before bash reads
  it). Its time limit is GNU `timeout -k 10 <seconds>` (the whole process group),
  with the task `timeout:` a little later as a backstop. Only an idempotent step with
  `retries=N` gets `retries`/`until`.
- Every string taken from the SOP (commands, titles, default values) is tagged
  `!unsafe`: Ansible never renders it as a Jinja template, so `{{` in a command stays
  text.
- Parameters are extra vars of the same name (defaults as play vars) and reach
  commands only as environment variables (play `environment:`). Secret parameters do
  not go through `environment:` (Ansible writes it on the command line it runs on the
  target, shown by `-vvv` and `ps`): they go base64-encoded through the command
  module's `stdin` to a small reader that exports them, and every task that gets them
  has `no_log: true`.
- A human confirmation (manual step, precondition or check; `confirm`) is given in
  advance with `-e sopdocs_confirm=ID,ID` (the ids of `sopdocs run --confirm`), or on a
  terminal with `-e sopdocs_interactive=true` (a `pause` asks). An unattended run
  without the confirmations a precondition or step needs fails before anything runs.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from sopdocs.export.engines import CompileError, Dumper, dump_yaml, represent_str
from sopdocs.export.manifest import merge_specs

DEFAULT_HOSTS = "localhost"
KILL_AFTER_SECONDS = 10  # `timeout -k`: KILL this long after TERM
BACKSTOP_SECONDS = 30  # the task `timeout:` fires this long after the command's own limit
RETRY_DELAY_SECONDS = 10
SHELLS = {"bash": ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c"], "sh": ["sh", "-e", "-c"]}
# Extra vars the playbook reads (docs/manifest.md, Ansible).
EXTRA_VARS = ("sopdocs_hosts", "sopdocs_confirm", "sopdocs_interactive", "sopdocs_workdir", "sopdocs_retry_delay", "sopdocs_run_id")
RESULT = "sopdocs_result"
ANSWER = "sopdocs_answer"
# Names a parameter may not have: Ansible's magic variables, the Jinja globals the
# playbook's own expressions use, and Ansible's and sopdocs' prefixes. Other names
# Ansible reserves for keywords (`namespace`, `port`, `timeout`, ...) work as
# variables; ansible-playbook only warns about them.
RESERVED = frozenset(
    {
        "hostvars", "vars", "groups", "group_names", "inventory_hostname", "inventory_hostname_short", "inventory_dir",
        "inventory_file", "play_hosts", "playbook_dir", "role_name", "role_names", "role_path", "item", "omit",
        "lookup", "query", "q", "dict", "range", "undef", "now", "awx_job_id", "tower_job_id", "true", "false", "none",
    }
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")
# Reads the secret values, one base64 line each, from stdin and exports them; then runs
# the rest of its arguments with no stdin. Secrets never reach a command line.
_READ_SECRETS = (
    "for name in {names}; do\n"
    "  IFS= read -r line || line=\n"
    "  value=$(printf '%s' \"$line\" | base64 -d && echo x) || {{ echo \"sopdocs: cannot decode $name\" >&2; exit 2; }}\n"
    '  export "$name=${{value%x}}"\n'
    "done\n"
    'exec "$@" </dev/null'
)


class Unsafe(str):
    """Text from the SOP: written as `!unsafe`, which Ansible never templates."""


class _Dumper(Dumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists indented under their key, as yamllint (and so ansible-lint) wants.
        super().increase_indent(flow, False)


_STR = "tag:yaml.org,2002:str"


def _represent_unsafe(dumper: yaml.SafeDumper, value: Unsafe) -> yaml.ScalarNode:
    text = str(value)
    # Ansible reads an `!unsafe` scalar as if it were plain, quoted or not: `!unsafe "yes"`
    # is the boolean true. Text that would not read as a string cannot hold a template
    # either, and is written as an ordinary (quoted) string.
    if yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) != _STR:
        return represent_str(dumper, text)
    return represent_str(dumper, text, tag="!unsafe")


_Dumper.add_representer(Unsafe, _represent_unsafe)


def dump_playbook(playbook: list[dict[str, Any]], header: list[str]) -> str:
    """Deterministic YAML with a comment header (like the other engines), `!unsafe` tags.
    Commands and titles keep their lines as written, so yamllint's line length is off."""
    return "---\n# yamllint disable rule:line-length\n" + dump_yaml(playbook, header, _Dumper)


def _name(text: str) -> str:
    """A task or play name. Ansible templates names; one with a Jinja opener from the SOP
    is `!unsafe`. Other names stay plain: ansible-lint matches tasks by their names and
    cannot compare a tagged one (it then logs an error)."""
    return Unsafe(text) if any(opener in text for opener in ("{{", "{%", "{#")) else text


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_id(item_id: str) -> str:
    if not _ID.match(item_id):
        raise CompileError(f"the id {item_id!r} cannot be used in a playbook; give the step an id of letters, digits and -")
    return item_id


def _parameters(manifest: dict[str, Any], rollback_manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """This SOP's parameters, then those of its rollback SOP it lacks (as `sopdocs run`
    merges them: secret if either says so)."""
    merged = merge_specs(manifest["parameters"], (rollback_manifest or {}).get("parameters", []))
    for name in merged:
        if name in RESERVED or name.startswith(("ansible_", "sopdocs_")):
            raise CompileError(
                f"parameter {name}: Ansible uses this variable name itself; rename the parameter to export this SOP to Ansible"
            )
    return list(merged.values())


class _Items:
    """Turns manifest entries into tasks, and keeps the lists of ids the checks need."""

    def __init__(self, parameters: list[dict[str, Any]]) -> None:
        self.secrets = [p for p in parameters if p["secret"]]
        self.ids: list[str] = []
        self.human: dict[str, list[str]] = {"precondition": [], "step": [], "verification": [], "rollback": []}

    def register(self, item_id: str, phase: str, human: bool) -> None:
        if item_id in self.ids:
            raise CompileError(f"two items would have the id `{item_id}`; give the step another `id=`")
        self.ids.append(_check_id(item_id))
        if human:
            self.human[phase].append(item_id)

    # --- commands ------------------------------------------------------------------------

    def argv(self, unit: dict[str, Any]) -> list[Any]:
        seconds = unit["timeout_seconds"]
        argv: list[Any] = ["timeout", "-k", str(KILL_AFTER_SECONDS), str(seconds)]
        if self.secrets:
            names = " ".join(p["env"] for p in self.secrets)
            argv += ["sh", "-c", _READ_SECRETS.format(names=names), "sopdocs"]
        return [*argv, *SHELLS[unit["shell"]], Unsafe(unit["command"])]

    def command(self, name: str, unit: dict[str, Any], *, changes: bool, workdir: str | None, retries: int = 0) -> dict[str, Any]:
        args: dict[str, Any] = {"argv": self.argv(unit), "expand_argument_vars": False}
        if self.secrets:
            args["stdin"] = "{{ sopdocs_secret_lines }}"
        if workdir is not None:
            args["chdir"] = "{{ sopdocs_step_workdir if sopdocs_step_workdir is abs else (sopdocs_workdir | default('.')) ~ '/' ~ sopdocs_step_workdir }}"
        else:
            args["chdir"] = "{{ sopdocs_workdir | default(omit) }}"
        task: dict[str, Any] = {"name": _name(name), "ansible.builtin.command": args}
        if workdir is not None:
            task["vars"] = {"sopdocs_step_workdir": Unsafe(workdir)}
        task["timeout"] = unit["timeout_seconds"] + KILL_AFTER_SECONDS + BACKSTOP_SECONDS
        task["changed_when"] = changes
        if retries:
            task["register"] = RESULT
            task["retries"] = retries
            task["delay"] = "{{ sopdocs_retry_delay | default(" + str(RETRY_DELAY_SECONDS) + ") | int }}"
            task["until"] = f"{RESULT} is succeeded"
        if self.secrets:
            task["no_log"] = True
        return task

    # --- confirmations -------------------------------------------------------------------

    @staticmethod
    def gate(item_id: str, title: str, *, optional: bool = False) -> list[dict[str, Any]]:
        """Tasks that pass when `item_id` was confirmed in advance (sopdocs_confirm) or
        on a terminal (sopdocs_interactive: a pause asks). `optional`: a verification
        check, which an unattended run leaves to a human instead of failing."""
        item_vars = {"sopdocs_item": item_id}
        prompt = Unsafe(f"Confirm {item_id}: {_one_line(title)}\nType yes when it is done (anything else stops the run)")
        tasks: list[dict[str, Any]] = [
            {
                "name": _name(f"Confirm {item_id}: {_one_line(title)}"),
                "ansible.builtin.pause": {"prompt": prompt},
                "vars": item_vars,
                "register": ANSWER,
                "when": ["sopdocs_item not in sopdocs_approved", "sopdocs_attended"],
            },
            {
                "name": f"Check the confirmation of {item_id}",
                "ansible.builtin.assert": {
                    "that": ["sopdocs_item in sopdocs_approved or (" + ANSWER + ".user_input | default('') | trim | lower) in ['y', 'yes']"],
                    "fail_msg": f"{item_id} was not confirmed: it needs a human (approve it with -e sopdocs_confirm={item_id})",
                    "quiet": True,
                },
                "vars": item_vars,
            },
        ]
        if optional:
            tasks[1]["when"] = "sopdocs_item in sopdocs_approved or sopdocs_attended"
            tasks.append(
                {
                    "name": f"Leave {item_id} to a human",
                    "ansible.builtin.debug": {"msg": f"{item_id} needs a human and this run is unattended: check it by hand"},
                    "vars": item_vars,
                    "when": ["sopdocs_item not in sopdocs_approved", "not sopdocs_attended"],
                }
            )
        return tasks

    # --- items ---------------------------------------------------------------------------

    def action(self, action: dict[str, Any], phase: str, label: str, item_id: str, *, changes: bool) -> list[dict[str, Any]]:
        """A precondition or rollback action (or a rollback SOP's precondition or step).
        `changes`: the command changes something (a step, a rollback action), not a check."""
        title = action.get("text") or action.get("title", "")
        human = action["kind"] == "manual" or bool(action["confirm"])
        self.register(item_id, phase, human)
        name = f"{label} {item_id}: {_one_line(title)}"
        tasks = self.gate(item_id, title) if human else []
        if action["kind"] == "command":
            retries = action.get("retries", 0) if action.get("idempotent") else 0
            tasks.append(self.command(name, action, changes=changes, workdir=action.get("workdir"), retries=retries))
            for probe in action.get("verify", []):
                tasks.append(self.command(f"Verify {probe['id']} ({item_id})", probe, changes=False, workdir=action.get("workdir")))
        return tasks

    def step(self, step: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(the confirmation, the rest): step 1's confirmation runs before the rollback
        block, since a run declined at step 1 has nothing to roll back."""
        self.register(step["id"], "step", step["confirm"])
        title = f"{step['number']}. {_one_line(step['title'])}"
        gate = self.gate(step["id"], title) if step["confirm"] else []
        tasks: list[dict[str, Any]] = []
        if step["kind"] == "command":
            retries = step["retries"] if step["idempotent"] else 0
            workdir = step.get("workdir")
            tasks.append(self.command(f"Step {step['id']}: {title}", step, changes=True, workdir=workdir, retries=retries))
            for probe in step["verify"]:
                tasks.append(self.command(f"Verify {probe['id']} (step {step['id']})", probe, changes=False, workdir=workdir))
        else:
            tasks.append(
                {
                    "name": _name(f"Step {step['id']}: {title}"),
                    "ansible.builtin.debug": {"msg": f"{step['id']} was done by a human (confirmed)"},
                }
            )
        return gate, tasks


def _parameter_checks(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tasks = []
    for entry in parameters:
        name = entry["name"]
        that: list[str] = []
        wants: list[str] = []
        if entry["required"] and not ("default" in entry and not entry["secret"]):
            that.append(f"{name} is defined")
            source = "-e @FILE (a vault or vars file) or an AWX credential" if entry["secret"] else f"-e {name}=VALUE"
            wants.append(f"it is required: give it with {source}")
        if entry["type"] == "integer":
            that.append(f"{name} is not defined or ({name} | string | trim) is match('^[+-]?[0-9]+$')")
            wants.append("a whole number")
        elif entry["type"] == "boolean":
            that.append(f"{name} is not defined or ({name} | string | trim | lower) in ['true', 'yes', 'on', '1', 'false', 'no', 'off', '0']")
            wants.append("true or false")
        if "enum" in entry:
            that.append(f"{name} is not defined or ({name} | string) in sopdocs_enums.{name}")
            wants.append("one of: " + ", ".join(_text(v) for v in entry["enum"]))
        if not that:
            continue
        task: dict[str, Any] = {
            "name": f"Check the parameter {name}",
            "ansible.builtin.assert": {"that": that, "fail_msg": Unsafe(f"parameter {name}: " + "; ".join(wants)), "quiet": True},
        }
        if entry["secret"]:
            task["no_log"] = True
        tasks.append(task)
    return tasks


def _env_value(entry: dict[str, Any]) -> str:
    name = entry["name"]
    if entry["type"] == "boolean":
        value = f"('true' if ({name} | string | trim | lower) in ['true', 'yes', 'on', '1'] else 'false')"
    elif entry["type"] == "integer":
        value = f"({name} | string | trim | int | string)"
    else:
        value = f"({name} | string)"
    return "{{ " + value + f" if {name} is defined else '' }}}}"


def compile_playbook(manifest: dict[str, Any], *, rollback_manifest: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The playbook of one SOP (a list with one play). `rollback_manifest`: the manifest
    of the SOP named by `rollback: {sop: ...}`, whose preconditions and steps become
    the rollback (as `sopdocs run` runs them). Raises CompileError."""
    sop = manifest["sop"]
    rollback = manifest["rollback"]
    if "sop" in rollback and rollback_manifest is None:
        raise CompileError(f"its rollback SOP {rollback['sop']['id']} is needed to write the rollback")
    parameters = _parameters(manifest, rollback_manifest if "sop" in rollback else None)
    items = _Items(parameters)

    preconditions: list[dict[str, Any]] = []
    for action in manifest["preconditions"]:
        preconditions += items.action(action, "precondition", "Precondition", action["id"], changes=False)

    before: list[dict[str, Any]] = []
    block: list[dict[str, Any]] = []
    for number, step in enumerate(manifest["steps"]):
        gate, tasks = items.step(step)
        (before if number == 0 else block).extend(gate)
        block += tasks
    verification = manifest["verification"]
    for probe in verification["probes"]:
        items.register(probe["id"], "verification", False)
        block.append(items.command(f"Verification {probe['id']}", probe, changes=False, workdir=None))
    for check in verification["checks"]:
        items.register(check["id"], "verification", True)
        block += items.gate(check["id"], check["text"], optional=True)

    rollback_tasks: list[dict[str, Any]] = []
    if "sop" in rollback:
        assert rollback_manifest is not None
        prefix = rollback_manifest["sop"]["id"] + "/"
        for entry in rollback_manifest["preconditions"]:
            rollback_tasks += items.action(entry, "rollback", "Rollback", prefix + entry["id"], changes=False)
        for entry in rollback_manifest["steps"]:
            title = f"{entry['number']}. {_one_line(entry['title'])}"
            rollback_tasks += items.action({**entry, "text": title}, "rollback", "Rollback", prefix + entry["id"], changes=True)
    else:
        for action in rollback["steps"]:
            rollback_tasks += items.action(action, "rollback", "Rollback", action["id"], changes=True)

    # --- the play ------------------------------------------------------------------------
    play_vars: dict[str, Any] = {
        "sopdocs_sop": {
            "id": Unsafe(sop["id"]),
            "title": Unsafe(sop["title"]),
            "version": Unsafe(sop["version"]) if sop.get("version") is not None else None,
            "owner": Unsafe(sop["owner"]),
            "status": Unsafe(sop["status"]),
            "risk": Unsafe(sop["risk"]) if sop.get("risk") is not None else None,
            "execution_roles": [Unsafe(r) for r in sop["execution_roles"]],
            "source": Unsafe(manifest["source"]["path"]),
            "source_sha256": manifest["source"]["sha256"],
        }
    }
    if "sop" in rollback:
        play_vars["sopdocs_sop"]["rollback_sop"] = Unsafe(rollback_manifest["sop"]["id"])  # type: ignore[index]
    for entry in parameters:
        if "default" in entry and not entry["secret"]:
            default = entry["default"]
            play_vars[entry["name"]] = Unsafe(default) if isinstance(default, str) else default
    enums = {p["name"]: [Unsafe(_text(v)) for v in p["enum"]] for p in parameters if "enum" in p}
    if enums:
        play_vars["sopdocs_enums"] = enums
    play_vars["sopdocs_ids"] = list(items.ids)
    play_vars["sopdocs_needs_human"] = items.human["precondition"] + items.human["step"]
    play_vars["sopdocs_rollback_human"] = list(items.human["rollback"])
    play_vars["sopdocs_approved"] = (
        "{{ ((sopdocs_confirm.split(',') if sopdocs_confirm is string else sopdocs_confirm) | map('string') | map('trim') | select | list)"
        " if sopdocs_confirm is defined else [] }}"
    )
    play_vars["sopdocs_attended"] = "{{ sopdocs_interactive | default(false) | bool }}"
    if items.secrets:
        lines = ", ".join(f"({p['name']} | default('') | string | b64encode)" for p in items.secrets)
        play_vars["sopdocs_secret_lines"] = "{{ [" + lines + "] | join('\\n') }}"

    environment: dict[str, Any] = {"BASH_ENV": "", "ENV": ""}
    environment.update({p["env"]: _env_value(p) for p in parameters if not p["secret"]})
    environment["SOPDOCS_SOP_ID"] = Unsafe(sop["id"])
    environment["SOPDOCS_RUN_ID"] = "{{ sopdocs_run_id | default(awx_job_id | default('')) | string }}"

    version = f" {sop['version']}" if sop.get("version") else ""
    checks: list[dict[str, Any]] = [
        {
            "name": "Record the SOP",
            "ansible.builtin.debug": {
                "msg": Unsafe(
                    f"SOP {sop['id']}{version} ({sop['status']}), owner {sop['owner']}; "
                    f"from {manifest['source']['path']} (sha256 {manifest['source']['sha256']})"
                )
            },
        },
        *_parameter_checks(parameters),
        {
            "name": "Check the ids in sopdocs_confirm",
            "ansible.builtin.assert": {
                "that": ["sopdocs_approved | reject('in', sopdocs_ids) | list | length == 0"],
                "fail_msg": "sopdocs_confirm names ids this SOP does not have: {{ sopdocs_approved | reject('in', sopdocs_ids) | list | join(', ') }}"
                " (its ids: {{ sopdocs_ids | join(', ') }})",
                "quiet": True,
            },
        },
        {
            "name": "Check that every precondition and step can be confirmed",
            "ansible.builtin.assert": {
                "that": ["sopdocs_attended or sopdocs_needs_human | reject('in', sopdocs_approved) | list | length == 0"],
                "fail_msg": "this unattended run cannot get the confirmations of: "
                "{{ sopdocs_needs_human | reject('in', sopdocs_approved) | list | join(', ') }}; nothing has run. Approve them in advance "
                "with -e sopdocs_confirm={{ sopdocs_needs_human | reject('in', sopdocs_approved) | list | join(',') }}, "
                "or run on a terminal with -e sopdocs_interactive=true",
                "quiet": True,
            },
        },
    ]
    if items.human["rollback"]:
        checks.append(
            {
                "name": "Warn about rollback actions that cannot be confirmed",
                "ansible.builtin.debug": {
                    "msg": "if the rollback runs, it stops before "
                    "{{ sopdocs_rollback_human | reject('in', sopdocs_approved) | list | first }}: it needs a human "
                    "(approve it with -e sopdocs_confirm=...)"
                },
                "when": ["not sopdocs_attended", "sopdocs_rollback_human | reject('in', sopdocs_approved) | list | length > 0"],
            }
        )

    tasks: list[dict[str, Any]] = list(checks)
    if preconditions:
        tasks.append(
            {
                "name": "Preconditions",
                "block": preconditions,
                "rescue": [
                    {
                        "name": "Refuse the run",
                        "ansible.builtin.fail": {
                            "msg": "sopdocs: refused: {{ ansible_failed_task.name }} did not pass; no step has run, nothing to roll back"
                        },
                    }
                ],
            }
        )
    tasks += before
    failed = "{{ ansible_failed_task.name }}"
    rescue: list[dict[str, Any]] = [
        {
            "name": "Roll back",
            "ansible.builtin.debug": {"msg": f"sopdocs: {failed} did not succeed: rolling back"},
        }
    ]
    if rollback_tasks:
        rescue.append(
            {
                "name": "Rollback",
                "block": rollback_tasks,
                "rescue": [
                    {
                        "name": "Report the incomplete rollback",
                        "ansible.builtin.fail": {
                            "msg": f"sopdocs: THE ROLLBACK DID NOT COMPLETE at {failed}; the system may be in an intermediate "
                            "state: do that action and the ones after it by hand"
                        },
                    }
                ],
            }
        )
    rescue.append({"name": "Fail after the rollback", "ansible.builtin.fail": {"msg": "sopdocs: the run failed; rolled back"}})
    tasks.append({"name": "Steps", "block": block, "rescue": rescue})

    play: dict[str, Any] = {
        "name": _name(f"SOP {sop['id']}{version}: {_one_line(sop['title'])}"),
        "hosts": "{{ sopdocs_hosts | default('" + DEFAULT_HOSTS + "') }}",
        "gather_facts": False,
        "serial": 1,
        "vars": play_vars,
        "environment": environment,
        "tasks": tasks,
    }
    return [play]


def header(manifest: dict[str, Any], rollback_manifest: dict[str, Any] | None = None) -> list[str]:
    """The comment lines at the top of the playbook: where it came from, how to run it."""
    source = manifest["source"]
    rollback = manifest["rollback"]
    parameters = _parameters(manifest, rollback_manifest if "sop" in rollback else None)
    plain = [p["name"] + ("" if not p["required"] or "default" in p else " (required)") for p in parameters if not p["secret"]]
    secrets = [p["name"] + (" (required)" if p["required"] else "") for p in parameters if p["secret"]]
    lines = [
        f"Generated by `sopdocs export --target ansible` from {source['path']} (sha256 {source['sha256']}).",
        "Do not edit: change the SOP and export again. The mapping is in sopdocs' docs/manifest.md.",
        f"Run: ansible-playbook -i INVENTORY {manifest['sop']['id']}.yml [-e sopdocs_hosts=PATTERN] -e NAME=VALUE ...",
        "Needs ansible-core 2.16 or later; bash (or sh), GNU timeout and base64 on the target.",
        f"Parameters (extra vars): {', '.join(plain) or 'none'}.",
    ]
    if secrets:
        lines.append(f"Secrets (extra vars from a vault or vars file, never -e NAME=VALUE): {', '.join(secrets)}.")
    lines.append("Confirmations: -e sopdocs_confirm=ID,ID (as sopdocs run --confirm), or -e sopdocs_interactive=true on a terminal.")
    return lines


def render(manifest: dict[str, Any], rollback_manifest: dict[str, Any] | None = None) -> str:
    """The playbook text of one SOP (what `sopdocs export --target ansible` writes)."""
    playbook = compile_playbook(manifest, rollback_manifest=rollback_manifest)
    return dump_playbook(playbook, header(manifest, rollback_manifest))
