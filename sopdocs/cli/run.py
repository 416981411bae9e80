"""`sopdocs run` and `sopdocs audit verify`: thin, like the rest of the CLI.

Heavy imports stay inside the commands so `sopdocs lint` does not pay for them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sopdocs.cli.options import command, group, project_config, resolve_today
from sopdocs.errors import EXIT_USAGE, SopdocsError, UsageError


def default_actor(environ: dict[str, str] | os._Environ) -> str:
    """Who runs: $SOPDOCS_ACTOR, else the CI's user ($GITHUB_ACTOR), else the login."""
    for name in ("SOPDOCS_ACTOR", "GITHUB_ACTOR", "USER", "LOGNAME"):
        if environ.get(name):
            return environ[name]
    try:
        import getpass

        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _prompt_secret(name: str, spec: dict) -> str | None:
    import getpass

    description = f" ({spec['description']})" if spec.get("description") else ""
    try:
        return getpass.getpass(f"{name}{description} [secret, not echoed]: ")
    except EOFError:
        return None


@command()
@click.argument("target", metavar="MANIFEST_OR_SOP_ID")
@click.option(
    "--param",
    "-p",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter value (repeatable). Not for secrets: use SOP_PARAM_<NAME> or the prompt.",
)
@click.option("--role", help="Your role, checked against the SOP's execution_roles.")
@click.option("--actor", help="Who runs (default: $SOPDOCS_ACTOR, $GITHUB_ACTOR, else your login).")
@click.option("--yes", "-y", is_flag=True, help="Confirm automated steps. Never confirms steps that need a human.")
@click.option(
    "--confirm",
    "confirm_ids",
    multiple=True,
    metavar="ID",
    help="Confirm this step, precondition or rollback action in advance, as you (repeatable; ids: see --dry-run).",
)
@click.option("--dry-run", is_flag=True, help="Print the plan with the resolved commands; run nothing.")
@click.option(
    "--audit",
    "audit_path",
    type=click.Path(dir_okay=False),
    help="Audit trail to append to (default: .sopdocs/audit/<sop-id>.jsonl).",
)
@click.option(
    "--lock-dir",
    envvar="SOPDOCS_LOCK_DIR",
    type=click.Path(file_okay=False),
    default=".sopdocs/locks",
    show_default=True,
    help="Directory of the run locks (or $SOPDOCS_LOCK_DIR).",
)
@click.option("--break-stale-lock", is_flag=True, help="Break a lock whose process is dead (recorded in the audit trail).")
@click.option(
    "--kill-grace",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="After a timeout or interrupt: seconds between SIGTERM and SIGKILL.",
)
@click.option("--today", metavar="YYYY-MM-DD", help="Lint as of this day (default: $SOPDOCS_TODAY, else the clock).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: nearest sopdocs.yml or pyproject.toml).",
)
def run(
    target,
    assignments,
    role,
    actor,
    yes,
    confirm_ids,
    dry_run,
    audit_path,
    lock_dir,
    break_stale_lock,
    kill_grace,
    today,
    config_path,
):
    """Run one SOP on this machine, with run locks, rollback and an audit trail.

    MANIFEST_OR_SOP_ID is a manifest (.json), an SOP file (.md) or the id of an SOP
    under the config's paths. SOPs are linted first; one with lint errors is refused.

    Exit codes: 0 success; 1 failed and rolled back (or nothing had started);
    2 usage error; 4 failed and NOT restored; 5 refused before any step.
    """
    from sopdocs.core import clock
    from sopdocs.export.manifest import merge_specs
    from sopdocs.run import items as phases
    from sopdocs.run.audit import key_from
    from sopdocs.run.load import load_target
    from sopdocs.run.parameters import parse_assignments, resolve
    from sopdocs.run.runner import EXIT_REFUSED, Runner, RunOptions

    config = project_config(config_path)
    day = resolve_today(today)
    cwd = Path.cwd()
    interactive = sys.stdin.isatty()

    def fail(message: str) -> None:
        # The runner's own style: what stops a run is one `sopdocs:` line, no usage text.
        click.echo(f"sopdocs: {message}", err=True)
        sys.exit(EXIT_USAGE)

    try:
        clock.shift_seconds()
        audit_key = key_from(os.environ)
        procedure = load_target(target, config, day, cwd)
    except SopdocsError as exc:
        fail(str(exc))
    for warning in procedure.warnings + (procedure.rollback_sop.warnings if procedure.rollback_sop else []):
        click.echo(warning, err=True)
    specs = merge_specs(
        procedure.manifest["parameters"], procedure.rollback_sop.manifest["parameters"] if procedure.rollback_sop else []
    )
    try:
        params = resolve(specs, parse_assignments(assignments), os.environ, _prompt_secret if interactive else None)
    except SopdocsError as exc:
        fail(str(exc))

    options = RunOptions(
        actor=actor or default_actor(os.environ),
        role=role,
        yes=yes,
        confirm=frozenset(confirm_ids),
        dry_run=dry_run,
        audit_path=Path(audit_path) if audit_path else None,
        lock_dir=Path(lock_dir),
        break_stale_lock=break_stale_lock,
        grace=kill_grace,
        interactive=interactive,
        cwd=cwd,
        audit_key=audit_key,
    )
    runner = Runner(procedure, params, options)
    unknown = runner.unknown_confirmations()
    if unknown:
        fail(f"--confirm {unknown[0]}: no such step, precondition or action; --dry-run lists the ids")
    missing = runner.missing_confirmations((phases.PRECONDITION, phases.STEP))
    if dry_run:
        # A plan, not a run: it exits 0 and says what a run would need; only a refusal
        # (role, retired SOP), which no confirmation could lift, is its exit code.
        runner.print_plan()
        refused = runner.refusal()
        if refused:
            click.echo(f"sopdocs: a run would be refused: {refused[1]}", err=True)
            sys.exit(EXIT_REFUSED)
        for note in runner.missing_confirmations((phases.ROLLBACK,)):
            click.echo(f"sopdocs: note: a rollback would stop at {note}", err=True)
        if missing:
            needed = "\n  ".join(missing)
            click.echo(f"sopdocs: note: a run without a terminal needs these confirmed in advance:\n  {needed}", err=True)
        return
    for note in runner.missing_confirmations((phases.ROLLBACK,)):
        click.echo(f"sopdocs: warning: a rollback would stop at {note}", err=True)
    if missing:
        fail("this run has no terminal (stdin is not a TTY), so nobody can be asked; confirm in advance:\n  " + "\n  ".join(missing))
    code = runner.execute()
    if runner.console.out.gone:  # the reader of our output went away: exit without complaint
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)


@group()
def audit():
    """Audit trails written by `sopdocs run`."""


key_file_option = click.option(
    "--key-file",
    type=click.Path(dir_okay=False),
    help="The audit key the trail was written with (default: $SOPDOCS_AUDIT_KEY_FILE, else $SOPDOCS_AUDIT_KEY).",
)


@audit.command()
@click.argument("file", type=click.Path(dir_okay=False))
@key_file_option
@click.option("--anchor", metavar="ANCHOR", help="An anchor from `sopdocs audit anchor`: the trail must still hold that record.")
def verify(file, key_file, anchor):
    """Check the hash chain of an audit trail (JSON Lines): every record in canonical
    form, chained to the one before; with a key, every record's MAC; with an anchor,
    the anchored record still there.

    Exit codes: 0 intact; 1 broken (the first bad line is named); 2 unreadable.
    """
    from sopdocs.run.audit import key_from, parse_anchor, verify_file

    key = key_from(os.environ, key_file)
    anchored = parse_anchor(anchor) if anchor else None
    try:
        result = verify_file(Path(file), key, anchored)
    except OSError as exc:
        raise UsageError(f"{file}: cannot read: {exc.strerror or exc}") from None
    if result.ok:
        checked = (", every MAC checked" if key else "") + (f", anchor {anchored[0]} holds" if anchored else "")
        click.echo(f"{file}: {result.records} records, chain intact{checked} (last hash {result.head})")
        return
    click.echo(f"{file}:{result.line}: {result.error}", err=True)
    click.echo(f"{file}: chain BROKEN at line {result.line}; the {result.records} records before it are intact", err=True)
    sys.exit(1)


@audit.command()
@click.argument("file", type=click.Path(dir_okay=False))
@key_file_option
def anchor(file, key_file):
    """Print the anchor of a trail's last record (after checking the chain): keep it
    outside the trail (a ticket, a commit, another system), then
    `sopdocs audit verify FILE --anchor ANCHOR` shows the trail was not truncated or
    rewritten up to it.

    Exit codes: 0 printed; 1 the chain is broken (no anchor); 2 unreadable.
    """
    from sopdocs.run.audit import key_from, verify_file

    key = key_from(os.environ, key_file)
    try:
        result = verify_file(Path(file), key)
    except OSError as exc:
        raise UsageError(f"{file}: cannot read: {exc.strerror or exc}") from None
    if not result.ok:
        click.echo(f"{file}:{result.line}: {result.error}", err=True)
        click.echo(f"{file}: chain BROKEN at line {result.line}: no anchor for a broken trail", err=True)
        sys.exit(1)
    if not result.records:
        raise UsageError(f"{file}: the trail has no record to anchor")
    click.echo(result.anchor)
