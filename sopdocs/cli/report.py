"""`sopdocs report` and `sopdocs migrate`: thin click front ends of
:mod:`sopdocs.report` and :mod:`sopdocs.migrate`.

Exit codes: 0 success (a report is not a gate: overdue SOPs do not fail it); 2 usage or
configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sopdocs.cli import _config, _today, config_option, today_option
from sopdocs.health.report import FORMATS, RUBBER_STAMP, STATES


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True, help="Output format.")
@click.option(
    "--due-within",
    metavar="DAYS",
    help="Window of 'due soon': 30d, 4w or a number of days (default: the config's due_soon_days).",
)
@click.option("--owner", "owners", multiple=True, metavar="TEAM", help="Only SOPs of this owner (repeatable).")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([*STATES, RUBBER_STAMP]),
    help="Only SOPs in this review state (repeatable); `rubber-stamp`: SOPs flagged as possible rubber stamps.",
)
@click.option("--link-base", metavar="URL", help="Markdown: link each SOP to URL/<path> (e.g. the repository's blob URL).")
@click.option("--history/--no-history", default=True, help="Read git history for 'last changed' and rubber stamps (default: on).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to a file.")
@today_option
@config_option
def report(paths, fmt, due_within, owners, states, link_base, history, output, today, config_path):
    """List SOPs by review state (overdue, due soon, current), grouped by owner.

    PATHS are files or directories (default: the config's `paths`). Next to the last
    review, each SOP shows when its content last changed (from git), and the report
    flags possible rubber stamps: review dates bumped while nothing else changed for
    longer than the config's `rubber_stamp_days`.
    """
    from sopdocs.core import history as git_history
    from sopdocs.core import profiles
    from sopdocs.health import report as reports
    from sopdocs.lint.engine import UsageError, discover, parse_paths

    config = _config(config_path)
    day = _today(today)
    try:
        window = reports.parse_within(due_within) if due_within is not None else config.due_soon_days
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--due-within") from None
    try:
        files = discover(list(paths) or [config.root / p for p in config.paths], config, Path.cwd())
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    docs = parse_paths(files, config, Path.cwd())
    found = git_history.load(files, profiles.review_keys(config)) if history and files else None
    result = reports.build(docs, config, day, window, found, list(owners), list(states))
    if fmt == "markdown":
        text = reports.render_markdown(result, link_base)
    else:
        text = FORMATS[fmt](result)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--profile",
    type=click.Choice(["govuk", "giantswarm"]),
    help="Format the files are in (default: the config's `profile`).",
)
@click.option("--write", is_flag=True, help="Rewrite the files in place (default: print a diff).")
@config_option
def migrate(paths, profile, write, config_path):
    """Rewrite SOPs from another handbook format into the sopdocs format.

    Keeps the body, comments and key order; renames the profile's keys, converts their
    values, adds `id` (from the file name) and `TODO(sopdocs)` placeholders for what the
    old format lacks (preconditions, rollback). Without --write, prints a unified diff.
    """
    from sopdocs.author import migrate as migration
    from sopdocs.core.config import ConfigError, config_from_dict
    from sopdocs.lint.engine import UsageError, discover, display_path

    config = _config(config_path)
    if profile:
        try:
            config = config_from_dict({**config.raw, "profile": profile}, config.source, config.root)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
    if config.profile == "sopdocs" and not config.aliases:
        raise click.UsageError("nothing to migrate from: pass --profile govuk|giantswarm, or set `profile` in the config")
    try:
        files = discover(paths, config, Path.cwd())
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    changed = 0
    for path in files:
        label = display_path(path, Path.cwd())
        result = migration.migrate_file(path, config)
        for note in result.notes:
            click.echo(f"{label}: {note}", err=True)
        if not result.changed:
            continue
        changed += 1
        if write:
            path.write_bytes(result.text.encode("utf-8"))
        else:
            click.echo(migration.unified_diff(result, label), nl=False)
    verb = "migrated" if write else "would migrate"
    click.echo(f"sopdocs: {verb} {changed} of {len(files)} file{'s' if len(files) != 1 else ''}", err=True)
    sys.exit(0)
