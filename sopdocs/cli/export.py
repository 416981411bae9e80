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
from sopdocs.export.engines.argo import ARGO_VERSIONS
from sopdocs.export.writer import TARGETS


def engine_options(config, *, argo_image=None, argo_version=None, runs_on=None, pins=(), concurrency_queue=None):
    """EngineOptions from the command line, then the config's `export` section, then the
    defaults. Raises UsageError (a bad --pin) or ConfigError (a bad setting)."""
    from sopdocs.errors import ConfigError
    from sopdocs.export.engines import CompileError, github_actions
    from sopdocs.export.writer import EngineOptions

    section = config.raw.get("export") or {}
    github, argo = section.get("github") or {}, section.get("argo") or {}
    defaults = EngineOptions()
    chosen: dict[str, str] = {}
    for text, source in [*((t, f"{config.where}: export.github.pin") for t in github.get("pin", [])), *((t, "--pin") for t in pins)]:
        try:
            action, value = github_actions.parse_pin(text)
        except CompileError as exc:
            raise (UsageError if source == "--pin" else ConfigError)(f"{source}: {exc}") from None
        chosen[action] = value
    try:
        permissions = github_actions.check_permissions(
            {**dict(defaults.permissions), **github.get("permissions", {})}, f"{config.where}: export.github.permissions"
        )
    except CompileError as exc:
        raise ConfigError(str(exc)) from None
    return EngineOptions(
        argo_image=argo_image or argo.get("image") or defaults.argo_image,
        argo_version=argo_version or str(argo.get("version", defaults.argo_version)),
        runs_on=runs_on or github.get("runs_on") or defaults.runs_on,
        permissions=tuple(permissions.items()),
        pins=tuple(sorted(chosen.items())),
        concurrency_queue=bool(github.get("concurrency_queue", defaults.concurrency_queue))
        if concurrency_queue is None
        else concurrency_queue,
    )


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
    help="manifest: <id>.json step manifests. argo: <id>.yaml Argo WorkflowTemplates. github-actions: <id>.yml workflows. "
    "ansible: <id>.yml playbooks.",
)
@click.option("--argo-image", metavar="IMAGE", default=None, help="Container image of Argo script steps (default: bash:5.2).")
@click.option(
    "--argo-version",
    type=click.Choice(list(ARGO_VERSIONS)),
    default=None,
    help="Oldest Argo Workflows the templates must run on (default: 3.6, config export.argo.version). "
    "3.6 writes synchronization.mutexes; 3.5 the older synchronization.mutex.",
)
@click.option("--runs-on", metavar="LABEL", default=None, help="Runner label of GitHub Actions jobs (default: ubuntu-latest).")
@click.option(
    "--pin",
    "pins",
    metavar="'OWNER/ACTION@SHA # TAG'",
    multiple=True,
    help="Pin an action of the GitHub workflows to a full commit SHA (40 hex digits), e.g. "
    "'actions/checkout@<sha> # v6.0.0'; repeatable; adds to the config's export.github.pin.",
)
@click.option(
    "--no-concurrency-queue",
    "concurrency_queue",
    flag_value=False,
    default=None,
    help="Leave `queue: max` out of the GitHub workflows' run lock, for engines that refuse the key (act 0.2.89); "
    "a newer waiting run then cancels an older waiting one (config: export.github.concurrency_queue: false).",
)
@today_option
@config_option
def export(paths, out_dir, target, argo_image, argo_version, runs_on, pins, concurrency_queue, today, config_path):
    """Write one file per SOP: a step manifest, an Argo WorkflowTemplate, a GitHub
    Actions workflow or an Ansible playbook. SOPs with lint errors are not exported; the errors say why.

    PATHS are files or directories (searched for *.md); default: the config's `paths`.
    The formats and their mappings are described in docs/manifest.md.
    """
    from sopdocs.export.writer import export_paths

    config = project_config(config_path)
    day = resolve_today(today)
    options = engine_options(
        config, argo_image=argo_image, argo_version=argo_version, runs_on=runs_on, pins=pins, concurrency_queue=concurrency_queue
    )
    try:
        result = export_paths(paths, config, day, Path(out_dir), target, options=options)
    except OSError as exc:
        raise UsageError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    for refusal in result.refused:
        for line in refusal.lines():
            click.echo(line, err=True)
    if result.gates:
        click.echo(
            f"note: {plural(len(result.gates), 'workflow')} wait for approval in an environment "
            f"({result.gates[0] if len(result.gates) == 1 else 'sop-<id>-approval, named in each file header'}). GitHub creates an environment a workflow names without protection: "
            "give each one required reviewers (Settings > Environments), or its jobs run without waiting.",
            err=True,
        )
    count = len(result.written)
    summary = f"exported {plural(count, 'SOP')} to {out_dir}"
    if result.refused:
        summary += f"; {len(result.refused)} not exported"
    click.echo(summary, err=True)
    sys.exit(result.exit_code)
