"""``giftbalance contact ...``: the log of contacts with the store's support."""

from __future__ import annotations

from datetime import datetime

import click

from giftbalance.cli.common import (
    DATETIME,
    ID,
    App,
    account_option,
    echo_json,
    json_option,
    note_option,
    pass_app,
)
from giftbalance.values.vocabulary import CHANNELS, OUTCOMES


@click.group("contact")
def contact() -> None:
    """Log every contact with the store's support (document everything)."""


@contact.command("add")
@click.option(
    "--channel", required=True, type=click.Choice(CHANNELS, case_sensitive=False), help="How."
)
@click.option("--when", "occurred_at", type=DATETIME, help="Date and time (default: now).")
@click.option("--rep", metavar="NAME", help="The representative's name or id.")
@click.option("--case", "case_ref", metavar="ID", help="The case or ticket number they gave.")
@account_option("The store account it was about.")
@click.option("--summary", required=True, metavar="TEXT", help="What you asked, what they said.")
@click.option(
    "--outcome",
    type=click.Choice(OUTCOMES, case_sensitive=False),
    default="pending",
    show_default=True,
    help="Where it stands.",
)
@note_option
@pass_app
def contact_add(
    app: App,
    channel: str,
    occurred_at: datetime | None,
    rep: str | None,
    case_ref: str | None,
    account: str | None,
    summary: str,
    outcome: str,
    note: str | None,
) -> None:
    """Log a contact with support: when, how, who, the case id and what was said."""
    from giftbalance.household import contacts

    with app.db.write() as session:
        added = contacts.add_contact(
            session,
            channel=channel,
            occurred_at=occurred_at,
            rep=rep,
            case_ref=case_ref,
            account=account,
            summary=summary,
            outcome=outcome,
            note=note,
        )
    click.echo(
        f"Logged contact {added.id}: {added.channel} on {added.occurred_at:%Y-%m-%d %H:%M}, "
        f"{added.outcome}."
    )
    if added.outcome == "pending":
        click.echo(f"When they answer: giftbalance contact update {added.id} --outcome OUTCOME")


@contact.command("list")
@json_option
@pass_app
def contact_list(app: App, as_json: bool) -> None:
    """Every contact with support, newest first."""
    from giftbalance.household import contacts
    from giftbalance.render.text import table

    with app.db.read() as session:
        rows = contacts.list_contacts(session)
    if as_json:
        from giftbalance.render.shapes import contacts_json

        echo_json(contacts_json(rows))
        return
    if not rows:
        click.echo(
            'No contacts logged. Log one: giftbalance contact add --channel chat --summary "..."'
        )
        return
    click.echo(
        table(
            ["id", "when", "channel", "rep", "case", "account", "outcome", "summary"],
            [
                [
                    c.id,
                    f"{c.occurred_at:%Y-%m-%d %H:%M}",
                    c.channel,
                    c.rep,
                    c.case_ref,
                    view.account,
                    c.outcome,
                    c.summary,
                ]
                for view in rows
                for c in [view.contact]
            ],
            "r",
        )
    )
    for view in rows:
        if view.contact.note:
            click.echo(f"\nContact {view.contact.id} notes:")
            for line in view.contact.note.splitlines():
                click.echo(f"  {line}")


@contact.command("update")
@click.argument("contact_id", type=ID)
@click.option(
    "--outcome", type=click.Choice(OUTCOMES, case_sensitive=False), help="Where it stands now."
)
@click.option("--note", metavar="TEXT", help="What happened; appended under a timestamp.")
@pass_app
def contact_update(app: App, contact_id: int, outcome: str | None, note: str | None) -> None:
    """Record what happened with contact CONTACT_ID: a new outcome and/or a note."""
    from giftbalance.household import contacts

    with app.db.write() as session:
        updated = contacts.update_contact(session, contact_id, outcome=outcome, note=note)
    click.echo(f"Updated contact {updated.id}: {updated.outcome}.")


COMMANDS = [contact]
