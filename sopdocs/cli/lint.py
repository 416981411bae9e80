"""`sopdocs lint` and `sopdocs rules`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sopdocs.cli.options import command, config_option, group, project_config, resolve_today, today_option, use_color
from sopdocs.errors import EXIT_FINDINGS, EXIT_OK, UsageError

FORMATS = ("text", "json", "github", "sarif")


@command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to a file.")
@click.option(
    "--catalog/--no-catalog",
    default=True,
    help="Run catalog-wide checks (duplicate ids, references between SOPs). Turn off for per-file hooks.",
)
@click.option("--catalog-only", is_flag=True, help="Run only the catalog-wide checks, over the whole catalog (the pre-commit catalog hook).")
@click.option(
    "--changed-since",
    metavar="REV",
    help="Lint only SOPs changed since the git revision REV (committed or not), plus catalog-wide findings they cause.",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Skip named files outside the config's `paths` or matching `exclude` (for hooks that pass every changed file).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 on findings of this severity or worse; `never`: always exit 0 after a run.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Paths given that hold no SOP file are fine (default: a usage error, so a wrong path cannot pass CI).",
)
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal, unless NO_COLOR).")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None,
    help="Processes that parse files, this one included (default: one per CPU for large catalogs).",
)  # fmt: skip
@click.option(
    "--cache/--no-cache", "use_cache", default=None,
    help="Reuse per-file results from .sopdocs-cache/ (default: on, unless the config says `cache: false`).",
)  # fmt: skip
@click.option(
    "--fix", "fix", is_flag=True,
    help="Apply the certain fixes (docs/rules.md says which rules have them), then lint and report what is left.",
)  # fmt: skip
@click.option(
    "--diff", "diff", is_flag=True,
    help="Print what --fix would change as a unified diff and write nothing; exit 1 when there is something to fix.",
)  # fmt: skip
@today_option
@config_option
def lint(
    paths, fmt, output, catalog, catalog_only, changed_since, force_exclude, fail_on, allow_empty, color, today, config_path, jobs, use_cache,
    fix, diff,
):  # fmt: skip
    """Check SOP files: front matter against the schema, and every rule.

    PATHS are files or directories (searched for *.md); default: the config's
    `paths`, else content/.
    """
    from sopdocs.lint.fast import Options
    from sopdocs.lint.files import lint_paths
    from sopdocs.lint.reporters import REPORTERS

    if catalog_only and not catalog:
        raise UsageError("--catalog-only and --no-catalog exclude each other")
    # The rules section is checked by the lint itself (sopdocs.lint.fast), before it
    # reads any file, unless the last run's record (made with this config) answers.
    config = project_config(config_path, check_rules=bool(fix or diff or changed_since))
    if fix or diff:
        _fix(paths, config, catalog, catalog_only, changed_since, force_exclude, allow_empty, diff)
    result = lint_paths(
        paths,
        config,
        resolve_today(today),
        catalog_checks=catalog,
        document_checks=not catalog_only,
        force_exclude=force_exclude,
        changed_since=changed_since,
        fast=Options(jobs=jobs, cache=use_cache),
        allow_empty=allow_empty,
    )
    colored = fmt == "text" and not output and use_color(color, sys.stdout)
    report = REPORTERS[fmt](result, color=colored)
    if output:
        try:
            Path(output).write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        if fmt != "text":
            click.echo(result.summary_line(), err=True)
    else:
        # click strips colour codes when stdout is not a terminal unless told otherwise.
        click.echo(report, nl=False, color=colored)
    if fail_on == "never":
        sys.exit(EXIT_OK)
    sys.exit(EXIT_FINDINGS if result.errors or (fail_on == "warning" and result.warnings) else EXIT_OK)


def _fix(paths, config, catalog, catalog_only, changed_since, force_exclude, allow_empty, diff):
    """--fix: write the fixes and say what was fixed (stderr); --diff: print them and exit."""
    from sopdocs.lint import fix as fixer

    if catalog_only or changed_since:
        raise UsageError(f"--{'diff' if diff else 'fix'} works on named paths or the catalog, not with --catalog-only or --changed-since")
    found = fixer.fix_paths(paths, config, Path.cwd(), catalog_checks=catalog, force_exclude=force_exclude, allow_empty=allow_empty)
    if diff:
        click.echo("".join(item.diff() for item in found), nl=False)
        click.echo(fixer.summary(found, done=False) if found else "nothing to fix", err=True)
        sys.exit(EXIT_FINDINGS if found else EXIT_OK)
    failed = list(fixer.write(found))
    for message in failed:
        click.echo(message, err=True)
    written = [item for item in found if not any(m.startswith(f"{item.display_path}: ") for m in failed)]
    for item in written:
        for applied in item.fixes:
            click.echo(f"{item.display_path}: fixed {applied.code} {applied.rule}: {applied.title}", err=True)
    click.echo(fixer.summary(written), err=True)
    if failed:
        raise UsageError(f"could not write the fixes of {len(failed)} file(s)")


@group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.pass_context
def rules(ctx, fmt):
    """List the lint rules. `sopdocs rules explain ID` shows one in full.

    `--format markdown` prints the full rule reference (docs/rules.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    from sopdocs.lint import rules as registry

    if fmt == "markdown":
        click.echo(registry.reference_markdown(), nl=False)
        return
    rows = [
        {
            "code": r.code,
            "id": r.id,
            "severity": r.severity,
            "scope": r.scope,
            "fixable": r.fix is not None,  # `sopdocs lint --fix` fixes some of what it reports
            "summary": registry.sections(r)["summary"],
        }
        for r in registry.RULES.values()
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        fix = "fix" if row["fixable"] else "   "
        click.echo(f"{row['code']}  {row['id']:<{width}}  {row['severity']:<7}  {fix}  {row['summary']}")


@rules.command()
@click.argument("rule_id")
def explain(rule_id):
    """Show the documentation of one rule, by id or code."""
    from sopdocs.lint import rules as registry

    try:
        rule = registry.resolve(rule_id)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    more = "".join(f"; {trait}" for trait in registry.traits(rule))
    click.echo(f"{rule.code} {rule.id} (default severity: {rule.severity}, scope: {rule.scope}{more})\n")
    click.echo(f"Fix: {rule.fix_doc}\n")
    click.echo(rule.doc)
