"""``giftbalance plan``: the weekly spend-down schedule (computed every time, writes nothing)."""

from __future__ import annotations

from datetime import date

import click

from giftbalance.cli.common import (
    DATE,
    App,
    WholeNumberType,
    account_option,
    echo_json,
    json_option,
    pass_app,
)
from giftbalance.values.dates import MAX_WEEKS


@click.command("plan")
@account_option("Plan only this account (default: every account with a balance).")
@click.option(
    "--start", type=DATE, help="Plan from the week containing this date (default: this week)."
)
@click.option("--weeks", type=WholeNumberType(1, MAX_WEEKS), help="Horizon in weeks (default 12).")
@click.option("--until", type=DATE, help="Plan up to this date instead of --weeks.")
@click.option(
    "--weekly-cap", "weekly_cap", metavar="AMOUNT", help="Spend at most this much per week."
)
@click.option(
    "--no-gift-card",
    "no_gift_card",
    is_flag=True,
    help="Do not suggest an e-gift card for the rest.",
)
@json_option
@pass_app
def plan(
    app: App,
    account: str | None,
    start: date | None,
    weeks: int | None,
    until: date | None,
    weekly_cap: str | None,
    no_gift_card: bool,
    as_json: bool,
) -> None:
    """What to order in which week so the gift balance is used up on what matters most.

    Needs are chosen by priority (must, then high, normal, low), spending as much as possible
    exactly; each unit goes into the earliest week it can (the plan contract, docs/plan.md).
    """
    from giftbalance.plan import load as plan_load
    from giftbalance.plan.planner import make_plan
    from giftbalance.render.plan import plan_text
    from giftbalance.render.plan_json import plan_to_dict
    from giftbalance.values.dates import today

    with app.reader() as reader:
        first = plan_load.plan_start(reader, start or today())
        horizon = plan_load.horizon_weeks(first, weeks, until)
        inputs = plan_load.load(
            reader,
            account=account,
            start=first,
            weeks=horizon,
            weekly_cap=weekly_cap,
            gift_card=not no_gift_card,
        )
    result = make_plan(inputs.accounts, inputs.needs, inputs.options)
    if as_json:
        echo_json(plan_to_dict(result))
    else:
        click.echo(plan_text(result))


COMMANDS = [plan]
