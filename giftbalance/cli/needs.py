"""``giftbalance need ...``: the needs list the balance is spent on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click

from giftbalance.cli.common import (
    COUNT,
    DATE,
    ID,
    App,
    FilePath,
    account_option,
    choose_account,
    echo_json,
    json_option,
    parse_amount,
    pass_app,
)
from giftbalance.errors import InputError
from giftbalance.values.money import show_money
from giftbalance.values.vocabulary import PRIORITIES

if TYPE_CHECKING:
    from giftbalance.household.needs import Bought, NeedView

F = TypeVar("F", bound=Callable[..., Any])
NEED_ID = ID


def _need_options(*, adding: bool) -> Callable[[F], F]:
    """The options ``need add`` and ``need edit`` share (edit: all optional, nothing defaults)."""
    options = [
        click.option(
            "--price",
            required=adding,
            metavar="AMOUNT",
            help="Price per unit, in the account's currency (e.g. 12.50).",
        ),
        click.option(
            "--qty",
            "quantity",
            type=COUNT,
            default=1 if adding else None,
            show_default=adding,
            help="Units wanted (per occurrence, for a recurring need).",
        ),
        click.option(
            "--priority",
            type=click.Choice(PRIORITIES, case_sensitive=False),
            default="normal" if adding else None,
            show_default=adding,
            help="How much it matters.",
        ),
        click.option(
            "--by",
            type=DATE,
            help="Need-by date; for a recurring need, its first occurrence (default: today).",
        ),
        click.option("--for", "member", metavar="MEMBER", help="The household member it is for."),
        click.option(
            "--every",
            metavar="RULE",
            help="Repeat: 'week', '2 weeks', 'month', '3 months', or an RRULE (FREQ=WEEKLY;INTERVAL=2).",
        ),
        account_option(
            "Account that pays for it; the price is in its currency (default: the default account's currency)."
        ),
        click.option("--store", metavar="STORE", help="Where to buy it (e.g. amazon.com)."),
        click.option("--url", metavar="URL", help="The product's page."),
        click.option("--note", metavar="TEXT", help="A free-text note (size, colour, brand...)."),
    ]

    def apply(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


def _describe(view: NeedView) -> str:
    """One line saying what a need is: ``Coffee: 2 x 12.50 USD, high, every 2 weeks, ...``."""
    from giftbalance.values.recurrence import describe

    need = view.need
    parts = [f"{need.quantity} x {show_money(need.unit_price, need.currency)}", need.priority]
    if need.rule:
        parts.append(f"{describe(need.rule)}, next on {need.next_date}")
    elif need.need_by:
        parts.append(f"by {need.need_by}")
    if view.member:
        parts.append(f"for {view.member}")
    if view.account:
        parts.append(f"from {view.account}")
    return f"{need.name}: {', '.join(parts)}"


@click.group("need")
def need() -> None:
    """The needs list: what the household will buy with the balance."""


@need.command("add")
@click.argument("name")
@_need_options(adding=True)
@pass_app
def need_add(
    app: App,
    name: str,
    price: str,
    quantity: int,
    priority: str,
    by: date | None,
    member: str | None,
    every: str | None,
    account: str | None,
    store: str | None,
    url: str | None,
    note: str | None,
) -> None:
    """Add a need NAME at --price per unit.

    \b
    Examples:
      giftbalance need add "Printer paper" --price 8.99 --qty 2 --priority high --by 2026-12-01
      giftbalance need add "Coffee beans" --price 14.50 --every "2 weeks" --for Sam
      giftbalance need add "Water filter" --price 29.99 --every "FREQ=MONTHLY;INTERVAL=3"
    """
    from giftbalance.household import needs

    with app.db.write() as session:
        currency = needs.price_currency(session, account)
        fields = needs.NeedFields(
            name=name,
            price=parse_amount(price, currency),
            quantity=quantity,
            priority=priority,
            by=by,
            member=member,
            every=every,
            account=account,
            store=store,
            url=url,
            note=note,
        )
        added = needs.add_need(session, fields)
        view = needs.view_need(session, added.id)
    click.echo(f"Added need {added.id}: {_describe(view)}.")


@need.command("list")
@click.option("--all", "include_closed", is_flag=True, help="Include bought and removed needs.")
@click.option("--for", "member", metavar="MEMBER", help="Only this member's needs.")
@account_option("Only needs this account can pay for (pinned to it, or unpinned in its currency).")
@json_option
@pass_app
def need_list(
    app: App, include_closed: bool, member: str | None, account: str | None, as_json: bool
) -> None:
    """Open needs by priority, then need-by date, with the total of the open list."""
    from giftbalance.household import reading
    from giftbalance.render.text import table
    from giftbalance.values.recurrence import describe

    with app.reader() as reader:
        views = reading.list_needs(
            reader, include_closed=include_closed, member=member, account=account
        )
    totals = reading.open_totals(views)
    if as_json:
        from giftbalance.render.shapes import needs_json

        echo_json(needs_json(views, totals))
        return
    if not views:
        click.echo("No open needs. Add one: giftbalance need add NAME --price AMOUNT")
        return
    headers = ["id", "priority", "name", "for", "qty", "price", "total", "due", "repeats"]
    headers += ["account"] + (["status"] if include_closed else [])
    rows = []
    for v in views:
        n = v.need
        row: list[object] = [
            n.id,
            n.priority,
            n.name,
            v.member,
            n.quantity,
            show_money(n.unit_price, n.currency),
            show_money(v.total, n.currency),
            v.due,
            describe(n.rule) if n.rule else "",
            v.account,
        ]
        if include_closed:
            row.append(n.status)
        rows.append(row)
    click.echo(table(headers, rows, "rlllrrrll"))
    click.echo("")
    for currency, amount in totals.items():
        count = sum(1 for v in views if v.need.status == "open" and v.need.currency == currency)
        needs_word = "need" if count == 1 else "needs"
        click.echo(
            f"Open total: {show_money(amount, currency)} before tax ({count} open {needs_word})."
        )


@need.command("show")
@click.argument("need_id", type=NEED_ID)
@json_option
@pass_app
def need_show(app: App, need_id: int, as_json: bool) -> None:
    """Everything about need NEED_ID, with what was bought for it."""
    from giftbalance.household import needs
    from giftbalance.values.recurrence import describe

    with app.db.read() as session:
        view = needs.view_need(session, need_id)
        bought = needs.purchases(session, need_id)
    n = view.need
    if as_json:
        from giftbalance.render.shapes import need_json, purchase_json

        echo_json({**need_json(view), "purchases": [purchase_json(p) for p in bought]})
        return
    lines = [
        f"Need {n.id}: {n.name} ({n.status})",
        f"  price:     {show_money(n.unit_price, n.currency)} each, {n.quantity} wanted = "
        f"{show_money(view.total, n.currency)} before tax",
        f"  priority:  {n.priority}",
    ]
    if n.rule:
        lines.append(
            f"  repeats:   {describe(n.rule)}; next on {n.next_date} (first {n.first_date})"
        )
    elif n.need_by:
        lines.append(f"  need by:   {n.need_by}")
    for label, value in (
        ("for", view.member),
        ("account", view.account),
        ("store", n.store),
        ("url", n.url),
        ("note", n.note),
    ):
        if value:
            lines.append(f"  {label + ':':<10} {value}")
    lines.append(f"  added:     {n.created_at:%Y-%m-%d %H:%M}")
    if n.closed_at:
        lines.append(f"  closed:    {n.closed_at:%Y-%m-%d %H:%M}")
    if bought:
        lines.append("Bought:")
        for p in bought:
            e = p.entry
            detail = [f"{p.purchase.units} unit(s)", show_money(-e.amount, e.currency)]
            detail.append(f"from {p.account} (entry {e.id})")
            if p.member:
                detail.append(f"for {p.member}")
            if p.purchase.occurrence:
                detail.append(f"occurrence {p.purchase.occurrence}")
            lines.append(
                f"  {e.occurred_on}  {', '.join(detail)}" + ("  [undone]" if p.undone else "")
            )
    click.echo("\n".join(lines))


@need.command("edit")
@click.argument("need_id", type=NEED_ID)
@click.option("--name", metavar="NAME", help="A new name.")
@_need_options(adding=False)
@click.option("--clear-by", is_flag=True, help="Drop the need-by date.")
@click.option("--clear-for", is_flag=True, help="It is for no one in particular.")
@click.option(
    "--clear-every", is_flag=True, help="Make it a one-off need (due on --by, else its next date)."
)
@click.option("--clear-account", is_flag=True, help="Pin it to no account.")
@click.option("--clear-store", is_flag=True, help="Drop the store.")
@click.option("--clear-url", is_flag=True, help="Drop the URL.")
@click.option("--clear-note", is_flag=True, help="Drop the note.")
@pass_app
def need_edit(
    app: App,
    need_id: int,
    name: str | None,
    price: str | None,
    quantity: int | None,
    priority: str | None,
    by: date | None,
    member: str | None,
    every: str | None,
    account: str | None,
    store: str | None,
    url: str | None,
    note: str | None,
    clear_by: bool,
    clear_for: bool,
    clear_every: bool,
    clear_account: bool,
    clear_store: bool,
    clear_url: bool,
    clear_note: bool,
) -> None:
    """Change open need NEED_ID: any option of need add, or --clear-... to drop a field.

    A new --every starts on --by, else on the current due date. A new --account in another
    currency needs a new --price too.
    """
    from giftbalance.household import needs

    flags = {
        "by": clear_by,
        "member": clear_for,
        "every": clear_every,
        "account": clear_account,
        "store": clear_store,
        "url": clear_url,
        "note": clear_note,
    }
    clear = [field for field, given in flags.items() if given]
    with app.db.write() as session:
        money = None
        if price is not None:
            money = parse_amount(price, needs.price_currency(session, account, need_id))
        fields = needs.NeedFields(
            name=name,
            price=money,
            quantity=quantity,
            priority=priority,
            by=by,
            member=member,
            every=every,
            account=account,
            store=store,
            url=url,
            note=note,
        )
        needs.edit_need(session, need_id, fields, clear=clear)
        view = needs.view_need(session, need_id)
    click.echo(f"Changed need {need_id}: {_describe(view)}.")


@need.command("remove")
@click.argument("need_id", type=NEED_ID)
@pass_app
def need_remove(app: App, need_id: int) -> None:
    """Drop open need NEED_ID from the list (it stays in history as removed)."""
    from giftbalance.household import needs

    with app.db.write() as session:
        removed = needs.remove_need(session, need_id)
    click.echo(f"Removed need {removed.id} ({removed.name}).")


@need.command("reopen")
@click.argument("need_id", type=NEED_ID)
@pass_app
def need_reopen(app: App, need_id: int) -> None:
    """Put removed need NEED_ID back on the list (to reopen a bought one, undo its spend)."""
    from giftbalance.household import needs

    with app.db.write() as session:
        reopened = needs.reopen_need(session, need_id)
    click.echo(f"Reopened need {reopened.id} ({reopened.name}).")


@need.command("bought")
@click.argument("need_id", type=NEED_ID)
@click.option(
    "--paid",
    metavar="AMOUNT",
    help="What the order cost (default: units x (price + the account's sales tax)).",
)
@click.option(
    "--units",
    type=COUNT,
    help="Units bought (default: all still wanted; per occurrence for a recurring need).",
)
@click.option("--date", "occurred_on", type=DATE, help="Date of the order (default: today).")
@click.option(
    "--order",
    "order_id",
    metavar="ORDER_ID",
    help="The store order that bought it, already logged (giftbalance store import): "
    "links its spend instead of logging a second one.",
)
@account_option("Account that paid (default: the need's account, else the default one).")
@pass_app
def need_bought(
    app: App,
    need_id: int,
    paid: str | None,
    units: int | None,
    occurred_on: date | None,
    order_id: str | None,
    account: str | None,
) -> None:
    """Record that need NEED_ID was bought: logs the spend and updates the need in one go.

    A one-off need is closed (or keeps the units not yet bought); a recurring need moves to
    its next occurrence. Refused when the balance does not cover the amount.
    `giftbalance undo` reverses the spend and reopens the need. With --order, the spend
    is the one `giftbalance store import` logged for that order: nothing is spent twice.
    """
    from giftbalance.household import needs
    from giftbalance.values.dates import today

    if order_id is not None:
        given = [name for name, value in (("--paid", paid), ("--date", occurred_on)) if value]
        if given:
            raise InputError(
                f"--order links the spend already logged for the order; {given[0]} belongs to "
                "a new spend"
            )
        with app.db.write() as session:
            done = needs.buy_by_order(session, need_id, order_id, account=account, units=units)
        click.echo(
            f"Bought need {done.need.id} ({done.need.name}) x {done.units} by order "
            f"{order_id} (entry {done.entry.id}, {done.paid}); nothing new was spent."
        )
        _echo_need_state(done)
        return
    with app.db.read() as session:
        chosen = needs.purchase_account(session, need_id, account, choose=choose_account)
        name, currency = chosen.name, chosen.currency
    money = parse_amount(paid, currency) if paid is not None else None
    with app.db.write() as session:
        done = needs.buy(
            session,
            need_id,
            account=name,
            units=units,
            paid=money,
            occurred_on=occurred_on or today(),
        )
    n = done.need
    click.echo(
        f"Bought need {n.id} ({n.name}) x {done.units} for {done.paid} from {done.account.name}."
    )
    if done.assumed:
        unit = show_money(n.unit_price, n.currency)
        if done.unit_tax.minor:
            each = f"({unit} + {done.unit_tax} tax at {done.tax_rate}%)"
        else:
            each = f"{unit} (no sales tax set on {done.account.name})"
        click.echo(
            f"Assumed {done.units} x {each}; if the order cost something else, "
            "run giftbalance undo and record it again with --paid AMOUNT."
        )
    click.echo(
        f"Logged entry {done.entry.id}. Balance of {done.account.name}: "
        f"{show_money(done.entry.balance_after, done.entry.currency)}."
    )
    _echo_need_state(done)


def _echo_need_state(done: Bought) -> None:
    n = done.need
    if n.status == "bought" and n.rule:
        click.echo(f"Need {n.id} has no occurrence after {done.occurrence}; it is done.")
    elif n.status == "bought":
        click.echo(f"Need {n.id} is bought.")
    elif n.rule:
        click.echo(f"Need {n.id} is next due on {n.next_date}.")
    else:
        click.echo(f"Need {n.id}: {n.quantity} still wanted.")


@need.command("import")
@click.argument("file", type=FilePath(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be added.")
@pass_app
def need_import(app: App, file: str, dry_run: bool) -> None:
    """Add the needs in a CSV FILE ('-' for standard input), all or none.

    \b
    Header (any order, any case; name and price required):
      name,price,quantity,priority,need_by,for,every,account,store,url,note
    A file with any bad row adds nothing and names every bad row by its line.
    """
    from giftbalance.io import needs_csv
    from giftbalance.io.inputs import read_input

    data, source = read_input(file)
    session_of = app.db.read if dry_run else app.db.write
    with session_of() as session:
        views = needs_csv.import_needs(session, data, source=source, dry_run=dry_run)
    if dry_run:
        click.echo(f"Would import {len(views)} need(s); nothing was written:")
    else:
        click.echo(f"Imported {len(views)} need(s):")
    for view in views:
        prefix = f"{view.need.id}: " if view.need.id is not None else ""
        click.echo(f"  {prefix}{_describe(view)}")


@need.command("export")
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write to FILE (replaced if it exists) instead of standard output.",
)
@pass_app
def need_export(app: App, output: str | None) -> None:
    """Write the open needs as CSV, in the format need import reads."""
    from pathlib import Path

    from giftbalance.io import needs_csv
    from giftbalance.storage.files import write_atomically

    if output is not None:
        app.guard_outputs(("--output", Path(output)))
    with app.db.read() as session:
        text, count = needs_csv.export_needs(session)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(Path(output), text.encode("utf-8"))
    click.echo(f"Exported {count} need(s) to {output}.")


COMMANDS = [need]
