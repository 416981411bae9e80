"""The `sopdocs` command line. Thin: parse options, call the core, print, exit.

Exit codes: 0 no error-level finding; 1 error-level findings; 2 usage or
configuration error; 3 internal error (a bug in sopdocs: please report it).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from sopdocs import __version__

FORMATS = ("text", "json", "github", "sarif")


def _today(value: str | None):
    from sopdocs.core.review import today_from

    try:
        return today_from(value)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _config(path: str | None):
    from sopdocs.core.config import ConfigError, load_config

    try:
        return load_config(Path(path) if path else None)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _use_color(flag: bool | None, stream) -> bool:
    if flag is not None:
        return flag
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sopdocs")
def cli() -> None:
    """Standard Operating Procedures as code: lint, render and export SOPs."""


today_option = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Judge review dates as of this day (default: $SOPDOCS_TODAY, else the clock).",
)
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: nearest sopdocs.yml or pyproject.toml)."
)


@cli.command()
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
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal, unless NO_COLOR).")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None,
    help="Processes that parse files, this one included (default: one per CPU for large catalogs).",
)
@click.option(
    "--cache/--no-cache", "use_cache", default=None,
    help="Reuse per-file results from .sopdocs-cache/ (default: on, unless the config says `cache: false`).",
)
@today_option
@config_option
def lint(paths, fmt, output, catalog, catalog_only, changed_since, force_exclude, fail_on, color, today, config_path, jobs, use_cache):
    """Check SOP files: front matter against the schema, and every rule.

    PATHS are files or directories (searched for *.md); default: the config's
    `paths`, else content/.
    """
    from sopdocs.lint.engine import UsageError, lint_paths
    from sopdocs.lint.fast import Options
    from sopdocs.lint.reporters import REPORTERS
    from sopdocs.lint.reporters.text import summary_line

    if catalog_only and not catalog:
        raise click.UsageError("--catalog-only and --no-catalog exclude each other")
    config = _config(config_path)
    day = _today(today)
    try:
        result = lint_paths(
            paths,
            config,
            day,
            catalog_checks=catalog,
            document_checks=not catalog_only,
            force_exclude=force_exclude,
            changed_since=changed_since,
            fast=Options(jobs=jobs, cache=use_cache),
        )
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    use_color = fmt == "text" and not output and _use_color(color, sys.stdout)
    report = REPORTERS[fmt](result, color=use_color)
    if output:
        try:
            Path(output).write_text(report, encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        if fmt != "text":
            summary = result.summary()
            click.echo(summary_line(summary), err=True)
    else:
        # click strips colour codes when stdout is not a terminal unless told otherwise.
        click.echo(report, nl=False, color=use_color)
    if fail_on == "never":
        sys.exit(0)
    sys.exit(1 if result.errors or (fail_on == "warning" and result.warnings) else 0)


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.pass_context
def rules(ctx, fmt):
    """List the lint rules. `sopdocs rules explain ID` shows one in full.

    `--format markdown` prints the full rule reference (docs/rules.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    import json

    from sopdocs.lint import rules as registry

    if fmt == "markdown":
        click.echo(registry.reference_markdown(), nl=False)
        return

    rows = [
        {"code": r.CODE, "id": r.ID, "severity": r.SEVERITY, "scope": r.SCOPE, "summary": registry.sections(r)["summary"]}
        for r in registry.RULES.values()
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        click.echo(f"{row['code']}  {row['id']:<{width}}  {row['severity']:<7}  {row['summary']}")


@rules.command()
@click.argument("rule_id")
def explain(rule_id):
    """Show the documentation of one rule, by id or code."""
    from sopdocs.lint import rules as registry

    try:
        rule = registry.resolve(rule_id)
    except KeyError as exc:
        raise click.UsageError(exc.args[0]) from None
    click.echo(f"{rule.CODE} {rule.ID} (default severity: {rule.SEVERITY}, scope: {rule.SCOPE})\n")
    click.echo(rule.__doc__.strip())


@cli.command()
@click.argument("name", type=click.Choice(["sop", "manifest", "config"]), default="sop")
@click.option(
    "--profile",
    type=click.Choice(["sopdocs", "govuk", "giantswarm", "config"]),
    default="sopdocs",
    show_default=True,
    help="`sop` only: the schema for front matter in this profile's format (`config`: the config's profile and aliases).",
)
@click.option(
    "--draft",
    type=click.Choice(["2020-12", "7"]),
    default="2020-12",
    show_default=True,
    help="JSON Schema draft. `7` for the YAML language server (VS Code, Neovim, Helix), which validates with draft-07.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the schema to a file (for editors).")
@config_option
def schema(name, profile, draft, output, config_path):
    """Print a JSON Schema: `sop` (front matter, default), `manifest` or `config`.

    For editors: `sopdocs schema --draft 7 -o schema/sop.schema.json`, then
    `# yaml-language-server: $schema=../schema/sop.schema.json` in the front matter.
    """
    import json

    from sopdocs.core.schema import schema_text

    if name != "sop" and profile != "sopdocs":
        raise click.UsageError(f"--profile applies to the `sop` schema, not to `{name}`")
    text = schema_text(name)
    if profile != "sopdocs" or draft == "7":
        from sopdocs.author.editor_schema import editor_schema, to_draft7
        from sopdocs.core.config import ConfigError, config_from_dict

        data = json.loads(text)
        if profile != "sopdocs":
            config = _config(config_path)
            if profile != "config":
                try:
                    config = config_from_dict({**config.raw, "profile": profile}, config.source, config.root)
                except ConfigError as exc:
                    raise click.UsageError(str(exc)) from None
            data = editor_schema(config)
        if draft == "7":
            data = to_draft7(data)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("title")
@click.option("--owner", required=True, help="The owning team.")
@click.option("--id", "sop_id", help="The SOP id (default: from the title).")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to write (default: first of the config's paths).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@today_option
@config_option
def new(title, owner, sop_id, directory, force, today, config_path):
    """Scaffold a new SOP from the template. Fill in every TODO(sopdocs), then lint."""
    from sopdocs.author.scaffold import ScaffoldError, scaffold

    config = _config(config_path)
    target_dir = Path(directory) if directory else config.root / config.paths[0]
    try:
        path = scaffold(title, owner, target_dir, _today(today), sop_id=sop_id, force=force)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {path}")
    click.echo(f"next: fill in every TODO(sopdocs), then run: sopdocs lint {path}")


def _engine_env(today: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    if today:
        env["SOPDOCS_TODAY"] = _today(today).isoformat()
    return env


mkdocs_file_option = click.option(
    "--config-file", "-f", "mkdocs_file", type=click.Path(dir_okay=False, exists=True), default="mkdocs.yml", show_default=True,
    help="The MkDocs configuration of the catalog site.",
)


@cli.command()
@mkdocs_file_option
@click.option("--site-dir", "-d", type=click.Path(file_okay=False), help="Where to write the site (default: the config's site_dir).")
@click.option(
    "--engine", type=click.Choice(["mkdocs", "properdocs"]), default="mkdocs", show_default=True,
    help="mkdocs: MkDocs with the sopdocs plugin. properdocs: generate plain Markdown with sopdocs, build it with ProperDocs.",
)
@click.option(
    "--metrics", "metrics_paths", multiple=True, type=click.Path(exists=True),
    help="Show run figures: a `sopdocs metrics --format json` file, or trail files/directories (repeatable).",
)
@today_option
def build(mkdocs_file, site_dir, engine, today, metrics_paths):
    """Lint the SOPs and build the catalog site (pages, catalog, search index).

    Lint errors fail the build with the same file:line messages as `sopdocs lint`
    (errors in drafts only warn, unless the plugin's `drafts_warn` is false).
    """
    import subprocess

    env = _engine_env(today)
    if metrics_paths:  # read by the plugin; wins over its `metrics` option
        env["SOPDOCS_METRICS"] = os.pathsep.join(str(Path(p).resolve()) for p in metrics_paths)
    if engine == "mkdocs":
        command = [sys.executable, "-m", "mkdocs", "build", "-f", mkdocs_file] + (["-d", site_dir] if site_dir else [])
        sys.exit(subprocess.call(command, env=env))
    sys.exit(_build_generated(Path(mkdocs_file), site_dir, env))


def _build_generated(mkdocs_file: Path, site_dir: str | None, env: dict[str, str]) -> int:
    """Build through the generator alone: proves the site needs no MkDocs internals."""
    import subprocess

    from sopdocs.cli.metrics import site_metrics
    from sopdocs.site.build import generate_tree, lint_for_build, make_site, plugin_options, read_docs, read_mkdocs_yml
    from sopdocs.site.search import write_index

    settings = read_mkdocs_yml(mkdocs_file)
    options = plugin_options(settings)
    root = mkdocs_file.resolve().parent
    project = _config(options.get("config_file"))
    day = _today(options.get("today") or env.get("SOPDOCS_TODAY"))
    docs = read_docs(root / settings.get("docs_dir", "docs"), project, Path.cwd())
    report = lint_for_build(docs, project, day, options.get("strict", True), options.get("drafts_warn", True))
    for message in report.warnings:
        click.echo(f"WARNING -  {message}", err=True)
    for message in report.errors:
        click.echo(f"ERROR   -  {message}", err=True)
    if report.errors:
        click.echo(f"sopdocs: {len(report.errors)} lint errors in the SOPs; build aborted", err=True)
        return 1
    site = make_site(docs, project, day, options.get("catalog_title", "SOP catalog"), metrics=site_metrics(options, root, env))
    target = Path(site_dir) if site_dir else root / settings.get("site_dir", "site")
    with tempfile.TemporaryDirectory(prefix="sopdocs-generated-") as tmp:
        generated = generate_tree(site, Path(tmp), settings.get("site_name", "SOP catalog"))
        code = subprocess.call([sys.executable, "-m", "properdocs", "build", "-f", str(generated), "-d", str(target.resolve())], env=env)
    if code == 0 and options.get("csp", True):
        from sopdocs.site.csp import add_policy

        for page in sorted(target.rglob("*.html")):
            page.write_text(add_policy(page.read_text(encoding="utf-8")), encoding="utf-8")
    if code == 0 and options.get("search", True):
        write_index(site, target)
    return code


@cli.command()
@mkdocs_file_option
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory to write the plain site sources to.")
@today_option
def generate(mkdocs_file, out, today):
    """Write the catalog site as plain Markdown, CSS, JS and an mkdocs.yml, for any
    MkDocs-compatible builder (no sopdocs plugin needed)."""
    from sopdocs.cli.metrics import site_metrics
    from sopdocs.site.build import generate_tree, make_site, plugin_options, read_docs, read_mkdocs_yml

    settings = read_mkdocs_yml(Path(mkdocs_file))
    options = plugin_options(settings)
    project = _config(options.get("config_file"))
    docs = read_docs(Path(mkdocs_file).resolve().parent / settings.get("docs_dir", "docs"), project, Path.cwd())
    metrics = site_metrics(options, Path(mkdocs_file).resolve().parent, os.environ)
    site = make_site(docs, project, _today(today or options.get("today")), options.get("catalog_title", "SOP catalog"), metrics=metrics)
    path = generate_tree(site, Path(out), settings.get("site_name", "SOP catalog"))
    click.echo(f"wrote {path.parent} (build it with: mkdocs build -f {path})")


@cli.command()
@mkdocs_file_option
@click.option("--dev-addr", "-a", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@today_option
def serve(mkdocs_file, dev_addr, today):
    """Serve the catalog site locally and rebuild on changes."""
    import subprocess

    sys.exit(subprocess.call([sys.executable, "-m", "mkdocs", "serve", "-f", mkdocs_file, "-a", dev_addr], env=_engine_env(today)))


# Commands that live in their own modules.
def _register_commands() -> None:
    from sopdocs.cli.export import export
    from sopdocs.cli.metrics import metrics
    from sopdocs.cli.report import migrate, report
    from sopdocs.cli.run import audit, run

    for command in (export, run, audit, report, migrate, metrics):
        cli.add_command(command)


_register_commands()


def main() -> None:
    try:
        cli.main(prog_name="sopdocs")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("sopdocs: interrupted", err=True)
        sys.exit(130)
    except Exception:  # noqa: BLE001 - last line of defence: no raw traceback for users
        handle, log = tempfile.mkstemp(prefix="sopdocs-crash-", suffix=".log")
        with os.fdopen(handle, "w") as stream:
            stream.write(traceback.format_exc())
        exc = sys.exc_info()[1]
        click.echo(f"sopdocs: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(f"sopdocs: this is a bug in sopdocs; details are in {log}", err=True)
        sys.exit(3)
