"""`sopdocs export`: thin click front end of :mod:`sopdocs.export`.

Exit codes: 0 every SOP exported; 1 some SOP not exported (lint errors, or the target
cannot express it; the others are still written); 2 usage or configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sopdocs.cli.options import command, config_option, project_config, resolve_today, today_option
from sopdocs.core.text import plural
from sopdocs.errors import UsageError
from sopdocs.export.writer import TARGETS


@command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory to write the files to (created if missing).",
)
@click.option(
    "--target",
    type=click.Choice(list(TARGETS)),
    default="manifest",
    show_default=True,
    help="manifest: <id>.json step manifests. argo: <id>.yaml Argo WorkflowTemplates. github-actions: <id>.yml workflows.",
)
@click.option("--argo-image", metavar="IMAGE", default=None, help="Container image of Argo script steps (default: bash:5.2).")
@click.option("--runs-on", metavar="LABEL", default=None, help="Runner label of GitHub Actions jobs (default: ubuntu-latest).")
@today_option
@config_option
def export(paths, out_dir, target, argo_image, runs_on, today, config_path):
    """Write one file per SOP: a step manifest, an Argo WorkflowTemplate or a GitHub
    Actions workflow. SOPs with lint errors are not exported; the errors say why.

    PATHS are files or directories (searched for *.md); default: the config's `paths`.
    The formats and their mappings are described in docs/manifest.md.
    """
    from sopdocs.export.writer import EngineOptions, export_paths

    config = project_config(config_path)
    day = resolve_today(today)
    defaults = EngineOptions()
    options = EngineOptions(argo_image=argo_image or defaults.argo_image, runs_on=runs_on or defaults.runs_on)
    try:
        result = export_paths(paths, config, day, Path(out_dir), target, options=options)
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    for refusal in result.refused:
        for line in refusal.lines():
            click.echo(line, err=True)
    count = len(result.written)
    summary = f"exported {plural(count, 'SOP')} to {out_dir}"
    if result.refused:
        summary += f"; {len(result.refused)} not exported"
    click.echo(summary, err=True)
    sys.exit(result.exit_code)
