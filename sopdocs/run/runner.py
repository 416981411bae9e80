"""One run of one SOP: role check, locks, preconditions, steps, verification, and the
rollback when a step fails, times out or is cancelled - every event in the audit trail.

Nothing here raises for a failing command; the result is an exit code (see
``sopdocs.runner``). An audit trail that stops accepting records stops the run before
anything else runs.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sopdocs import __version__
from sopdocs.core import clock
from sopdocs.core.environment import SHELL_STARTUP
from sopdocs.core.text import clock_duration, one_line, shown_value
from sopdocs.run import items as it
from sopdocs.run import locks
from sopdocs.run.audit import KEY_ENV, KEY_FILE_ENV, AuditError, AuditTrail, utc_now
from sopdocs.run.load import Procedure
from sopdocs.run.outcomes import CANCELLED, FAILURE, REFUSED, SKIPPED, SUCCESS
from sopdocs.run.parameters import ENV_PREFIX, Parameters
from sopdocs.run.process import CommandResult, run_command, shell_argv

EXIT_SUCCESS = 0
EXIT_ROLLED_BACK = 1  # failed; rolled back, or nothing had started
EXIT_NOT_RESTORED = 4  # failed, and the rollback failed, was incomplete or could not run
EXIT_REFUSED = 5  # refused before any step: role, status, lock, precondition, audit trail

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class RunOptions:
    actor: str
    role: str | None = None
    yes: bool = False
    confirm: frozenset[str] = frozenset()
    dry_run: bool = False
    audit_path: Path | None = None
    lock_dir: Path = Path(".sopdocs/locks")
    break_stale_lock: bool = False
    grace: float = 10.0
    interactive: bool = False
    cwd: Path = field(default_factory=Path.cwd)
    audit_key: bytes | None = None  # records get a MAC under it (sopdocs.run.audit)


class Unbroken:
    """A stream whose reader may go away (`sopdocs run ... | head`): from then on what is
    written to it is dropped, and the run goes on to its end and its last record, instead
    of dying at the next line it prints."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.gone = False

    def write(self, data: Any) -> int:
        if not self.gone:
            try:
                return self.stream.write(data)
            except BrokenPipeError:
                self.gone = True
        return len(data)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.gone = True


class Console:
    """The terminal: progress on stdout, problems on stderr, prompts that a signal can
    interrupt. Nothing printed here ever holds a secret value: commands receive values
    through the environment, and command output is redacted before it arrives."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = Unbroken(out or sys.stdout)
        self.err = Unbroken(err or sys.stderr)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()

    def ask(self, question: str, interrupted: Callable[[], bool]) -> bool | None:
        """y/N from stdin; None when a signal arrives while waiting."""
        self.out.write(f"{question} [y/N] ")
        self.out.flush()
        while not interrupted():
            ready, _, _ = select.select([sys.stdin], [], [], 0.2)
            if ready:
                answer = sys.stdin.readline()
                if not answer:  # end of input
                    self.say()
                    return False
                return answer.strip().lower() in ("y", "yes")
        self.say()
        return None


def new_run_id() -> str:
    return clock.utc_now().strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class Runner:
    def __init__(self, procedure: Procedure, params: Parameters, options: RunOptions, console: Console | None = None) -> None:
        self.procedure = procedure
        self.manifest = procedure.manifest
        self.params = params
        self.options = options
        self.console = console or Console()
        self.run_id = new_run_id()
        self.redactor = params.redactor()
        rollback_manifest = procedure.rollback_sop.manifest if procedure.rollback_sop else None
        self.phases = {
            it.PRECONDITION: it.preconditions(self.manifest),
            it.STEP: it.steps(self.manifest),
            it.VERIFICATION: it.verification(self.manifest),
            it.ROLLBACK: it.rollback(self.manifest, rollback_manifest),
        }
        self.trail: AuditTrail | None = None
        self.held: list[locks.LockSpec] = []
        self.signals = 0
        self.signal_name = ""
        self.started_any = False  # a step began: from now on, a failure needs the rollback
        self.done: list[str] = []
        self.end: dict[str, Any] = {}  # the run.end record, written last
        self.env = self._child_env()

    # --- before anything runs ------------------------------------------------------------

    def all_items(self) -> list[it.Item]:
        return [item for phase in self.phases.values() for item in phase]

    def unknown_confirmations(self) -> list[str]:
        known = {item.id for item in self.all_items()}
        return sorted(self.options.confirm - known)

    def missing_confirmations(self, phases: tuple[str, ...]) -> list[str]:
        """What a run without a terminal could not get confirmed, as advice."""
        if self.options.interactive:
            return []
        missing = []
        for phase in phases:
            for item in self.phases[phase]:
                if not item.needs_confirmation or item.id in self.options.confirm:
                    continue
                if item.human:
                    missing.append(f"{item.id} ({item.label}, needs a human: --confirm {item.id})")
                elif not self.options.yes:
                    missing.append(f"{item.id} ({item.label}, automated: --yes)")
        return missing

    def refusal(self) -> tuple[str, str] | None:
        """(reason, message) when this actor may not run this SOP (role, status)."""
        sop = self.manifest["sop"]
        if sop["status"] == "retired":
            return "status", f"SOP {sop['id']} is retired and may not be run"
        checked = [self.manifest] + ([self.procedure.rollback_sop.manifest] if self.procedure.rollback_sop else [])
        for manifest in checked:
            roles = manifest["sop"]["execution_roles"]
            what = "SOP" if manifest is self.manifest else "rollback SOP"
            if not roles:
                continue
            if self.options.role is None:
                return (
                    "role",
                    f"{what} {manifest['sop']['id']} may be run only by the roles {', '.join(roles)}; give yours with --role",
                )
            if self.options.role not in roles:
                return "role", (
                    f"role {self.options.role!r} may not run {what} {manifest['sop']['id']}; allowed roles: {', '.join(roles)}"
                )
        return None

    def _child_env(self) -> dict[str, str]:
        # No shell start-up file, whatever the caller's environment says: a step's shell
        # runs the step's command and nothing else first.
        # Nor the audit key: a step that could read it could forge the trail.
        hidden = (*SHELL_STARTUP, KEY_ENV, KEY_FILE_ENV)
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX) and k not in hidden}
        env.update(self.params.env())
        env["SOPDOCS_RUN_ID"] = self.run_id
        env["SOPDOCS_SOP_ID"] = self.manifest["sop"]["id"]
        return env

    # --- showing -------------------------------------------------------------------------

    def _confirmation_text(self, item: it.Item) -> str:
        if not item.needs_confirmation:
            return "runs without asking"
        if item.human:
            return f"needs a human (prompt, or --confirm {item.id})"
        return "asks (or --yes)"

    def show(self, item: it.Item, plan: bool = False) -> None:
        def say(text: str) -> None:  # an SOP that spells out a secret value still does not show it
            self.console.say(self.redactor.text(text))

        say(f"{item.label.capitalize()} [{item.id}] {item.title}")
        if item.kind == it.MANUAL:
            say("  (done by a human)")
        else:
            assert item.command is not None
            for n, line in enumerate(item.command.split("\n")):
                say(("  $ " if n == 0 else "    ") + line)
            where = f", in {self._workdir(item)}" if item.workdir or plan else ""
            attempts = f", up to {item.retries} retries" if item.retries else ""
            say(f"  ({item.shell}, timeout {clock_duration(item.timeout)}{where}{attempts})")
            for probe in item.verify:
                say(f"  verify [{probe['id']}]: {probe['command']}")
        if plan:
            say(f"  confirmation: {self._confirmation_text(item)}")

    def _workdir(self, item: it.Item) -> Path:
        return (self.options.cwd / item.workdir).resolve() if item.workdir else self.options.cwd

    def print_plan(self) -> None:
        sop, source = self.manifest["sop"], self.manifest["source"]
        say = self.console.say
        say(f"Plan for SOP {sop['id']} {sop.get('version') or ''}".rstrip() + f": {sop['title']}")
        say(f"  source: {source['path']} (sha256 {source['sha256']})")
        say(
            f"  actor: {self.options.actor}, role: {self.options.role or '-'}; allowed roles: {', '.join(sop['execution_roles']) or 'any'}"
        )
        shown = self.params.shown()
        # Values as data: a value with a line break or a quote cannot pass for a plan line.
        env_line = " ".join(f"{self.params.specs[n]['env']}={shown_value(v)}" for n, v in shown.items())
        say(f"  environment: {env_line or '(no parameters)'}")
        say(
            f"  each command runs as: bash {' '.join(shell_argv('bash', 'COMMAND')[1:])} (or sh -e -c COMMAND), in {self.options.cwd}"
        )
        say("  locks: " + ", ".join(one_line(spec.name) for spec in self._lock_specs()))
        for phase in (it.PRECONDITION, it.STEP, it.VERIFICATION, it.ROLLBACK):
            entries = self.phases[phase]
            if not entries:
                continue
            say()
            heading = {it.ROLLBACK: "Rollback (runs in this order when a step fails, times out or is cancelled)"}.get(phase)
            say(f"== {heading or phase.capitalize() + ('s' if phase != it.VERIFICATION else '')}")
            for item in entries:
                self.show(item, plan=True)

    # --- the audit trail -----------------------------------------------------------------

    def record(self, event: str, **fields: Any) -> None:
        assert self.trail is not None
        self.trail.append(event, **fields)

    def _start_record(self) -> dict[str, Any]:
        sop = self.manifest["sop"]
        fields: dict[str, Any] = {
            "sop": {k: sop[k] for k in ("id", "title", "version", "owner", "status", "risk", "approvers", "execution_roles")},
            "source": {**self.manifest["source"], "kind": self.procedure.kind, "file_sha256": self.procedure.file_sha256},
            "actor": self.options.actor,
            "role": self.options.role,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "cwd": str(self.options.cwd),
            "parameters": self.params.shown(),
            "parameter_sources": dict(sorted(self.params.sources.items())),
            "options": {
                "yes": self.options.yes,
                "interactive": self.options.interactive,
                "confirm": sorted(self.options.confirm),
            },
            "sopdocs": __version__,
            # e.g. an overdue review: allowed to run, but on the record.
            "lint_warnings": list(self.procedure.warnings),
        }
        shift = clock.shift_seconds()
        if shift is not None:  # a test's clock: the record says the times are not real
            fields["clock_shift_seconds"] = shift
        if self.procedure.rollback_sop:
            rb = self.procedure.rollback_sop
            fields["rollback_sop"] = {"id": rb.sop_id, "version": rb.manifest["sop"]["version"], "sha256": rb.file_sha256}
        return fields

    # --- running -------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        # Only flags: the main loop notices within a tenth of a second, kills the
        # command's process group and records the cancellation.
        self.signals += 1
        self.signal_name = signal.Signals(signum).name

    def execute(self) -> int:
        options = self.options
        trail_path = options.audit_path or options.cwd / ".sopdocs" / "audit" / f"{self.manifest['sop']['id']}.jsonl"
        self.trail = AuditTrail(trail_path, self.run_id, options.audit_key)
        try:
            self.trail.open()
            self.record("run.start", **self._start_record())
        except AuditError as exc:
            self.console.warn(f"sopdocs: refused: {exc}; nothing runs unrecorded")
            return EXIT_REFUSED
        self.console.say(f"Run {self.run_id} of SOP {self.manifest['sop']['id']} by {options.actor}; audit trail: {trail_path}")
        previous = {sig: signal.signal(sig, self._on_signal) for sig in _SIGNALS}
        try:
            return self._run()
        except AuditError as exc:
            return self._trail_lost(exc)
        except BaseException:
            self._drop_locks("ended by an internal error")
            raise
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _run(self) -> int:
        for item_id in sorted(self.options.confirm):
            self.record("approval", item=item_id, by=self.options.actor, via="--confirm")
        refused = self.refusal()
        if refused:
            code = self._refuse(*refused)
        else:
            code = self._take_locks()
            if code is None:
                code = self._procedure()
                self._leave_locks(code)
        self.record("run.end", **self.end)
        return code

    def _refuse(self, reason: str, message: str) -> int:
        self.console.warn(f"sopdocs: refused: {message}")
        self.record("refused", reason=reason, message=message)
        self.end = {"result": REFUSED, "exit_code": EXIT_REFUSED, "rollback": "not-needed"}
        return EXIT_REFUSED

    def _lock_specs(self) -> list[locks.LockSpec]:
        shown = self.params.shown()
        resources = [
            (name, value, shown[name]) for name, value in self.params.values.items() if self.params.specs[name]["resource"]
        ]
        lock_dir = self.options.lock_dir if self.options.lock_dir.is_absolute() else self.options.cwd / self.options.lock_dir
        return locks.lock_specs(lock_dir, self.manifest["sop"]["id"], resources)

    def _take_locks(self) -> int | None:
        info = locks.holder_info(self.run_id, self.options.actor, self.options.role, self.manifest["sop"]["id"], utc_now())
        for spec in self._lock_specs():
            broken = False
            try:
                try:
                    locks.acquire(spec, info)
                except locks.LockHeld as held:
                    if not (held.stale and self.options.break_stale_lock):
                        raise
                    locks.break_stale(spec, held.holder, info)
                    self.console.warn(f"sopdocs: broke the stale lock on {spec.name} ({locks.describe(held.holder)})")
                    broken, previous = True, held.holder
            except locks.LockHeld as held:
                self._release_recorded()
                advice = ""
                if held.stale:
                    advice = "; check what that run left behind, then run again with --break-stale-lock"
                message = f"{held.spec.name} is locked by {locks.describe(held.holder)} ({held.why}){advice}"
                return self._refuse("lock", message)
            except OSError as exc:
                self._release_recorded()
                return self._refuse("lock", f"cannot create the lock {spec.path}: {exc.strerror or exc}")
            self.held.append(spec)  # before recording: a failed record must still release it
            if broken:
                self.record("lock.broken", lock=spec.name, path=str(spec.path), previous=previous)
            self.record("lock.acquired", lock=spec.name, path=str(spec.path))
        return None

    def _release_locks(self) -> None:
        for spec in reversed(self.held):
            locks.release(spec, self.run_id)
        self.held = []

    def _leave_locks(self, code: int) -> None:
        if code == EXIT_NOT_RESTORED:
            note = f"run {self.run_id} ended with exit code 4: the system may be in an intermediate state"
            for spec in self.held:
                locks.abandon(spec, self.run_id, note)
            self.record("lock.kept", locks=[s.name for s in self.held], reason=note)
            self.held = []
            return
        self._release_recorded()

    def _release_recorded(self) -> None:
        """Release the locks taken so far, with a `lock.released` record (every
        `lock.acquired` in a trail is followed by one, or by `lock.kept`)."""
        names = [s.name for s in self.held]
        self._release_locks()
        if names:
            self.record("lock.released", locks=names)

    def _drop_locks(self, why: str) -> None:
        """Without recording (the trail may be gone): release the locks, or keep them
        marked when a step had started."""
        for spec in self.held:
            if self.started_any:
                locks.abandon(spec, self.run_id, f"run {self.run_id} {why}; the system may be in an intermediate state")
            else:
                locks.release(spec, self.run_id)
        self.held = []

    def _trail_lost(self, exc: AuditError) -> int:
        warn = self.console.warn
        warn(f"sopdocs: STOPPED: {exc}")
        warn("sopdocs: the run stops here so that nothing runs unrecorded")
        self._drop_locks("stopped: its audit trail could not be written")
        if not self.started_any:
            return EXIT_REFUSED
        warn(f"sopdocs: completed before the stop: {', '.join(self.done) or 'none'}; the system may be in an intermediate state")
        warn("sopdocs: roll back by hand if needed:")
        for item in self.phases[it.ROLLBACK]:
            warn(f"  - [{item.id}] {item.title}")
        return EXIT_NOT_RESTORED

    def _cancelled(self) -> bool:
        return self.signals > 0

    def _procedure(self) -> int:
        say = self.console.say
        for item in self.phases[it.PRECONDITION]:
            say()
            result = self.perform(item, self._cancelled)
            if result != SUCCESS:
                if self._cancelled():
                    return self._finish(CANCELLED, item)
                return self._refuse("precondition", f"precondition {item.id} did not pass ({result}): {item.title}")

        outcome, failed = SUCCESS, None
        for phase in (it.STEP, it.VERIFICATION):
            for item in self.phases[phase]:
                if outcome != SUCCESS:
                    self.record(f"{phase}.end", item=item.id, result=SKIPPED)
                    continue
                say()
                result = self.perform(item, self._cancelled)
                if result == SKIPPED and phase == it.VERIFICATION:
                    continue  # a manual check left to a human after the run
                if result != SUCCESS:
                    outcome, failed = result, item
        return self._finish(outcome, failed)

    def _finish(self, outcome: str, failed: it.Item | None) -> int:
        say = self.console.say
        if self._cancelled() and outcome != SUCCESS:
            outcome = CANCELLED
            self.record("run.cancelled", signal=self.signal_name or None)
        if outcome == SUCCESS:
            say()
            say(f"sopdocs: run {self.run_id}: success")
            self.end = {"result": SUCCESS, "exit_code": EXIT_SUCCESS, "rollback": "not-needed"}
            return EXIT_SUCCESS
        where = f" at {failed.id}" if failed else ""
        say()
        self.console.warn(f"sopdocs: run {self.run_id}: {outcome}{where}")
        if not self.started_any:
            self.console.warn("sopdocs: no step had started; nothing to roll back")
            self.end = {
                "result": outcome,
                "failed": failed.id if failed else None,
                "exit_code": EXIT_ROLLED_BACK,
                "rollback": "not-needed",
            }
            return EXIT_ROLLED_BACK
        rollback = self._rollback(outcome, failed)
        code = EXIT_ROLLED_BACK if rollback == SUCCESS else EXIT_NOT_RESTORED
        if code == EXIT_ROLLED_BACK:
            self.console.warn(f"sopdocs: rolled back; exit code {code}")
        else:
            self.console.warn(
                f"sopdocs: THE ROLLBACK DID NOT COMPLETE ({rollback}); the system may be in an intermediate state; exit code {code}"
            )
        self.end = {"result": outcome, "failed": failed.id if failed else None, "exit_code": code, "rollback": rollback}
        return code

    def _rollback(self, outcome: str, failed: it.Item | None) -> str:
        """Run every rollback action in order; stop at the first that does not succeed.
        A signal during the rollback aborts it."""
        actions = self.phases[it.ROLLBACK]
        baseline = self.signals

        def aborted() -> bool:
            return self.signals > baseline

        self.console.say()
        self.console.say(f"== Rolling back ({len(actions)} actions; interrupt again to abort the rollback)")
        self.record("rollback", reason=outcome, failed=failed.id if failed else None, actions=[a.id for a in actions])
        for index, item in enumerate(actions):
            self.console.say()
            result = self.perform(item, aborted)
            if result != SUCCESS:
                if result == SKIPPED and not aborted():
                    self.console.warn(f"sopdocs: {item.id} needs a human and this run has no terminal")
                for later in actions[index + 1 :]:
                    self.record("rollback.end", item=later.id, result=SKIPPED)
                self.console.warn("sopdocs: still to do by hand, in this order:")
                for todo in actions[index:]:
                    self.console.warn(f"  - [{todo.id}] {todo.title}")
                return "aborted" if aborted() else "incomplete" if result == SKIPPED else "failed"
        return SUCCESS

    # --- one item ------------------------------------------------------------------------

    def _confirm(self, item: it.Item, interrupted: Callable[[], bool]) -> str:
        """ "yes", "no", "unavailable" (no terminal and no prior confirmation) or "cancelled"."""
        if not item.needs_confirmation:
            return "yes"
        via = None
        if item.id in self.options.confirm:
            via = "--confirm"
        elif not item.human and self.options.yes:
            via = "--yes"
        if via:
            self.record("confirm", item=item.id, answer="yes", by=self.options.actor, via=via)
            return "yes"
        if not self.options.interactive:
            return "unavailable"
        question = "Done?" if item.kind == it.MANUAL else "Run it?"
        answer = self.console.ask(question, interrupted)
        if answer is None:
            return "cancelled"
        self.record("confirm", item=item.id, answer="yes" if answer else "no", by=self.options.actor, via="prompt")
        return "yes" if answer else "no"

    def perform(self, item: it.Item, interrupted: Callable[[], bool]) -> str:
        """Show, confirm, run (with retries) and verify one item; record its start and
        end. Returns its result."""
        if interrupted():  # a signal between two items: start nothing new
            self.record(f"{item.phase}.end", item=item.id, result=CANCELLED, reason="interrupted")
            return CANCELLED
        self.show(item)
        answer = self._confirm(item, interrupted)
        if answer != "yes":
            result = SKIPPED if answer == "unavailable" else CANCELLED
            reason = {"unavailable": "needs a human; no terminal", "no": "declined", "cancelled": "interrupted"}[answer]
            self.console.say(f"  -> {result} ({reason})")
            self.record(f"{item.phase}.end", item=item.id, result=result, reason=reason)
            return result
        if item.phase == it.STEP:
            self.started_any = True
        if item.kind == it.MANUAL:
            self.record(f"{item.phase}.start", item=item.id, kind=item.kind, title=self.redactor.text(item.title))
            self.record(f"{item.phase}.end", item=item.id, result=SUCCESS, confirmed_by=self.options.actor)
            self.done.append(item.id)
            return SUCCESS
        attempts = 1 + item.retries
        result = FAILURE
        for attempt in range(1, attempts + 1):
            self.record(
                f"{item.phase}.start",
                item=item.id,
                kind=item.kind,
                title=self.redactor.text(item.title),
                attempt=attempt,
                timeout_seconds=item.timeout,
            )
            result, fields = self._run_item(item, interrupted)
            self.record(f"{item.phase}.end", item=item.id, attempt=attempt, **fields)
            if result in (SUCCESS, CANCELLED) or interrupted() or attempt == attempts:
                break
            self.console.say(f"  -> {result}; retrying ({attempt + 1} of {attempts})")
        if result == SUCCESS:
            self.done.append(item.id)
        return result

    def _run_item(self, item: it.Item, interrupted: Callable[[], bool]) -> tuple[str, dict[str, Any]]:
        assert item.command is not None
        workdir = self._workdir(item)
        if not workdir.is_dir():
            message = f"working directory {workdir} does not exist"
            self.console.warn(f"  -> failure: {message}")
            return FAILURE, {"result": FAILURE, "exit_code": None, "error": message}
        outcome = self._command(item.command, item.shell, item.timeout, workdir, interrupted)
        fields = outcome.record()
        result = outcome.result
        self.console.say(
            f"  -> {result} (exit code {outcome.exit_code}, {outcome.duration_ms / 1000:.1f}s)"
            + (f": {outcome.error}" if outcome.error else "")
        )
        if result == SUCCESS and item.verify:
            for probe in item.verify:
                self.console.say(f"  verify [{probe['id']}]")
                checked = self._command(probe["command"], probe["shell"], probe["timeout_seconds"], workdir, interrupted)
                self.record("probe.end", item=item.id, probe=probe["id"], **checked.record())
                self.console.say(f"  -> {checked.result} (exit code {checked.exit_code})")
                if checked.result != SUCCESS:
                    result = CANCELLED if checked.result == CANCELLED else FAILURE
                    fields["verify"] = f"{probe['id']}: {checked.result}"
                    fields["result"] = result
                    break
        return result, fields

    def _command(self, command: str, shell: str, timeout: int, workdir: Path, interrupted: Callable[[], bool]) -> CommandResult:
        self.console.out.flush()
        self.console.err.flush()
        try:
            return run_command(
                command,
                shell,
                env=self.env,
                cwd=str(workdir),
                timeout=timeout,
                grace=self.options.grace,
                redactor=self.redactor,
                stdout=Unbroken(sys.stdout.buffer),
                stderr=Unbroken(sys.stderr.buffer),
                interrupted=interrupted,
                started=self._note_command,
            )
        finally:
            self._note_command(None)

    def _note_command(self, pgid: int | None) -> None:
        # Should this runner be killed, its locks stay live while the command runs.
        for spec in self.held:
            locks.note_command(spec, self.run_id, pgid)
