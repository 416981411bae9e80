"""`sopdocs lsp`: the language server over stdio (sopdocs/lsp/)."""

from __future__ import annotations

import click

from sopdocs.cli.options import command
from sopdocs.errors import UsageError

INSTALL = "pip install 'sopdocs[lsp]'"


@command()
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the only transport; accepted for editors that pass it).")
def lsp(stdio: bool) -> None:
    """Run the language server for editors: findings while typing (the catalog-wide ones
    too), completion, hover, go to definition and quick fixes. It talks LSP over
    stdin/stdout; editors start it (docs/editors.md). Review dates are judged as of
    $SOPDOCS_TODAY, else the clock. Needs pygls: `pip install 'sopdocs[lsp]'`."""
    import importlib.util
    from pathlib import Path

    try:
        missing = importlib.util.find_spec("pygls") is None
    except (ImportError, ValueError):  # a broken or blocked install
        missing = True
    if missing:
        raise UsageError(f"`sopdocs lsp` needs pygls, which is not installed; install it with: {INSTALL}")
    from sopdocs.lsp.catalog import prefetch

    prefetch(Path.cwd())  # read the catalog while pygls is imported
    from sopdocs.lsp.server import main

    main()
