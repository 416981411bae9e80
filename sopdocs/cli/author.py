"""`sopdocs new`, `sopdocs schema` and `sopdocs migrate`: writing SOPs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sopdocs.cli.options import command, config_option, project_config, resolve_today, today_option
from sopdocs.errors import UsageError


@command()
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
    from sopdocs.core.schema import schema_text

    if name != "sop" and profile != "sopdocs":
        raise UsageError(f"--profile applies to the `sop` schema, not to `{name}`")
    text = schema_text(name)
    if profile != "sopdocs" or draft == "7":
        from sopdocs.author.editor_schema import editor_schema, to_draft7
        from sopdocs.core.config import config_from_dict

        data = json.loads(text)
        if profile != "sopdocs":
            config = project_config(config_path)
            if profile != "config":
                config = config_from_dict({**config.raw, "profile": profile}, config.source, config.root)
            data = editor_schema(config)
        if draft == "7":
            data = to_draft7(data)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@command()
@click.argument("title")
@click.option("--owner", required=True, help="The owning team.")
@click.option("--id", "sop_id", help="The SOP id (default: from the title).")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to write (default: first of the config's paths).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@today_option
@config_option
def new(title, owner, sop_id, directory, force, today, config_path):
    """Scaffold a new SOP from the template. Fill in every TODO(sopdocs), then lint."""
    from sopdocs.author.scaffold import scaffold
    from sopdocs.lint.rules.owner_unknown import unknown_owner_advice

    config = project_config(config_path)
    advice = unknown_owner_advice(owner, config.owners)
    if advice:
        raise UsageError(f"--owner `{owner}` is not a known owner (the config's `owners`); {advice}")
    target_dir = Path(directory) if directory else config.root / config.paths[0]
    path = scaffold(title, owner, target_dir, resolve_today(today), sop_id=sop_id, force=force)
    click.echo(f"wrote {path}")
    click.echo(f"next: fill in every TODO(sopdocs), then run: sopdocs lint {path}")


@command()
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
    values, adds `id` (from the file name; where that name is another file's id too,
    from the path: `overview-architecture`) and `TODO(sopdocs)` placeholders for what
    the old format lacks (preconditions, rollback). A second run changes nothing.
    Without --write, prints a unified diff.
    """
    from sopdocs.author import migrate as migration
    from sopdocs.core.config import config_from_dict
    from sopdocs.core.discover import catalog_files, discover, display_path

    config = project_config(config_path)
    if profile:
        config = config_from_dict({**config.raw, "profile": profile}, config.source, config.root)
    if config.profile == "sopdocs" and not config.aliases:
        raise UsageError("nothing to migrate from: pass --profile govuk|giantswarm, or set `profile` in the config")
    files = discover(paths, config, Path.cwd())
    # Ids unique across the catalog: the files named and the config's catalog.
    ids = migration.planned_ids(files, config, catalog_files(config, Path.cwd()))
    changed = 0
    for path in files:
        label = display_path(path, Path.cwd())
        result = migration.migrate_file(path, config, ids.get(path))
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
