"""Loading the planner's plain records from the database.

:mod:`giftbalance.planner` is pure; this module is the one place that turns accounts, open
needs, members and what was bought into :class:`~giftbalance.planner.PlanAccount`,
:class:`~giftbalance.planner.PlanNeed` and :class:`~giftbalance.planner.PlanOptions`. The plan
command and the weekly report both use it, so they always plan from the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from giftbalance.errors import InputError
from giftbalance.ledger import accounts, entries, lots
from giftbalance.plan.planner import ExpiringLot, PlanAccount, PlanNeed, PlanOptions
from giftbalance.storage import settings
from giftbalance.storage.models import Account, Entry, Member, Need, Purchase
from giftbalance.values.dates import MAX_WEEKS, week_start
from giftbalance.values.money import MoneyError, parse_money

DEFAULT_WEEKS = 12


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """Everything :func:`giftbalance.planner.make_plan` takes."""

    accounts: tuple[PlanAccount, ...]
    needs: tuple[PlanNeed, ...]
    options: PlanOptions


def horizon_weeks(start: date, weeks: int | None, until: date | None) -> int:
    """The number of weeks from ``start``: ``weeks``, or enough to reach ``until``."""
    if weeks is not None and until is not None:
        raise InputError("give --weeks or --until, not both")
    if until is not None:
        if until < start:
            raise InputError(f"--until {until} is before the plan's start {start}")
        weeks = math.ceil(((until - start).days + 1) / 7)
    weeks = DEFAULT_WEEKS if weeks is None else weeks
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"the horizon must be 1 to {MAX_WEEKS} weeks")
    return weeks


def plan_start(session: Session, day: date) -> date:
    """The first day of the week containing ``day``, per the ``week_start`` setting."""
    return week_start(day, settings.get(session, "week_start"))


def member_use(session: Session) -> dict[str, int]:
    """Minor units bought so far for each member, net of reversed purchases."""
    reversal = aliased(Entry)
    rows = session.execute(
        select(Member.name, Entry.amount)
        .join(Purchase, Purchase.member_id == Member.id)
        .join(Entry, Entry.id == Purchase.entry_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(reversal.id.is_(None))
    ).all()
    used: dict[str, int] = {}
    for name, amount in rows:
        used[name] = used.get(name, 0) - amount
    return used


def load(
    session: Session,
    *,
    account: str | None,
    start: date,
    weeks: int,
    weekly_cap: str | None = None,
    gift_card: bool = True,
) -> PlanInputs:
    """Read what a plan needs. Without ``account``: every active account with money on it.

    ``weekly_cap`` is user text, parsed in the planned accounts' currency (refused when they
    use several currencies: name one with ``account``).
    """
    if account is not None:
        chosen = [accounts.find_account(session, account)]
    else:
        chosen = [a for a in accounts.accounts(session) if entries.balance(session, a) > 0]
    cap: int | None = None
    if weekly_cap is not None:
        currencies = {a.currency for a in chosen}
        if len(currencies) > 1:
            raise InputError(
                "the accounts use several currencies; give --account with --weekly-cap"
            )
        currency = currencies.pop() if currencies else "USD"
        try:
            cap = parse_money(weekly_cap, currency).minor
        except MoneyError as exc:
            raise InputError(f"--weekly-cap: {exc}") from None
    plan_accounts = tuple(_plan_account(session, a, start) for a in chosen)
    members = tuple(
        session.scalars(
            select(Member.name).where(Member.removed_at.is_(None)).order_by(Member.name_key)
        )
    )
    options = PlanOptions(
        start=start,
        weeks=weeks,
        weekly_cap=cap,
        gift_card=gift_card,
        members=members,
        member_use=member_use(session),
    )
    return PlanInputs(plan_accounts, open_needs(session), options)


def _plan_account(session: Session, account: Account, start: date) -> PlanAccount:
    expiring = tuple(
        ExpiringLot(lot.amount, lot.expires_on)
        for lot in lots.expiring_lots(session, account)
        if lot.expires_on >= start
    )
    return PlanAccount(
        account_id=account.id,
        name=account.name,
        currency=account.currency,
        store=account.store,
        tax_rate=Decimal(account.tax_rate),
        balance=entries.balance(session, account),
        gift_card_minimum=account.egift_minimum,
        expiring=expiring,
    )


def open_needs(session: Session) -> tuple[PlanNeed, ...]:
    """Every open need as the planner's record, oldest first."""
    rows = session.execute(
        select(Need, Member.name)
        .outerjoin(Member, Member.id == Need.member_id)
        .where(Need.status == "open")
        .order_by(Need.id)
    ).all()
    return tuple(
        PlanNeed(
            need_id=need.id,
            name=need.name,
            for_member=member,
            priority=need.priority,
            unit_price=need.unit_price,
            currency=need.currency,
            quantity=need.quantity,
            need_by=need.need_by,
            created_at=need.created_at,
            account_id=need.account_id,
            store=need.store,
            rule=need.rule,
            next_date=need.next_date,
        )
        for need, member in rows
    )
