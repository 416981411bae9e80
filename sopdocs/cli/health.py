"""`sopdocs report` (review states by owner) and `sopdocs metrics` (run figures from
audit trails): the health of a catalog.

Exit codes: report: 0 success (a report is not a gate: overdue SOPs do not fail it);
metrics: 0 every trail's chain is intact, 1 a chain is broken (its runs are left out,
the figures are still written); both: 2 usage or configuration error.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from sopdocs.cli.options import command, config_option, project_config, resolve_today, today_option
from sopdocs.errors import UsageError
from sopdocs.health.report import FORMATS, RUBBER_STAMP, STATES


def _metrics_today(value: str | None) -> dt.date | None:
    """--today, else $SOPDOCS_TODAY, else None: metrics never read the clock."""
    from sopdocs.core.review import parse_date

    value = value or os.environ.get("SOPDOCS_TODAY")
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(f"invalid date {value!r} for --today; write YYYY-MM-DD")
    return parsed


@command()
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
    from sopdocs.core.discover import discover
    from sopdocs.core.parser import parse_files
    from sopdocs.health import report as reports

    config = project_config(config_path)
    day = resolve_today(today)
    try:
        window = reports.parse_within(due_within) if due_within is not None else config.due_soon_days
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--due-within") from None
    files = discover(list(paths) or [config.root / p for p in config.paths], config, Path.cwd())
    docs = parse_files(files, config, Path.cwd())
    found = git_history.load(files, config.review_keys()) if history and files else None
    result = reports.build(docs, config, day, window, found, list(owners), list(states))
    if fmt == "markdown":
        text = reports.render_markdown(result, link_base)
    else:
        text = FORMATS[fmt](result)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)


@command()
@click.argument("paths", nargs=-1, type=click.Path(), metavar="[TRAIL_OR_DIR]...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "prometheus", "openmetrics"]),
    default="text",
    show_default=True,
    help="text: tables. json: every figure (the site reads it). prometheus: text format for node_exporter's "
    "textfile collector. openmetrics: the same as OpenMetrics.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file (atomically: write, then rename).")
@click.option("--today", metavar="YYYY-MM-DD", help="For 'days since the last run' (default: $SOPDOCS_TODAY; never the clock).")
@click.option(
    "--min-runs",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Rates over fewer finished runs are marked low-confidence.",
)
@click.option(
    "--stale-days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    help="An SOP whose last run is more than this many days before --today is 'not run for a long time'.",
)
@click.option(
    "--period",
    type=click.Choice(["month", "week"]),
    default="month",
    show_default=True,
    help="Runs per calendar month (2026-11) or ISO week (2026-W48), UTC.",
)
@click.option(
    "--recent",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Runs per SOP listed in the JSON (the site's trend).",
)
def metrics(paths, fmt, output, today, min_runs, stale_days, period, recent):
    """SOP health from audit trails: runs, success and rollback rates, time to
    execute, audit completeness, per SOP and per SOP version.

    TRAIL_OR_DIR are trail files or directories searched for *.jsonl (default:
    .sopdocs/audit). Every chain is verified first; a run in a broken chain is
    reported and left out of every figure. Definitions: docs/metrics.md.
    """
    from sopdocs.core.files import atomic_write
    from sopdocs.health.metrics.figures import Settings, metrics_from_paths
    from sopdocs.health.metrics.output import REPORTERS, chain_problems

    settings = Settings(min_runs=min_runs, stale_days=stale_days, period=period, recent=recent)
    document = metrics_from_paths(paths or [".sopdocs/audit"], settings, _metrics_today(today))
    text = REPORTERS[fmt](document)
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(Path(output), text, mode=0o644)  # node_exporter's textfile collector reads it whole
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    problems = chain_problems(document)
    for message in problems:
        click.echo(message, err=True)
    if not document["trails"]:
        click.echo("sopdocs: warning: no audit trail (*.jsonl) found", err=True)
    sys.exit(1 if document["summary"]["broken_trails"] else 0)
