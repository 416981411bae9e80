"""Reporters turn a :class:`~sopdocs.lint.LintResult` into text. Each is a function
``render(result, color=False) -> str``, chosen by name from :data:`REPORTERS`; the
CLI's ``--format`` choices come from this dict."""

from __future__ import annotations

from collections.abc import Callable

from sopdocs.lint.reporters import github, json_format, sarif, text

REPORTERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "sarif": sarif.render,
}
