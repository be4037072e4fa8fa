"""``giftbalance serve``: the household page, on the same database, until Ctrl-C."""

from __future__ import annotations

import contextlib

import click

from giftbalance.cli.common import App, WholeNumberType, pass_app
from giftbalance.errors import Refused

PROXY_DOCS = "docs/household-page.md, section 'Behind a TLS reverse proxy'"


def _host(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An address to listen on: one word, no control characters (it is printed back)."""
    from giftbalance.values.text import unsafe_character

    if not value or unsafe_character(value) is not None or any(c.isspace() for c in value):
        raise click.BadParameter(
            f"not an address: {value!r} (e.g. 127.0.0.1, ::1 or 0.0.0.0)", ctx, param
        )
    return value


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    callback=_host,
    show_default=True,
    help="Address to listen on: 127.0.0.1 is this computer only; 0.0.0.0 is the home network "
    "too (unencrypted: put a TLS reverse proxy in front).",
)
@click.option(
    "--port",
    type=WholeNumberType(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--open",
    "open_browser",
    is_flag=True,
    help="Open the owner's sign-in link in this computer's web browser.",
)
@pass_app
def serve(app: App, host: str, port: int, open_browser: bool) -> None:
    """Serve the household page on this database until Ctrl-C: members add what they need from
    their phones, see the plan and what was bought.

    Prints the owner's sign-in link, a secret made anew by every serve. Members sign in with the
    links `giftbalance member link NAME` prints. The command line and the page can write at
    the same time.
    """
    from giftbalance.household import signin
    from giftbalance.storage import settings
    from giftbalance.storage.db import Database, resolve_url
    from giftbalance.web import server

    # A server keeps its database connections open between requests.
    db = Database(resolve_url(app.db_option), pooled=True)
    try:
        sock = server.listen(host, port)
    except OSError as exc:
        db.dispose()
        raise Refused(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another giftbalance "
            "serve running there? pick another --port)"
        ) from None
    try:
        with db.write() as session:
            secret = signin.owner_link(session)
            page_url = settings.get(session, "page_url")
        bound = sock.getsockname()[1]
        owner_url = signin.link_url(f"http://{server.url_host(host)}:{bound}", secret)
        click.echo(
            f"Serving the household page for {db.display} on {host} port {bound}; Ctrl-C stops it."
        )
        if not server.is_loopback(host):
            click.echo(
                f"Warning: {host} is reachable from the network and the page is not encrypted: "
                "anyone on the network can read the pages and the sign-in links as they pass. "
                f"Put it behind a TLS reverse proxy ({PROXY_DOCS}).",
                err=True,
            )
            if not page_url:
                click.echo(
                    "Members' links need the address their phones use: giftbalance config set "
                    f"page_url http://THIS-COMPUTER:{bound}, then giftbalance member link NAME",
                    err=True,
                )
        click.echo(
            "The owner's sign-in link (a secret: whoever opens it can do everything the page "
            "offers):"
        )
        click.echo(owner_url)

        def open_link() -> None:
            import webbrowser

            webbrowser.open(owner_url)

        # uvicorn stops cleanly on Ctrl-C, then passes the signal on: that is the normal end.
        with contextlib.suppress(KeyboardInterrupt):
            server.run(db, sock, on_started=open_link if open_browser else None)
        click.echo("Stopped the household page.")
    finally:
        sock.close()
        db.dispose()


COMMANDS = [serve]
