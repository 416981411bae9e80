"""`sopdocs build`, `sopdocs serve` and `sopdocs generate`: the catalog site."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sopdocs.cli.options import command, mkdocs_file_option, resolve_today, today_option


def _say(message: str) -> None:
    click.echo(message, err=True)


@command()
@mkdocs_file_option
@click.option("--site-dir", "-d", type=click.Path(file_okay=False), help="Where to write the site (default: the config's site_dir).")
@click.option(
    "--engine", type=click.Choice(["mkdocs", "properdocs"]), default="mkdocs", show_default=True,
    help="mkdocs: MkDocs with the sopdocs plugin. properdocs: generate plain Markdown with sopdocs, build it with ProperDocs.",
)  # fmt: skip
@click.option(
    "--metrics", "metrics_paths", multiple=True, type=click.Path(exists=True),
    help="Show run figures: a `sopdocs metrics --format json` file, or trail files/directories (repeatable).",
)  # fmt: skip
@click.option(
    "--offline", is_flag=True,
    help="Write a copy that works opened from disk (file://): links name their .html files, search runs on an index shipped as a script.",
)  # fmt: skip
@today_option
def build(mkdocs_file, site_dir, engine, today, metrics_paths, offline):
    """Lint the SOPs and build the catalog site (pages, catalog, search index).

    Lint errors fail the build with the same file:line messages as `sopdocs lint`
    (errors in drafts only warn, unless the plugin's `drafts_warn` is false).
    """
    # Only the light sopdocs.site.engine before MkDocs starts: this process waits for it.
    from sopdocs.site.engine import call_engine, engine_env

    env = engine_env(resolve_today(today) if today else None)
    if metrics_paths:  # read by the plugin; wins over its `metrics` option
        from sopdocs.site.reliability import ENV as METRICS_ENV

        env[METRICS_ENV] = os.pathsep.join(str(Path(p).resolve()) for p in metrics_paths)
    if offline:  # read by the plugin, as its `offline` option
        from sopdocs.site.offline import ENV as OFFLINE_ENV

        env[OFFLINE_ENV] = "1"
    if engine == "mkdocs":
        sys.exit(call_engine("mkdocs", "build", mkdocs_file, ["-d", site_dir] if site_dir else [], env))
    from sopdocs.site.build import build_generated

    sys.exit(build_generated(Path(mkdocs_file), site_dir, env, _say))


@command()
@mkdocs_file_option
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory to write the plain site sources to.")
@today_option
def generate(mkdocs_file, out, today):
    """Write the catalog site as plain Markdown, CSS, JS and an mkdocs.yml, for any
    MkDocs-compatible builder (no sopdocs plugin needed)."""
    from sopdocs.site.build import generate as generate_site

    path = generate_site(Path(mkdocs_file), Path(out), resolve_today(today) if today else None, os.environ, _say)
    click.echo(f"wrote {path.parent} (build it with: mkdocs build -f {path})")


@command()
@mkdocs_file_option
@click.option("--dev-addr", "-a", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option(
    "--full-rebuilds", is_flag=True,
    help="Rebuild the whole site on every change (plain `mkdocs serve`), instead of only the pages a saved SOP touches.",
)  # fmt: skip
@today_option
def serve(mkdocs_file, dev_addr, full_rebuilds, today):
    """Serve the catalog site locally; on a save, update the pages it touches and reload the browser.

    A saved, added, renamed or deleted SOP updates its page, the catalog, the owner and
    tag pages, sops.json and the pages that name it; search catches up in the
    background. mkdocs.yml, the sopdocs config or any other file rebuilds the whole
    site. Lint errors are shown on the pages and in the console; the server keeps going.
    """
    from sopdocs.site.engine import call_engine, engine_env

    env = engine_env(resolve_today(today) if today else None)
    if full_rebuilds:
        sys.exit(call_engine("mkdocs", "serve", mkdocs_file, ["-a", dev_addr], env))
    sys.exit(call_engine("sopdocs.site.live", "serve", mkdocs_file, ["-a", dev_addr], env))
