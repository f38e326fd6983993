"""``ortswissen serve``: the web app and API on localhost."""

from __future__ import annotations

import click

from ortswissen.cli._common import console, db_option, handle_errors
from ortswissen.config import load_settings

__all__ = ["register", "run_server"]


def run_server(db: str, host: str, port: int) -> None:
    """Serve the store at ``db`` until interrupted."""
    import uvicorn

    from ortswissen.web import create_app

    settings = load_settings(db=db, host=host, port=port)
    app = create_app(settings)
    console.print(f"ortswissen läuft auf / serving on [bold]http://{host}:{port}/[/] (Strg+C beendet / Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command("serve")
@db_option
@click.option("--host", default=None, help="Address to listen on [default 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [default 8765].")
def serve(db: str | None, host: str | None, port: int | None) -> None:
    """Web-App und API ausliefern / serve the web app and API (read-only)."""
    with handle_errors():
        settings = load_settings(db=db, host=host, port=port)
        from ortswissen.storage import open_store

        open_store(settings.db, read_only=True).close()  # fail early with a clear message
        run_server(settings.db, settings.host, settings.port)


def register(cli: click.Group) -> None:
    """Add the command to the main group."""
    cli.add_command(serve)
