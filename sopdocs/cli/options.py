"""What every command shares: the command classes that turn sopdocs' errors into
exit codes, the common options (`--today`, `--config`, `--config-file`), and reading
them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sopdocs.errors import EXIT_USAGE, ConfigError, SopdocsError

if TYPE_CHECKING:  # imported when read: `sopdocs build` starts MkDocs without it
    from sopdocs.core.config import Config


class ConfigProblem(click.ClickException):
    """A configuration error, shown as one line: `Error: sopdocs.yml: ...` (exit 2)."""

    exit_code = EXIT_USAGE


def _as_click_error(exc: SopdocsError, ctx: click.Context) -> click.ClickException:
    """The one place where sopdocs' errors become what the command line shows:
    a configuration error is one line; any other is a usage error (with the command's
    usage and help hint). Both exit 2."""
    if isinstance(exc, ConfigError):
        return ConfigProblem(str(exc))
    return click.UsageError(str(exc), ctx)


class Command(click.Command):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SopdocsError as exc:
            raise _as_click_error(exc, ctx) from None


class Group(click.Group):
    command_class = Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SopdocsError as exc:
            raise _as_click_error(exc, ctx) from None


Group.group_class = Group


def command(*args: Any, **kwargs: Any) -> Any:
    """``click.command`` with sopdocs' error handling."""
    return click.command(*args, cls=Command, **kwargs)


def group(*args: Any, **kwargs: Any) -> Any:
    return click.group(*args, cls=Group, **kwargs)


today_option = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="Judge review dates as of this day (default: $SOPDOCS_TODAY, else the clock).",
)
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: nearest sopdocs.yml or pyproject.toml)."
)
mkdocs_file_option = click.option(
    "--config-file", "-f", "mkdocs_file", type=click.Path(dir_okay=False, exists=True), default="mkdocs.yml", show_default=True,
    help="The MkDocs configuration of the catalog site.",
)  # fmt: skip


def resolve_today(value: str | None) -> dt.date:
    """--today, else $SOPDOCS_TODAY, else the clock. Raises UsageError."""
    from sopdocs.core.review import today_from

    return today_from(value)


def project_config(path: str | None, check_rules: bool = True) -> Config:
    """The sopdocs config (``--config``, else the nearest one), its `rules` section
    checked too, so a bad setting stops any command before it does anything.
    ``check_rules=False``: the command checks it itself (`sopdocs lint`, which need not
    import the rules when the last run's record answers it)."""
    from sopdocs.core.config import load_config

    config = load_config(Path(path) if path else None)
    if check_rules:
        from sopdocs.lint.rules import settings

        settings(config)
    return config


def use_color(flag: bool | None, stream: Any) -> bool:
    if flag is not None:
        return flag
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
