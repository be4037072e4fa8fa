"""``giftbalance remind``: what needs attention today, one line each (cron mails what it prints)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from giftbalance.cli.common import ID, App, echo_json, json_option, pass_app

if TYPE_CHECKING:
    from giftbalance.report.reminder_state import Listed

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DAYS = "30,7,1"


def days_option(func: F) -> F:
    """``--days 30,7,1``: the expiry thresholds (shared by remind and notify)."""
    return click.option(
        "--days",
        "days",
        metavar="N,N,...",
        default=DEFAULT_DAYS,
        show_default=True,
        help="Remind of expiring money this many days before its expiry date, once each.",
    )(func)


def due_reminders(app: App, days: str, *, include_sent: bool = False) -> list[Listed]:
    """Today's reminders with their ids (recorded in one write transaction)."""
    from giftbalance.report import reminder_state
    from giftbalance.report.reminders import parse_thresholds
    from giftbalance.values.dates import today

    thresholds = parse_thresholds(days)
    with app.db.write() as session:
        return reminder_state.due(session, today(), thresholds, include_sent=include_sent)


def mark_sent(app: App, items: list[Listed], by: str) -> None:
    """Record the delivery of ``items`` (only ever after it happened)."""
    if not items:
        return
    from giftbalance.report import reminder_state

    with app.db.write() as session:
        reminder_state.mark_sent(session, [item.id for item in items], by)


@click.command("remind")
@days_option
@json_option
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="List every current reminder, the ones already delivered too; marks nothing.",
)
@click.option(
    "--done",
    "done",
    type=ID,
    multiple=True,
    metavar="ID",
    help="Dismiss reminder ID for good (repeat for several).",
)
@pass_app
def remind(app: App, days: str, as_json: bool, show_all: bool, done: tuple[int, ...]) -> None:
    """What needs attention today, most urgent first, one line each: money expiring within
    30, 7 and 1 days (once per threshold), late needs, this week's planned order not bought
    yet, and accounts not reconciled for more than 30 days.

    Each reminder is printed once; the next run prints only what is new. Prints nothing (and
    exits 0) when nothing needs attention, so a daily cron job mails only when there is
    something to say.

    \b
    Examples:
      giftbalance remind
      giftbalance remind --days 14,3 --json
      giftbalance remind --all
      giftbalance remind --done 3
    """
    from giftbalance.render.reminders import reminders_json, reminders_text

    if done:
        if show_all or as_json:
            raise click.UsageError("--done dismisses reminders; it does not list them")
        from giftbalance.report import reminder_state

        with app.db.write() as session:
            results = [(rid, *reminder_state.dismiss(session, rid)) for rid in done]
            lines = [
                f"Reminder {rid} was already dismissed: {row.text}"
                if before
                else f"Dismissed reminder {rid}: {row.text}"
                for rid, row, before in results
            ]
        for line in lines:
            click.echo(line)
        return

    items = due_reminders(app, days, include_sent=show_all)
    if as_json:
        echo_json(reminders_json(items))
    else:
        click.echo(reminders_text(items), nl=False)
    if not show_all:
        mark_sent(app, items, "remind")


COMMANDS = [remind]
