"""``giftbalance config list|get|set``: settings kept in the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from giftbalance.cli.common import App, pass_app

#: Kept in the config folder, not the database (giftbalance/storage/notify_urls.py).
NOTIFY_URLS = "notify_urls"

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@click.group("config")
def config() -> None:
    """Show and change settings (week_start, default_account, notify_urls)."""


def _shown(session: Session, key: str, value: str) -> str:
    if key == "default_account" and value:
        from giftbalance.ledger import accounts

        account = accounts.default_account(session)
        return account.name if account else ""
    return value


@config.command("list")
@pass_app
def config_list(app: App) -> None:
    """Every setting with its value and what it does."""
    from giftbalance.storage import settings

    with app.db.read() as session:
        values = settings.all_settings(session)
        for key, value in values.items():
            click.echo(f"{key} = {_shown(session, key, value)}    # {settings.DESCRIPTIONS[key]}")
    # Kept in the config folder, not the database (they hold passwords and tokens); masked.
    from giftbalance.storage import notify_urls

    shown = notify_urls.masked(notify_urls.load())
    click.echo(f"{notify_urls.KEY} = {shown}    # {notify_urls.DESCRIPTION}")


@config.command("get")
@click.argument("key")
@pass_app
def config_get(app: App, key: str) -> None:
    """Print the value of KEY (notify_urls masked: the scheme of each URL only)."""
    from giftbalance.storage import settings

    if key == NOTIFY_URLS:
        from giftbalance.storage import notify_urls

        click.echo(notify_urls.masked(notify_urls.load()))
        return
    settings.check_key(key)
    with app.db.read() as session:
        click.echo(_shown(session, key, settings.get(session, key)))


@config.command("set")
@click.argument("key")
@click.argument("value")
@pass_app
def config_set(app: App, key: str, value: str) -> None:
    """Set KEY to VALUE (default_account takes an account name, or "" to clear it;
    notify_urls takes Apprise URLs separated by spaces, or "" to remove them)."""
    from giftbalance.ledger import accounts
    from giftbalance.storage import settings

    if key == NOTIFY_URLS:
        from giftbalance.cli.notify import store_urls

        click.echo(store_urls(value))
        return
    settings.check_key(key)
    with app.db.write() as session:
        if key == "week_start":
            settings.put(session, key, settings.validate_week_start(value))
            shown = settings.get(session, key)
        else:
            account = accounts.find_account(session, value) if value.strip() else None
            if account is not None and account.archived_at is not None:
                from giftbalance.errors import Refused

                raise Refused(f"account {account.name!r} is archived")
            accounts.set_default_account(session, account)
            shown = account.name if account else "(none)"
    click.echo(f"{key} = {shown}")


COMMANDS = [config]
