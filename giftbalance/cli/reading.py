"""Reading the ledger: ``balance`` and ``log``."""

from __future__ import annotations

from datetime import date

import click

from giftbalance.cli.common import (
    COUNT,
    DATE,
    App,
    account_option,
    echo_json,
    json_option,
    pass_app,
)
from giftbalance.errors import InputError


@click.command("balance")
@account_option("Only this account.")
@json_option
@pass_app
def balance(app: App, account: str | None, as_json: bool) -> None:
    """Balance per account, and totals per currency."""
    from giftbalance.ledger import lots, reading
    from giftbalance.render.text import table
    from giftbalance.values.money import show_money

    with app.reader() as reader:
        chosen = [reading.find_account(reader, account)] if account else reading.accounts(reader)
        pairs = [(a, reading.balance(reader, a)) for a in chosen]
        soonest = {a.id: next(iter(lots.expiring_lots(reader, a)), None) for a in chosen}
    totals = reading.totals_by_currency(pairs)
    if as_json:
        from giftbalance.render.shapes import balance_json

        echo_json(balance_json(pairs, soonest, totals))
        return
    if not pairs:
        click.echo(
            "No accounts yet. Add one: giftbalance account add NAME --store amazon.com --currency USD"
        )
        return
    rows: list[list[object]] = []
    for a, amount in pairs:
        lot = soonest[a.id]
        expiring = f"{show_money(lot.amount, a.currency)} on {lot.expires_on}" if lot else ""
        rows.append([a.name, a.store, show_money(amount, a.currency), expiring])
    click.echo(table(["account", "store", "balance", "expires first"], rows, "llrl"))
    if len(pairs) > 1:
        click.echo("")
        for currency, amount in totals.items():
            click.echo(f"Total {currency}: {show_money(amount, currency)}")


@click.command("log")
@account_option("Only this account.")
@click.option("--since", type=DATE, help="Entries on or after this date.")
@click.option("--until", type=DATE, help="Entries on or before this date.")
@click.option("--limit", type=COUNT, help="Only the newest N entries.")
@json_option
@pass_app
def log(
    app: App,
    account: str | None,
    since: date | None,
    until: date | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Ledger entries, oldest first, with the running balance of their account."""
    from giftbalance.ledger import reading
    from giftbalance.ledger.codes import mask
    from giftbalance.render.text import table
    from giftbalance.values.money import show_money

    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    with app.reader() as reader:
        chosen = reading.find_account(reader, account) if account else None
        lines = reading.log(reader, account=chosen, since=since, until=until, limit=limit)
    if as_json:
        from giftbalance.render.shapes import log_json

        echo_json(log_json(lines))
        return
    if not lines:
        click.echo("No entries.")
        return
    rows = []
    for line in lines:
        e = line.entry
        detail = " ".join(
            part
            for part in (
                f"order {e.order_id}:" if e.order_id else "",
                e.note or "",
                f"from {e.giver}" if e.giver else "",
                f"expires {e.expires_on}" if e.expires_on else "",
                mask(e.code_last4),
            )
            if part
        )
        rows.append(
            [
                e.id,
                e.occurred_on,
                line.account,
                e.kind,
                show_money(e.amount, e.currency),
                show_money(e.balance_after, e.currency),
                detail,
            ]
        )
    click.echo(
        table(["id", "date", "account", "kind", "amount", "balance", "note"], rows, "rlllrr")
    )


COMMANDS = [balance, log]
