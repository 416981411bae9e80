"""Errors a user can act on, and the exit code each one ends a command with.

Every module raises one of these (or a subclass of its own) for a problem in what it
was given; the command line turns them into one message and the exit code, in one
place (:mod:`sopdocs.cli.options`). Anything else that escapes is a bug in sopdocs: the
command line reports it as an internal error (exit 3) with the details in a log file.
"""

from __future__ import annotations

# Exit codes shared by every command (the runner adds its own: sopdocs.run.runner).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class SopdocsError(Exception):
    """A problem in what sopdocs was given; the message says what and how to fix it."""

    exit_code = EXIT_USAGE


class UsageError(SopdocsError):
    """Bad paths, options or values on the command line (exit 2)."""


class ConfigError(SopdocsError):
    """A configuration problem (exit 2); the message names the file and the setting."""
