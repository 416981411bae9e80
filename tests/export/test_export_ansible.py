"""`sopdocs export --target ansible`: every SOP of content/ becomes a playbook that
ansible-lint's production profile accepts, and the playbooks of the fixture SOPs in
tests/fixtures/ansible/ run for real (`ansible-playbook -i localhost, -c local`), observed
through marker files and the exit status: preconditions first, steps in order, a failing
step stops the rest and the rollback runs in order, a failing rollback action stops the
rollback, time limits, idempotent retries, parameter values as data, secrets never in the
output, confirmations. Without ansible-core or ansible-lint these tests fail, saying how
to install them."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from exportkit import GOLDEN, ansible_env, content_ids, export
from helpers import FIXTURES, REPO, cli, installed_tool

from sopdocs.core.parser import parse_file
from sopdocs.export.engines import CompileError
from sopdocs.export.engines import ansible as engine
from sopdocs.export.manifest import build_manifest

ANSIBLE_FIXTURES = FIXTURES / "ansible"
SECRET = "S3cr3t-t0ken-XYZ"
HOSTILE = "a'b\"c $(touch pwned-by-subshell) `touch pwned-by-backticks` ${HOME} \\ é✓ {{ lookup('pipe', 'touch pwned-by-value') }}\n second line\n\n  trailing  \n"
GOLDEN_SOP = "service-canary-abort"


def tool(name: str) -> str:
    """ansible-playbook or ansible-lint ($SOPDOCS_TEST_ANSIBLE_LINT, ...PLAYBOOK: another path)."""
    return installed_tool(name, "pip install ansible-core ansible-lint", "these tests run it on the exported playbooks")


def manifest_of(path: Path) -> dict:
    return build_manifest(parse_file(path, path.relative_to(REPO).as_posix()))


class _Loader(yaml.SafeLoader):
    """Reads `!unsafe` scalars as Tagged, to tell them from the generated text."""


class Tagged(str):
    pass


_Loader.add_constructor("!unsafe", lambda loader, node: Tagged(loader.construct_scalar(node)))


def load_playbook(text: str):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def tasks_of(tasks: list[dict]):
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks_of(task.get(key, []))


# --- the files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixtures_dir(tmp_path_factory) -> Path:
    """The playbooks of tests/fixtures/ansible/, written by `sopdocs export`."""
    out = tmp_path_factory.mktemp("ansible-fixtures")
    proc = export(str(ANSIBLE_FIXTURES.relative_to(REPO)), cwd=REPO, target="ansible", out=out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_every_content_sop_exports(ansible_dir):
    assert sorted(p.stem for p in ansible_dir.glob("*.yml")) == content_ids()


def test_golden_content_sop(ansible_dir):
    """content/service-canary-abort.md; SOPDOCS_UPDATE_GOLDEN=1 rewrites the golden file."""
    produced = (ansible_dir / f"{GOLDEN_SOP}.yml").read_text(encoding="utf-8")
    golden = GOLDEN / "ansible" / f"{GOLDEN_SOP}.yml"
    if os.environ.get("SOPDOCS_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with SOPDOCS_UPDATE_GOLDEN=1"
    assert produced == golden.read_text(encoding="utf-8")


def test_output_is_deterministic(ansible_dir, tmp_path):
    again = tmp_path / "again"
    assert export(cwd=REPO, target="ansible", out=again).returncode == 0
    for path in sorted(ansible_dir.glob("*.yml")):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def ansible_lint(where: Path, playbooks: list[str], home: Path, timeout: int) -> subprocess.CompletedProcess:
    """ansible-lint's production profile on `playbooks` (names in `where`), offline: no
    Galaxy, no schema refresh."""
    return subprocess.run(
        [tool("ansible-lint"), "--offline", "--profile", "production", "--nocolor", "-f", "pep8", *playbooks],
        cwd=where,
        env=ansible_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_ansible_lint_production_profile(ansible_dir, tmp_path):
    """Every content playbook, in one run."""
    proc = ansible_lint(ansible_dir, sorted(p.name for p in ansible_dir.glob("*.yml")), tmp_path / "home", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Profile 'production' was required, and it passed" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


def test_ansible_lint_check_is_live(ansible_dir, tmp_path):
    """A playbook that breaks a production rule (a module named without its collection) fails."""
    text = (ansible_dir / f"{GOLDEN_SOP}.yml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("ansible.builtin.debug:", "debug:", 1), encoding="utf-8")
    proc = ansible_lint(tmp_path, [broken.name], tmp_path / "home", timeout=300)
    assert proc.returncode != 0 and "fqcn[action-core]" in proc.stdout, proc.stdout + proc.stderr


def test_sop_text_is_unsafe_and_commands_are_never_expanded(ansible_dir):
    """Every command reaches bash as written: an `!unsafe` argv item (never a template),
    with expand_argument_vars off (the command module would put $VALUES into the text)."""
    for sop_id in content_ids():
        manifest = manifest_of(REPO / "content" / f"{sop_id}.md")
        commands = {s["command"] for s in manifest["steps"] if s["kind"] == "command"}
        play = load_playbook((ansible_dir / f"{sop_id}.yml").read_text(encoding="utf-8"))[0]
        seen = set()
        for task in tasks_of(play["tasks"]):
            args = task.get("ansible.builtin.command")
            if args is None:
                continue
            assert args["expand_argument_vars"] is False, task["name"]
            assert isinstance(args["argv"][-1], Tagged), task["name"]
            assert args["argv"][:2] == ["timeout", "-k"], task["name"]
            seen.add(str(args["argv"][-1]))
        assert commands <= seen, sop_id
        assert "environment" in play and all(isinstance(k, str) for k in play["environment"])


def test_retries_only_for_idempotent_steps(ansible_dir):
    for sop_id in content_ids():
        manifest = manifest_of(REPO / "content" / f"{sop_id}.md")
        expected = {s["id"]: s["retries"] for s in manifest["steps"] if s["idempotent"] and s["retries"]}
        play = load_playbook((ansible_dir / f"{sop_id}.yml").read_text(encoding="utf-8"))[0]
        retried = {t["name"].split(":")[0]: t["retries"] for t in tasks_of(play["tasks"]) if "retries" in t}
        # a rollback SOP's idempotent steps keep their retries, as in `sopdocs run`
        assert {k.removeprefix("Step "): v for k, v in retried.items() if k.startswith("Step ")} == expected, sop_id
        assert all(k.startswith(("Step ", "Rollback ")) for k in retried), retried


def test_secrets_never_in_environment_and_tasks_that_get_them_have_no_log(ansible_dir):
    play = load_playbook((ansible_dir / "postgres-credential-rotation.yml").read_text(encoding="utf-8"))[0]
    assert "ADMIN_DSN" not in play["environment"]
    commands = [t for t in tasks_of(play["tasks"]) if "ansible.builtin.command" in t]
    assert commands and all(t.get("no_log") is True and "stdin" in t["ansible.builtin.command"] for t in commands)


def test_records_the_sop_in_the_play(ansible_dir):
    play = load_playbook((ansible_dir / f"{GOLDEN_SOP}.yml").read_text(encoding="utf-8"))[0]
    assert play["name"].startswith("SOP service-canary-abort 3.0.1: ")
    sop = play["vars"]["sopdocs_sop"]
    assert (sop["id"], sop["version"], sop["owner"]) == ("service-canary-abort", "3.0.1", "team-platform")
    assert play["hosts"] == "{{ sopdocs_hosts | default('localhost') }}"


@pytest.mark.parametrize("name", ["hostvars", "omit", "ansible_host", "sopdocs_confirm"])
def test_parameters_ansible_uses_itself_are_refused(name):
    manifest = manifest_of(ANSIBLE_FIXTURES / "flow.md")
    manifest["parameters"].append({"name": name, "env": name.upper(), "type": "string", "required": True, "secret": False, "resource": False})
    with pytest.raises(CompileError, match=f"parameter {name}: Ansible uses"):
        engine.compile_playbook(manifest)


def test_strings_that_yaml_reads_as_other_types_stay_strings():
    """Ansible resolves an `!unsafe` scalar as if plain (`!unsafe "yes"` is true): such
    text is written as an ordinary quoted string instead."""
    text = engine.dump_playbook([{"a": engine.Unsafe("yes"), "b": engine.Unsafe("10"), "c": engine.Unsafe("{{ x }}")}], [])
    assert 'a: "yes"' in text and 'b: "10"' in text and "c: !unsafe" in text


def test_cli_lists_the_target(tmp_path):
    out = cli("export", "--help", cwd=tmp_path).stdout
    assert "ansible" in out and "playbooks" in out


# --- real runs ----------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    output: str
    workdir: Path
    seconds: float

    def log(self) -> list[str]:
        path = self.workdir / "log"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def read(self, name: str) -> str:
        return (self.workdir / name).read_text(encoding="utf-8")

    def explain(self) -> str:
        return f"exit {self.returncode} after {self.seconds:.1f}s; log {self.log()}\n{self.output[-4000:]}"


class Runner:
    """ansible-playbook on the exported fixture playbooks, each run in its own directory
    (the commands' working directory, sopdocs_workdir), several at once."""

    def __init__(self, playbooks: Path, root: Path) -> None:
        self.playbooks = playbooks
        self.root = root
        self.command = tool("ansible-playbook")

    def argv(self, sop_id: str, workdir: Path, args: tuple[str, ...]) -> list[str]:
        return [
            self.command, "-i", "localhost,", "-c", "local",
            "-e", f"ansible_python_interpreter={sys.executable}",
            "-e", f"sopdocs_workdir={workdir}",
            "-e", "sopdocs_retry_delay=0",
            str(self.playbooks / f"{sop_id}.yml"), *args,
        ]  # fmt: skip

    def workdir(self, name: str) -> Path:
        workdir = self.root / name
        (workdir / "sub").mkdir(parents=True)
        return workdir

    def run(self, name: str, sop_id: str, *args: str) -> Run:
        workdir = self.workdir(name)
        start = time.monotonic()
        proc = subprocess.run(
            self.argv(sop_id, workdir, args),
            cwd=workdir,
            env=ansible_env(self.root / f"{name}-home"),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return Run(proc.returncode, proc.stdout + proc.stderr, workdir, time.monotonic() - start)

    def many(self, runs: dict[str, tuple[str, ...]]) -> dict[str, Run]:
        """{name: (sop id, args...)} -> {name: Run}, three at a time."""
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {name: pool.submit(self.run, name, *spec) for name, spec in runs.items()}
            return {name: future.result() for name, future in futures.items()}


@pytest.fixture()
def runner(fixtures_dir, tmp_path) -> Runner:
    return Runner(fixtures_dir, tmp_path)


def test_preconditions_steps_failure_and_rollback(runner):
    runs = runner.many(
        {
            "success": ("ansible-flow",),
            "step-fails": ("ansible-flow", "-e", "fail_at=three"),
            "verification-fails": ("ansible-flow", "-e", "fail_at=verify"),
            "rollback-fails": ("ansible-flow", "-e", "fail_at=three", "-e", "rollback_ok=no"),
            "precondition-fails": ("ansible-flow", "-e", "pre_ok=no"),
        }
    )
    run = runs["success"]
    assert run.returncode == 0, run.explain()
    assert run.log() == ["pre-1", "pre-2", "one", "two", "verify-two", "three", "four", "verification"], run.explain()
    assert "verify-1 needs a human and this run is unattended" in run.output

    run = runs["step-fails"]  # step four never runs; the rollback runs in the order listed
    assert run.returncode == 2, run.explain()
    assert run.log() == ["pre-1", "pre-2", "one", "two", "verify-two", "three", "undo-2", "undo-1"], run.explain()
    assert "sopdocs: the run failed; rolled back" in run.output
    assert "RETRYING" not in run.output, "a step that is not idempotent is not retried"

    run = runs["verification-fails"]
    assert run.returncode == 2, run.explain()
    assert run.log()[-4:] == ["four", "verification", "undo-2", "undo-1"], run.explain()

    run = runs["rollback-fails"]  # stops at the first rollback action that fails
    assert run.returncode == 2, run.explain()
    assert run.log() == ["pre-1", "pre-2", "one", "two", "verify-two", "three", "undo-2"], run.explain()
    assert "THE ROLLBACK DID NOT COMPLETE at Rollback rollback-1" in run.output
    assert "rolled back" not in run.output.replace("THE ROLLBACK", "")

    run = runs["precondition-fails"]  # no step, no rollback
    assert run.returncode == 2, run.explain()
    assert run.log() == ["pre-1", "pre-2"], run.explain()
    assert "sopdocs: refused: Precondition pre-2" in run.output and "rolling back" not in run.output


def test_idempotent_retries_and_time_limits(runner):
    run = runner.run("timing", "ansible-timing")
    # Step 1 (idempotent, retries=2) succeeds at its third attempt; step 2 (timeout=2s)
    # is killed with everything it started, and the rollback runs.
    assert run.returncode == 2, run.explain()
    assert run.log() == ["try", "try", "try", "start", "undo"], run.explain()
    assert '"rc": 124' in run.output, run.explain()
    assert run.seconds < 50, run.explain()
    child = Path(f"/proc/{run.read('child.pid').strip()}/cmdline")
    deadline = time.monotonic() + 5
    while child.exists() and b"300" in child.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (child.exists() and child.read_bytes().startswith(b"sleep\x00300")), "the step's background process outlived its timeout"


def write_values(workdir: Path) -> tuple[Path, Path]:
    values = workdir.parent / f"{workdir.name}-values.yml"
    values.write_text(yaml.safe_dump({"value": HOSTILE}).replace("value: ", "value: !unsafe ", 1), encoding="utf-8")
    secrets = workdir.parent / f"{workdir.name}-secrets.yml"
    secrets.write_text(f"token: {SECRET}\n", encoding="utf-8")
    return values, secrets


def test_values_are_data_and_secrets_are_never_printed(runner):
    names = {"data": ("-vvv", "-e", '{"count": " +07", "flag": "Yes"}'), "data-fails": ("-v", "-e", "fail=yes")}
    specs = {}
    for name, extra in names.items():
        values, secrets = write_values(runner.root / name)
        specs[name] = ("ansible-data", "-e", f"@{values}", "-e", f"@{secrets}", *extra)
    runs = runner.many(specs)

    run = runs["data"]
    assert run.returncode == 0, run.explain()
    assert run.read("value.out") == HOSTILE, "the value reached the command byte for byte"
    assert run.read("token.out") == SECRET
    assert run.read("typed.out") == "7|true|red", "integers and booleans as sopdocs run passes them"
    assert run.read("braces.out") == 'literal {{ lookup("pipe", "touch pwned-by-command") }} {% raw %} $HOME\n'
    assert run.read("sub/where.out").strip() == str(run.workdir / "sub")
    for name in ("data", "data-fails"):
        run = runs[name]
        assert not list(run.workdir.glob("pwned*")) and not list(REPO.glob("pwned*")), "something from a value or the SOP ran"
        assert SECRET not in run.output and "UzNjcjN0LXQwa2VuLVhZWg" not in run.output, f"{name}: the secret was printed"
    run = runs["data-fails"]
    assert run.returncode == 2 and run.log() == [f"undo with {SECRET}"], run.explain()
    assert run.read("typed.out") == "3|false|red", "the defaults"


def test_parameters_are_checked_before_anything_runs(runner):
    values, secrets = write_values(runner.root / "params")
    runs = runner.many(
        {
            "missing": ("ansible-data", "-e", f"@{secrets}"),
            "not-a-number": ("ansible-data", "-e", f"@{values}", "-e", f"@{secrets}", "-e", "count=many"),
            "not-allowed": ("ansible-data", "-e", f"@{values}", "-e", f"@{secrets}", "-e", "color=green"),
        }
    )
    for name, message in [
        ("missing", "parameter value: it is required: give it with -e value=VALUE"),
        ("not-a-number", "parameter count: a whole number"),
        ("not-allowed", "parameter color: one of: red, blue"),
    ]:
        run = runs[name]
        assert run.returncode == 2 and message in run.output, run.explain()
        assert not (run.workdir / "value.out").exists() and run.log() == [], run.explain()


def test_confirmations_unattended(runner):
    runs = runner.many(
        {
            "unattended": ("ansible-confirm",),
            "approved": ("ansible-confirm", "-e", '{"sopdocs_confirm": ["pre-1", "step-1", "deploy"]}'),
            "unknown-id": ("ansible-confirm", "-e", "sopdocs_confirm=pre-1,step-1,deploy,nope"),
            "interactive-without-a-terminal": ("ansible-confirm", "-e", "sopdocs_interactive=true"),
        }
    )
    run = runs["unattended"]
    assert run.returncode == 2 and run.log() == [], run.explain()
    assert "this unattended run cannot get the confirmations of: pre-1, step-1, deploy; nothing has run" in run.output
    assert "-e sopdocs_confirm=pre-1,step-1,deploy" in run.output
    run = runs["approved"]
    assert run.returncode == 0 and run.log() == ["pre", "deploy", "after"], run.explain()
    assert "verify-1 needs a human and this run is unattended" in run.output, "a check left to a human does not fail the run"
    run = runs["unknown-id"]  # the comma-separated form
    assert run.returncode == 2 and run.log() == [] and "sopdocs_confirm names ids this SOP does not have: nope" in run.output, run.explain()
    run = runs["interactive-without-a-terminal"]  # pause gets no answer: not confirmed, nothing runs
    assert run.returncode == 2 and run.log() == [] and "pre-1 was not confirmed" in run.output, run.explain()


def test_confirmations_on_a_terminal(runner):
    """On a terminal, `pause` asks: yes to pre-1, step-1 and deploy, no to the check
    verify-1 (the run fails), yes to the manual rollback action; then the rollback command."""
    workdir = runner.workdir("terminal")
    answers = [b"yes", b"yes", b"yes", b"no", b"yes"]
    master, slave = pty.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(  # noqa: S603
        runner.argv("ansible-confirm", workdir, ("-e", "sopdocs_interactive=true")),
        cwd=workdir,
        env=ansible_env(runner.root / "terminal-home"),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=controlling_terminal,  # noqa: PLW1509 - pause needs a controlling terminal
    )
    os.close(slave)
    output, asked, deadline = b"", 0, time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
                if output.count(b"Type yes") > asked and asked < len(answers):
                    time.sleep(0.5)  # pause flushes what was typed before it asks
                    os.write(master, answers[asked] + b"\r")
                    asked += 1
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
        os.close(master)
    log = (workdir / "log").read_text(encoding="utf-8").splitlines() if (workdir / "log").exists() else []
    text = output.decode("utf-8", errors="replace")
    assert asked == len(answers), text[-3000:]
    assert code == 2 and log == ["pre", "deploy", "after", "undo"], text[-3000:]
    assert "verify-1 was not confirmed" in text


def test_rollback_sop_runs_its_preconditions_and_steps(runner):
    run = runner.run("undo", "ansible-uses-undo")
    assert run.returncode == 2 and run.log() == ["change", "undo-pre", "undo-it"], run.explain()
    assert "sopdocs: the run failed; rolled back" in run.output
