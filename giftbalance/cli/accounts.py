"""``giftbalance account ...``: the store accounts that hold balances."""

from __future__ import annotations

import click

from giftbalance.cli.common import App, echo_json, json_option, pass_app
from giftbalance.errors import InputError


@click.group("account")
def account() -> None:
    """Create, list, rename and archive store accounts."""


@account.command("add")
@click.argument("name")
@click.option(
    "--store", default="amazon.com", show_default=True, help="The store the account is at."
)
@click.option(
    "--currency", default="USD", show_default=True, help="ISO 4217 currency of its balance."
)
@click.option(
    "--tax-rate", "tax_rate", default="0", metavar="PCT", help="Sales tax in percent, e.g. 8.875."
)
@click.option("--note", metavar="TEXT", help="What this account is (e.g. 'work: expenses only').")
@click.option("--default", "make_default", is_flag=True, help="Use it when no --account is given.")
@pass_app
def account_add(
    app: App,
    name: str,
    store: str,
    currency: str,
    tax_rate: str,
    note: str | None,
    make_default: bool,
) -> None:
    """Add an account NAME (names are unique, case-insensitively)."""
    from giftbalance.ledger import accounts
    from giftbalance.values.money import MoneyError, parse_currency, parse_rate

    try:
        code = parse_currency(currency)
        rate = parse_rate(tax_rate)
    except MoneyError as exc:
        raise InputError(str(exc)) from None
    with app.db.write() as session:
        first = not accounts.accounts(session, include_archived=True)
        created = accounts.add_account(
            session,
            name,
            store=store,
            currency=code,
            tax_rate=rate,
            note=note,
            make_default=make_default,
        )
    click.echo(f"Added account {created.name} ({created.store}, {created.currency}).")
    if first:
        click.echo(f"Log a redeemed card with: giftbalance add AMOUNT --account {created.name}")


@account.command("list")
@click.option("--all", "include_archived", is_flag=True, help="Include archived accounts.")
@json_option
@pass_app
def account_list(app: App, include_archived: bool, as_json: bool) -> None:
    """List accounts with their balances."""
    from giftbalance.ledger import reading
    from giftbalance.render.text import table
    from giftbalance.values.money import show_money

    with app.reader() as reader:
        rows = reading.accounts(reader, include_archived=include_archived)
        default = reading.default_account(reader)
        balances = {a.id: reading.balance(reader, a) for a in rows}
    default_id = default.id if default else None
    if as_json:
        from giftbalance.render.shapes import accounts_json

        echo_json(accounts_json(rows, balances, default_id))
        return
    if not rows:
        click.echo(
            "No accounts yet. Add one: giftbalance account add NAME --store amazon.com --currency USD"
        )
        return
    click.echo(
        table(
            ["name", "store", "balance", "tax", "note"],
            [
                [
                    a.name
                    + (" (default)" if a.id == default_id else "")
                    + (" (archived)" if a.archived_at else ""),
                    a.store,
                    show_money(balances[a.id], a.currency),
                    f"{a.tax_rate}%",
                    a.note,
                ]
                for a in rows
            ],
            "llrr",
        )
    )


@account.command("rename")
@click.argument("old")
@click.argument("new")
@pass_app
def account_rename(app: App, old: str, new: str) -> None:
    """Rename account OLD to NEW."""
    from giftbalance.ledger import accounts

    with app.db.write() as session:
        before = accounts.find_account(session, old).name
        renamed = accounts.rename_account(session, old, new)
    click.echo(f"Renamed account {before} to {renamed.name}.")


@account.command("archive")
@click.argument("name")
@pass_app
def account_archive(app: App, name: str) -> None:
    """Archive account NAME (its balance must be zero; its history stays)."""
    from giftbalance.ledger import accounts

    with app.db.write() as session:
        archived = accounts.archive_account(session, name)
    click.echo(f"Archived account {archived.name}.")


COMMANDS = [account]
