"""The `sopdocs` command line. Thin: parse options, call a capability, print, exit.

One module per command group: :mod:`.lint` (lint, rules), :mod:`.author` (new, schema,
migrate), :mod:`.site` (build, serve, generate), :mod:`.export`, :mod:`.run` (run,
audit), :mod:`.health` (report, metrics), :mod:`.lsp` (the language server); what they share is in :mod:`.options`.

Exit codes: 0 no error-level finding; 1 error-level findings; 2 usage or
configuration error (every :class:`sopdocs.errors.SopdocsError`, turned into a message
in :mod:`.options`); 3 internal error (a bug in sopdocs: the message names a log file
with the details). The runner adds its own (4, 5: docs/runner.md).
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

import click

from sopdocs import __version__
from sopdocs.cli.options import Group
from sopdocs.errors import EXIT_INTERNAL

# Each command is imported when it runs (or when --help lists them): `sopdocs lint` does
# not pay for importing the site, the exporters, the runner or the language server.
COMMANDS = {
    "lint": "sopdocs.cli.lint",
    "rules": "sopdocs.cli.lint",
    "schema": "sopdocs.cli.author",
    "new": "sopdocs.cli.author",
    "build": "sopdocs.cli.site",
    "generate": "sopdocs.cli.site",
    "serve": "sopdocs.cli.site",
    "export": "sopdocs.cli.export",
    "run": "sopdocs.cli.run",
    "audit": "sopdocs.cli.run",
    "report": "sopdocs.cli.health",
    "migrate": "sopdocs.cli.author",
    "metrics": "sopdocs.cli.health",
    "lsp": "sopdocs.cli.lsp",
}


class LazyGroup(Group):
    """The top-level group: commands from :data:`COMMANDS`, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            import importlib

            module = importlib.import_module(COMMANDS[name])
            self.add_command(getattr(module, name), name)
        return self.commands.get(name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand:  # "Did you mean ...?" among every command
            raise click.exceptions.NoSuchCommand(str(args[0]), possibilities=list(COMMANDS), ctx=ctx) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sopdocs")
def cli() -> None:
    """Standard Operating Procedures as code: lint, render and export SOPs."""


def _pipes_like_a_unix_tool(argv: list[str]) -> None:
    """Output goes out line by line (`sopdocs rules | head -1` shows its line at once),
    and a reader that stops reading (`| head`) ends sopdocs quietly, as it ends `grep`
    or `git log`: by SIGPIPE, exit status 141, no message. Not for `sopdocs run`, which
    must finish (and record) whatever becomes of its output."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    if argv[:1] != ["run"] and hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def main(argv: list[str] | None = None, own_process: bool = True) -> None:
    """The `sopdocs` entry point: ``argv`` (default: the process's arguments).
    ``own_process``: sopdocs is the whole process (the console script), so it may set
    how the process meets a closed pipe; tests that call it in their own process do not."""
    if own_process:
        _pipes_like_a_unix_tool(argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="sopdocs")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("sopdocs: interrupted", err=True)
        sys.exit(130)
    except Exception:  # noqa: BLE001 - last line of defence: no raw traceback for users
        import tempfile

        handle, log = tempfile.mkstemp(prefix="sopdocs-crash-", suffix=".log")
        with os.fdopen(handle, "w") as stream:
            stream.write(traceback.format_exc())
        exc = sys.exc_info()[1]
        click.echo(f"sopdocs: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(f"sopdocs: this is a bug in sopdocs; details are in {log}", err=True)
        sys.exit(EXIT_INTERNAL)
