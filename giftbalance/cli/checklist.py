"""``giftbalance checklist``: the spend-down checklist, filled in with your state."""

from __future__ import annotations

import click

from giftbalance.cli.common import App, account_option, pass_app


@click.command("checklist")
@account_option("Only this account (its balance, and the needs it can pay for).")
@pass_app
def checklist(app: App, account: str | None) -> None:
    """Print the spend-down checklist, with your balances, needs, members and contacts."""
    from giftbalance.household.checklist import checklist_lines, gather

    with app.reader() as reader:
        state = gather(reader, account)
    click.echo("\n".join(checklist_lines(state)))


COMMANDS = [checklist]
