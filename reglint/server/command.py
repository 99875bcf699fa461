"""``reglint server``: the click command (imports pygls only when it runs)."""

from __future__ import annotations

import sys

import click

EXIT_ERROR = 2
INSTALL_HINT = "reglint server needs pygls: pip install 'reglint[server]'"


@click.command("server")
@click.option(
    "--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default and only way)."
)
def server(stdio: bool) -> None:
    """Run the language server over stdio (for editors)."""
    try:
        import pygls.lsp.server  # noqa: F401
    except ImportError:
        click.echo(f"reglint: error: {INSTALL_HINT}", err=True)
        sys.exit(EXIT_ERROR)
    from .app import ReglintServer

    ReglintServer().start_io()
