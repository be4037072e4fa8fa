"""Writing the ledger: ``add`` (a redemption), ``spend``, ``undo`` and ``reconcile``.

Commands that ask a question do their checks and the asking in a read session, then write in
one short transaction, so a prompt never holds the database's write lock.
"""

from __future__ import annotations

import sys
from datetime import date

import click

from giftbalance.cli import common
from giftbalance.cli.common import (
    DATE,
    ID,
    AmountCommand,
    App,
    account_option,
    choose_account,
    confirm,
    note_option,
    parse_amount,
    pass_app,
    yes_option,
)
from giftbalance.values.money import show_money


def _ask_code() -> str:
    """The claim code, typed at a hidden prompt; never echoed, never an argument."""
    if common.stdin_is_terminal():
        return str(click.prompt("Claim code (hidden)", hide_input=True, show_default=False))
    # No terminal (a script pipes the code in): nothing echoes, so read the line directly;
    # getpass would warn that "input may be echoed" and print part of its own source.
    click.echo("Claim code (hidden): ", nl=False)
    line = sys.stdin.readline()
    click.echo("")
    if not line.strip():
        raise click.Abort()
    return line.rstrip("\r\n")


class _AddCommand(AmountCommand):
    """``add``, whose usage errors never repeat a stray argument: it may be a claim code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if "extra argument" not in exc.message:
                raise
            raise click.UsageError(
                "unexpected extra argument after AMOUNT (left out here: it may be a claim code; "
                "never type a code on the command line, use --code and the hidden prompt)",
                ctx,
            ) from None


class _ReconcileCommand(AmountCommand):
    negative_hint = " (the balance the store shows)"


@click.command("add", cls=_AddCommand)
@click.argument("amount")
@account_option("Account the card was redeemed on.")
@click.option("--date", "occurred_on", type=DATE, help="Redemption date (default: today).")
@click.option("--from", "giver", metavar="GIVER", help="Who gave the card.")
@note_option
@click.option("--expires", type=DATE, help="Date this balance expires (non-Amazon cards can).")
@click.option(
    "--code", "ask_code", is_flag=True, help="Ask for the claim code (hidden) to catch duplicates."
)
@yes_option
@pass_app
def add(
    app: App,
    amount: str,
    account: str | None,
    occurred_on: date | None,
    giver: str | None,
    note: str | None,
    expires: date | None,
    ask_code: bool,
    yes: bool,
) -> None:
    """Log a redeemed gift card of AMOUNT on an account.

    AMOUNT is what the card held, like 25.50. Shows the account and the balance before and after, and asks "Is this the right
    account?" before writing (--yes skips the question).
    """
    from giftbalance.ledger import accounts, codes, entries
    from giftbalance.ledger.codes import mask
    from giftbalance.values.dates import today

    when = occurred_on or today()
    entries.check_redemption(when, giver=giver, expires_on=expires)
    with app.db.read() as session:
        chosen = accounts.resolve_account(session, account, choose=choose_account)
        money = parse_amount(amount, chosen.currency)
        code = None
        if ask_code:
            typed = _ask_code()
            code = codes.protect(typed)
            entries.refuse_known_code(session, code)
        before = entries.balance(session, chosen)
        name = chosen.name
        click.echo(
            f"Account:  {chosen.name} at {chosen.store}"
            + (f" ({chosen.note})" if chosen.note else "")
        )
        click.echo(
            f"Redeem:   {show_money(money.minor, chosen.currency)}"
            + (f" (code {mask(code[0])})" if code else "")
        )
        click.echo(
            f"Balance:  {show_money(before, chosen.currency)} -> {show_money(before + money.minor, chosen.currency)}"
        )
    confirm("Is this the right account?", yes)
    with app.db.write() as session:
        entry = entries.redeem(
            session,
            accounts.resolve_account(session, name),
            money,
            occurred_on=when,
            giver=giver,
            note=note,
            expires_on=expires,
            code=code,
        )
        after = entry.balance_after
    click.echo(
        f"Logged entry {entry.id}: redeemed {show_money(money.minor, money.currency)} to {name}. Balance: {show_money(after, money.currency)}."
    )


@click.command("spend", cls=AmountCommand)
@click.argument("amount")
@account_option("Account whose balance paid.")
@click.option("--date", "occurred_on", type=DATE, help="Date of the order (default: today).")
@note_option
@pass_app
def spend(
    app: App, amount: str, account: str | None, occurred_on: date | None, note: str | None
) -> None:
    """Record AMOUNT spent from a gift balance (refused if the balance does not cover it)."""
    from giftbalance.ledger import accounts, entries
    from giftbalance.values.dates import today

    with app.db.read() as session:
        name = accounts.resolve_account(session, account, choose=choose_account).name
    with app.db.write() as session:
        chosen = accounts.resolve_account(session, name)
        money = parse_amount(amount, chosen.currency)
        entry = entries.spend(session, chosen, money, occurred_on=occurred_on or today(), note=note)
    click.echo(
        f"Logged entry {entry.id}: spent {show_money(money.minor, money.currency)} from {name}. Balance: {show_money(entry.balance_after, money.currency)}."
    )


@click.command("undo")
@click.argument("entry_id", required=False, type=ID)
@yes_option
@pass_app
def undo(app: App, entry_id: int | None, yes: bool) -> None:
    """Reverse the latest entry (or ENTRY_ID) with a reversing entry.

    Nothing is deleted: the reversal is a new entry. An entry can be reversed once, and not when
    that would take the balance below zero.
    """
    from giftbalance.household.undo import undo as undo_entry
    from giftbalance.ledger import accounts, entries

    with app.db.read() as session:
        target = entries.undo_target(session, entry_id)
        account = accounts.find_account_by_id(session, target.account_id)
        click.echo(
            f"Undo entry {target.id}: {target.kind} of {show_money(abs(target.amount), target.currency)} "
            f"on {target.occurred_on} ({account.name})"
            + (f" - {target.note}" if target.note else "")
        )
        target_id = target.id
    confirm("Reverse it?", yes)
    with app.db.write() as session:
        done = undo_entry(session, target_id)
    reversal = done.reversal
    click.echo(
        f"Logged entry {reversal.id}: reversed entry {target_id}. Balance: {show_money(reversal.balance_after, reversal.currency)}."
    )
    if done.reopened:
        click.echo(done.reopened)


@click.command("reconcile", cls=_ReconcileCommand)
@click.argument("amount")
@account_option()
@yes_option
@pass_app
def reconcile(app: App, amount: str, account: str | None, yes: bool) -> None:
    """Match the ledger to the balance AMOUNT the store shows, with an adjustment entry."""
    from giftbalance.ledger import accounts, entries
    from giftbalance.values.dates import today

    with app.db.read() as session:
        chosen = accounts.resolve_account(session, account, choose=choose_account)
        shown = parse_amount(amount, chosen.currency, allow_zero=True)
        current = entries.balance(session, chosen)
        name = chosen.name
    if shown.minor == current:
        # Nothing to adjust, but the check is recorded: the account counts as reconciled today.
        with app.db.write() as session:
            entry = entries.reconcile(
                session, accounts.find_account(session, name), shown, occurred_on=today()
            )
        if entry is None:
            click.echo(
                f"{name}: the ledger already matches the store ({show_money(current, shown.currency)})."
            )
            return
        click.echo(
            f"Logged entry {entry.id}: adjustment (the ledger changed meanwhile). "
            f"Balance: {show_money(entry.balance_after, shown.currency)}."
        )
        return
    difference = shown.minor - current
    sign = "+" if difference > 0 else "-"
    click.echo(
        f"{name}: ledger {show_money(current, shown.currency)}, store {show_money(shown.minor, shown.currency)}"
    )
    click.echo(f"Adjustment: {sign}{show_money(abs(difference), shown.currency)}")
    confirm("Record the adjustment?", yes)
    with app.db.write() as session:
        entry = entries.reconcile(
            session, accounts.find_account(session, name), shown, occurred_on=today()
        )
    if entry is None:  # another process made it match in the meantime
        click.echo(f"{name}: the ledger already matches the store.")
        return
    click.echo(
        f"Logged entry {entry.id}: adjustment. Balance: {show_money(entry.balance_after, shown.currency)}."
    )


COMMANDS = [add, spend, undo, reconcile]
