"""`sopdocs metrics`: thin click front end of :mod:`sopdocs.metrics`.

Exit codes: 0 every trail's chain is intact; 1 a chain is broken (its runs are left
out, the figures are still written); 2 usage error (a missing or unreadable path).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click


def _today(value: str | None):
    """--today, else $SOPDOCS_TODAY, else None: metrics never read the clock."""
    from sopdocs.core.review import parse_date

    value = value or os.environ.get("SOPDOCS_TODAY")
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise click.UsageError(f"invalid date {value!r} for --today; write YYYY-MM-DD")
    return parsed


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename: node_exporter's textfile collector must
    never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command()
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
    from sopdocs.health.metrics import REPORTERS, MetricsError, Settings, chain_problems, metrics_from_paths

    settings = Settings(min_runs=min_runs, stale_days=stale_days, period=period, recent=recent)
    try:
        document = metrics_from_paths(paths or [".sopdocs/audit"], settings, _today(today))
    except MetricsError as exc:
        raise click.UsageError(str(exc)) from None
    text = REPORTERS[fmt](document)
    if output:
        try:
            _write_atomically(Path(output), text)
        except OSError as exc:
            raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    problems = chain_problems(document)
    for message in problems:
        click.echo(message, err=True)
    if not document["trails"]:
        click.echo("sopdocs: warning: no audit trail (*.jsonl) found", err=True)
    sys.exit(1 if document["summary"]["broken_trails"] else 0)


def site_metrics(options: dict, root: Path, environ):
    """The run figures for `sopdocs build --engine properdocs` and `sopdocs generate`:
    $SOPDOCS_METRICS, else the plugin's `metrics` options in mkdocs.yml; None without."""
    from sopdocs.site import reliability

    sources = reliability.metric_sources(options.get("metrics"), root, environ)
    try:
        loaded = reliability.load_site_metrics(sources, options.get("metrics_min_runs"), options.get("metrics_stale_days"))
    except reliability.SiteMetricsError as exc:
        raise click.UsageError(str(exc)) from None
    for message in reliability.problems(loaded):
        click.echo(f"WARNING -  {message}", err=True)
    return loaded
