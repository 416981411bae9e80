"""Lint files and directories: find the SOPs, parse them (or take what the lint cache
knows of them, :mod:`sopdocs.lint.fast`), run the rules, return the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from sopdocs.core.config import Config
from sopdocs.core.discover import catalog_files, discover_names
from sopdocs.core.model import SopDocument
from sopdocs.errors import UsageError
from sopdocs.lint.engine import LintResult, catalog_rule_ids, lint_documents


def lint_paths(
    paths: Iterable[str | Path] | None,
    config: Config,
    today: dt.date,
    cwd: Path | None = None,
    catalog_checks: bool = True,
    document_checks: bool = True,
    force_exclude: bool = False,
    changed_since: str | None = None,
    fast: object | None = None,
    allow_empty: bool = True,
) -> LintResult:
    """Lint files or directories (default: the config's `paths`).

    ``document_checks=False`` runs only the catalog-wide rules (the pre-commit catalog
    hook); ``catalog_checks=False`` only the per-file ones. ``changed_since`` limits the
    report to SOPs changed since a git revision (see :func:`sopdocs.lint.changed.lint_changed`).
    ``fast`` (a :class:`sopdocs.lint.fast.Options`) lints in worker processes and through
    the lint cache; the result then has no ``documents``. ``allow_empty=False``: paths
    given that hold no SOP file are a usage error (a wrong path must not pass CI). Raises
    UsageError for a path that does not exist, ConfigError for a bad `rules` section.
    """
    cwd = cwd or Path.cwd()
    explicit = list(paths or [])
    if changed_since is not None:
        from sopdocs.lint.changed import lint_changed

        return lint_changed(explicit, config, today, changed_since, cwd, catalog_checks, document_checks)
    names, plain = discover_names(explicit or [config.root / p for p in config.paths], config, cwd, force_exclude)
    if explicit and not names and not force_exclude and not allow_empty:
        named = ", ".join(str(p) for p in explicit)
        endings = ", ".join(f"*{ext}" for ext in config.extensions)
        raise UsageError(f"{named}: no SOP files ({endings}) there; check the path, or pass --allow-empty")
    if fast is not None:
        from sopdocs.lint.fast import lint_files

        extra = catalog_extra(names, explicit, config, cwd) if catalog_checks and explicit else []
        return lint_files(names, extra, config, today, cwd, catalog_checks, document_checks, fast, plain)
    from sopdocs.core.parser import parse_files

    files = [Path(name) for name in names]
    docs = parse_files(files, config, cwd)
    catalog: list[SopDocument] = []
    if catalog_checks and explicit:
        # References may point at SOPs outside the files named on the command line.
        linted = set(files)
        catalog = parse_files([p for p in catalog_files(config, cwd) if p not in linted], config, cwd)
    select = None if document_checks else catalog_rule_ids()
    findings = lint_documents(docs, config, today, catalog, catalog_checks, select) if (docs or catalog) else []
    return LintResult(findings=findings, files=[d.display_path for d in docs], documents=docs)


def catalog_extra(files: list[str], explicit: list, config: Config, cwd: Path) -> list[str]:
    """The catalog's SOPs that are not among ``files``: the catalog checks know them,
    the report does not show them. Does not walk the catalog again when the named paths
    include its roots."""
    import os

    named = {os.path.normpath(os.path.join(cwd, raw)) for raw in explicit}
    roots = [os.path.normpath(os.path.join(cwd, config.root / p)) for p in config.paths]
    if all(root in named for root in roots):
        return []  # every catalog file was found under the same path already
    linted = set(files)
    return [name for name in (str(path) for path in catalog_files(config, cwd)) if name not in linted]
