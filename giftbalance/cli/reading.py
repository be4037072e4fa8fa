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
    iso,
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
    from giftbalance.ledger import accounts, entries, lots
    from giftbalance.render.text import table
    from giftbalance.values.money import data_money, show_money

    with app.db.read() as session:
        chosen = (
            [accounts.find_account(session, account)] if account else accounts.accounts(session)
        )
        pairs = [(a, entries.balance(session, a)) for a in chosen]
        soonest = {a.id: next(iter(lots.expiring_lots(session, a)), None) for a in chosen}
    totals = entries.totals_by_currency(pairs)

    def money(amount: int, currency: str) -> str:
        return data_money(amount, currency)

    if as_json:
        echo_json(
            {
                "accounts": [
                    {
                        "id": a.id,
                        "name": a.name,
                        "store": a.store,
                        "currency": a.currency,
                        "balance": money(amount, a.currency),
                        "expiring": (
                            {
                                "amount": money(lot.amount, a.currency),
                                "currency": a.currency,
                                "expires_on": iso(lot.expires_on),
                            }
                            if (lot := soonest[a.id])
                            else None
                        ),
                    }
                    for a, amount in pairs
                ],
                "totals": [
                    {"currency": currency, "balance": money(amount, currency)}
                    for currency, amount in totals.items()
                ],
            }
        )
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
    from giftbalance.ledger import accounts, entries
    from giftbalance.ledger.codes import mask
    from giftbalance.render.text import table
    from giftbalance.values.money import data_money, show_money

    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    with app.db.read() as session:
        chosen = accounts.find_account(session, account) if account else None
        lines = entries.log(session, account=chosen, since=since, until=until, limit=limit)
    if as_json:
        echo_json(
            [
                {
                    "id": e.id,
                    "date": iso(e.occurred_on),
                    "account": line.account,
                    "kind": e.kind,
                    "amount": data_money(e.amount, e.currency),
                    "currency": e.currency,
                    "balance": data_money(e.balance_after, e.currency),
                    "note": e.note,
                    "from": e.giver,
                    "expires": iso(e.expires_on),
                    "code": mask(e.code_last4) or None,
                    "reverses": e.reverses_id,
                    "order_id": e.order_id,
                    "recorded_at": iso(e.recorded_at),
                }
                for line in lines
                for e in [line.entry]
            ]
        )
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
