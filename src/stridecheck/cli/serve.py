"""``stridecheck serve``: the local web dashboard over the store."""

from __future__ import annotations

from typing import Annotated

import typer

from stridecheck.cli._common import guarded, require_extra
from stridecheck.cli.store import DbOption
from stridecheck.report import LANGUAGES, get_lang
from stridecheck.store import resolve_db_path
from stridecheck.web.security import is_loopback, new_secret

__all__ = ["register", "serve_command"]


def serve_command(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. Anything but 127.0.0.1 / localhost requires the "
            "printed access token.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    lang: Annotated[str, typer.Option("--lang", help=f"Language: {', '.join(LANGUAGES)}.")] = "en",
    db: DbOption = None,
) -> None:
    """Serve the dashboard: athletes with traffic lights, sessions, uploads, notes."""
    require_extra("serve", "web")
    import uvicorn

    from stridecheck.web import WebConfig, create_app

    get_lang(lang)
    path = resolve_db_path(db)
    token = None if is_loopback(host) else new_secret()
    app = create_app(WebConfig(db=path, lang=lang, token=token))
    shown = f"[{host}]" if ":" in host else host
    if token is None:
        typer.echo(f"Dashboard on http://{shown}:{port}/ (database {path}); Ctrl-C stops it.")
    else:
        typer.echo(
            f"Dashboard on http://{shown}:{port}/?token={token} (database {path}); "
            "every request needs this token. Ctrl-C stops it."
        )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the application."""
    app.command("serve")(guarded(serve_command))
