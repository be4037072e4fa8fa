"""The spend-down planner: accounts and needs in, a weekly plan of orders out.

Pure: plain frozen records in, a :class:`Plan` out; no database, no click. The CLI and the weekly
report load the data, call :func:`make_plan` and render the result (:func:`plan_to_dict` is the
``--json`` form). The contract users rely on is written out in docs/plan.md.

Per account the plan is made in three steps:

1. *Selection* (:func:`select_units`): for each priority in turn, spend as much of what is left of
   the budget as possible, exactly (a subset sum over minor units with bounded quantities), with a
   deterministic preference for earlier need-by dates, then older needs.
2. *Schedule*: each selected unit goes into the earliest week it can, in order of need-by date,
   then priority, then age, within the weekly cap and never before its occurrence's week.
3. *Remainder*: an e-gift card for what is left, and the expiring money that still goes unused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from math import isqrt
from types import MappingProxyType
from typing import Any

from giftbalance.household.advice import checkout_reminders
from giftbalance.values.dates import iso
from giftbalance.values.money import Money, data_money, tax_on
from giftbalance.values.recurrence import occurrences
from giftbalance.values.vocabulary import PRIORITIES

#: Need priorities, most important first (the same values as ``giftbalance.models.PRIORITIES``).

#: Reasons a need (or some of its units) did not make it into the plan.
COSTS_MORE_THAN_CAP = "costs more than the weekly cap"
COSTS_MORE_THAN_BALANCE = "costs more than the balance"
USED_BY_HIGHER = "{limit} used up by higher-priority needs"
USED_BY_SAME = "{limit} used up by other needs of the same priority"
NO_ROOM_IN_WEEKS = "no week with room under the weekly cap before the plan ends"
MONEY_EXPIRES = "the money left by its week is not enough (part of the balance expires before)"
PINNED_ELSEWHERE = "pinned to another account"
OTHER_CURRENCY = "priced in {need}; the account is in {account}"
OTHER_STORE = "to be bought at {store}"

# Memory the exact selection may hold in reachable-sum bitsets (bits): 128 MiB.
_STATE_BITS = 1 << 30


class PlanError(ValueError):
    """Input the planner cannot plan with (an unknown priority, a negative amount, ...)."""


# --------------------------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanNeed:
    """One open need, as the planner sees it. Money in minor units of ``currency``."""

    need_id: int
    name: str
    #: The household member it is for, or ``None``.
    for_member: str | None
    #: One of :data:`PRIORITIES`.
    priority: str
    #: Price of one unit before tax.
    unit_price: int
    currency: str
    #: Units still wanted; for a recurring need, per occurrence.
    quantity: int
    #: Need-by date (``None``: no date). Ignored for recurring needs: each occurrence's date is
    #: its need-by date.
    need_by: date | None
    #: Older needs win ties.
    created_at: datetime
    #: Pinned to this account, or ``None`` for any account.
    account_id: int | None
    #: The store it must be bought at, or ``None`` for any store.
    store: str | None
    #: Recurring needs: RRULE text without DTSTART (``FREQ=WEEKLY;INTERVAL=2``).
    rule: str | None = None
    #: Recurring needs: the next occurrence still to buy (the DTSTART of the expansion).
    next_date: date | None = None


@dataclass(frozen=True, slots=True)
class ExpiringLot:
    """Part of an account's balance that expires unused on ``expires_on`` unless spent before."""

    amount: int
    expires_on: date


@dataclass(frozen=True, slots=True)
class PlanAccount:
    """An account with a balance to spend down. Money in minor units of ``currency``."""

    account_id: int
    name: str
    currency: str
    store: str
    #: Sales tax in percent (``Decimal("8.875")``).
    tax_rate: Decimal
    balance: int
    #: The smallest e-gift card the store sells.
    gift_card_minimum: int
    #: Parts of ``balance`` that expire (any order; amounts beyond the balance are ignored).
    expiring: tuple[ExpiringLot, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How far ahead to plan and within which limits."""

    #: First day of the first week.
    start: date
    #: Horizon in weeks.
    weeks: int = 12
    #: Most an account may spend in one week (minor units), or ``None``.
    weekly_cap: int | None = None
    #: Suggest an e-gift card for what is left.
    gift_card: bool = True
    #: Household members' names (who the gift card may be for).
    members: tuple[str, ...] = ()
    #: Minor units already bought for each member; the gift card goes to the least served.
    member_use: Mapping[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Output records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanLine:
    """Units of one need (or one occurrence of a recurring need) in one weekly order."""

    need_id: int
    name: str
    for_member: str | None
    units: int
    #: Per unit, before tax.
    unit_price: int
    #: Per unit, rounded half-up to the minor unit.
    tax: int
    #: ``units * (unit_price + tax)``.
    total: int
    need_by: date | None
    #: The order's week starts after the need-by date.
    late: bool
    #: The occurrence's date for a recurring need, else ``None``.
    occurrence: date | None
    priority: str
    #: First day of the order's week.
    week: date


@dataclass(frozen=True, slots=True)
class Order:
    """One week's order on one account."""

    week: date
    lines: tuple[PlanLine, ...]
    total: int
    #: The balance once this order (and everything planned before it) is paid.
    balance_after: int
    reminders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GiftCard:
    """An e-gift card to buy for a household member with what the orders leave."""

    amount: int
    for_member: str | None
    #: The week to buy it in (after that week's order).
    week: date


@dataclass(frozen=True, slots=True)
class Unplanned:
    """Units of a need that are not in the plan, and why."""

    need_id: int
    name: str
    reason: str
    #: Units not planned (for a recurring need, summed over ``occurrences``).
    units: int = 0
    #: The occurrences concerned, for a recurring need.
    occurrences: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class ExpiryShortfall:
    """Expiring money the plan does not spend in time."""

    amount: int
    expires_on: date


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """The plan for one account. Money in minor units of ``currency``."""

    account_id: int
    account: str
    currency: str
    balance: int
    orders: tuple[Order, ...]
    gift_card: GiftCard | None
    #: What stays on the account after the orders and the gift card.
    leftover: int
    unplanned: tuple[Unplanned, ...]
    #: The lines ordered in a week that starts after their need-by date.
    late: tuple[PlanLine, ...]
    expiring_unused: tuple[ExpiryShortfall, ...]
    #: Spend of the orders per priority (every priority present).
    spent_by_priority: Mapping[str, int]
    #: What the selection could spend: the balance that does not expire before the first week,
    #: and with a weekly cap at most ``cap * weeks``.
    budget: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """Weekly orders for every account, from ``start`` for ``weeks`` weeks."""

    start: date
    weeks: int
    accounts: tuple[AccountPlan, ...]


# --------------------------------------------------------------------------------------------
# Exact selection
# --------------------------------------------------------------------------------------------


def _with_item(reach: int, cost: int, quantity: int, mask: int) -> int:
    """The sums of ``reach`` (a bitset) plus 0..``quantity`` units of ``cost``, up to ``mask``."""
    part = 1
    while quantity > 0:
        take = min(part, quantity)
        reach = (reach | (reach << (take * cost))) & mask
        quantity -= take
        part *= 2
    return reach


def select_units(items: Sequence[tuple[int, int]], budget: int) -> tuple[int, tuple[int, ...]]:
    """Spend as much of ``budget`` as possible on ``items``, exactly.

    ``items`` are ``(unit_cost, quantity)`` pairs in order of preference. Returns the best total
    (the largest sum of ``units * unit_cost`` that is at most ``budget``) and the units of each
    item. Of all selections with the best total it returns the one that, taking the items in
    order, gives each as many units as the best total still allows (the lexicographically
    largest unit vector). Free units (cost 0) are always taken.

    A bounded subset sum over a bitset of reachable sums held in one Python int; the bitsets of
    the suffixes ``items[j:]`` are kept at checkpoints and recomputed a block at a time while the
    choice is read off from the front. Raises :class:`PlanError` for negative inputs.
    """
    if budget < 0 or any(cost < 0 or quantity < 0 for cost, quantity in items):
        raise PlanError("costs, quantities and the budget must not be negative")
    usable = [quantity if cost == 0 else min(quantity, budget // cost) for cost, quantity in items]
    everything = sum(cost * units for (cost, _), units in zip(items, usable, strict=True))
    if everything <= budget:
        return everything, tuple(usable)

    units = [0] * len(items)
    live = [i for i, (cost, _) in enumerate(items) if cost > 0 and usable[i] > 0]
    for i, (cost, _) in enumerate(items):
        if cost == 0:
            units[i] = usable[i]
    count = len(live)
    mask = (1 << (budget + 1)) - 1
    room = max(8, _STATE_BITS // (budget + 1))
    stride = max(1, isqrt(count), -(-count // max(1, room // 2)))
    cache_blocks = stride <= room // 2

    def grow(reach: int, j: int) -> int:
        i = live[j]
        return _with_item(reach, items[i][0], usable[i], mask)

    # checkpoints[j]: the sums reachable with live[j:].
    checkpoints = {count: 1}
    reach = 1
    for j in range(count - 1, -1, -1):
        reach = grow(reach, j)
        if j % stride == 0:
            checkpoints[j] = reach
    best = reach.bit_length() - 1

    target = best
    block: dict[int, int] = {}
    block_end = -1
    for j in range(count):
        if target == 0:
            break
        after = j + 1
        if after in checkpoints:
            suffix = checkpoints[after]
        else:
            floor = after // stride * stride
            end = min(count, floor + stride)
            if cache_blocks:
                if end != block_end:
                    block, reach = {}, checkpoints[end]
                    for k in range(end - 1, floor, -1):
                        reach = grow(reach, k)
                        block[k] = reach
                    block_end = end
                suffix = block[after]
            else:
                suffix = checkpoints[end]
                for k in range(end - 1, j, -1):
                    suffix = grow(suffix, k)
        i = live[j]
        cost = items[i][0]
        take = min(usable[i], target // cost)
        while take and not (suffix >> (target - take * cost)) & 1:
            take -= 1
        units[i] = take
        target -= take * cost
    return best, tuple(units)


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


_Preference = tuple[bool, date, datetime, int, date]
_ScheduleOrder = tuple[bool, date, int, datetime, int, date]


@dataclass(slots=True)
class _Slot:
    """A need, or one occurrence of a recurring need, with the units no account has planned."""

    need: PlanNeed
    occurrence: date | None
    need_by: date | None
    #: The first week (index) a unit may be ordered in.
    release: int
    remaining: int
    #: Selection ties: earlier need-by dates first (no date last), then older needs.
    preference: _Preference = field(init=False)
    #: Schedule order: need-by date, then priority, then age.
    schedule_order: _ScheduleOrder = field(init=False)
    #: The account (index in processing order) that last tried it, and what it could not plan.
    tried_by: int = -1
    misses: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        undated, by = self.need_by is None, self.need_by or date.min
        created, need_id, day = self.need.created_at, self.need.need_id, self.occurrence or date.min
        self.preference = (undated, by, created, need_id, day)
        rank = PRIORITIES.index(self.need.priority)
        self.schedule_order = (undated, by, rank, created, need_id, day)


@dataclass(slots=True)
class _Item:
    """A slot offered to one account, with that account's cost per unit."""

    slot: _Slot
    cost: int
    tax: int
    selected: int = 0


@dataclass(slots=True)
class _Work:
    """One account's plan before the unplanned needs of every account are known."""

    account: PlanAccount
    budget: int
    orders: tuple[Order, ...]
    gift_card: GiftCard | None
    leftover: int
    late: tuple[PlanLine, ...]
    expiring_unused: tuple[ExpiryShortfall, ...]
    spent_by_priority: Mapping[str, int]
    unplanned: list[tuple[_Slot, str, int]] = field(default_factory=list)


def _check(
    accounts: Sequence[PlanAccount], needs: Sequence[PlanNeed], options: PlanOptions
) -> None:
    if options.weeks < 1:
        raise PlanError(f"the plan needs at least one week, not {options.weeks}")
    if options.weekly_cap is not None and options.weekly_cap < 0:
        raise PlanError("the weekly cap must not be negative")
    if len({a.account_id for a in accounts}) != len(accounts):
        raise PlanError("the same account is listed twice")
    if len({n.need_id for n in needs}) != len(needs):
        raise PlanError("the same need is listed twice")
    for account in accounts:
        Money(account.balance, account.currency)  # refuses unknown currencies
        if account.balance < 0 or account.gift_card_minimum < 0 or account.tax_rate < 0:
            raise PlanError(f"account {account.name!r}: negative balance, minimum or tax rate")
        if any(lot.amount < 0 for lot in account.expiring):
            raise PlanError(f"account {account.name!r}: negative expiring amount")
    for need in needs:
        if need.priority not in PRIORITIES:
            raise PlanError(f"need {need.need_id}: unknown priority {need.priority!r}")
        if need.unit_price < 0 or need.quantity < 0:
            raise PlanError(f"need {need.need_id}: negative price or quantity")


def _expand(needs: Sequence[PlanNeed], options: PlanOptions) -> list[_Slot]:
    """One slot per need, and one per occurrence of a recurring need inside the horizon (plus
    the occurrence still to buy when it is already overdue)."""
    last_day = options.start + timedelta(days=7 * options.weeks - 1)
    slots: list[_Slot] = []
    for need in sorted(needs, key=lambda n: n.need_id):
        if need.quantity == 0:
            continue
        if need.rule:
            first = need.next_date or need.need_by or options.start
            if first < options.start:
                # The occurrence still to buy is overdue: plan it now (it shows as late);
                # the ones missed in between are not bought twice.
                slots.append(_Slot(need, first, first, 0, need.quantity))
            for day in occurrences(need.rule, first, options.start, last_day):
                week = (day - options.start).days // 7
                slots.append(_Slot(need, day, day, week, need.quantity))
        else:
            slots.append(_Slot(need, None, need.need_by, 0, need.quantity))
    return slots


def _refusal(account: PlanAccount, need: PlanNeed) -> str | None:
    """Why ``need`` cannot be bought with ``account``, or ``None`` when it can."""
    if need.account_id is not None and need.account_id != account.account_id:
        return PINNED_ELSEWHERE
    if need.currency != account.currency:
        return OTHER_CURRENCY.format(need=need.currency, account=account.currency)
    if (
        need.store
        and account.store
        and need.store.strip().casefold() != account.store.strip().casefold()
    ):
        return OTHER_STORE.format(store=need.store)
    return None


def _lots(account: PlanAccount) -> list[tuple[int, date]]:
    """The expiring parts of the balance, soonest first, clipped so they add up to at most it."""
    lots: list[tuple[int, date]] = []
    held = 0
    for lot in sorted(account.expiring, key=lambda lot: lot.expires_on):
        amount = min(lot.amount, account.balance - held)
        if amount > 0:
            lots.append((amount, lot.expires_on))
            held += amount
    return lots


def _account_order(account: PlanAccount) -> tuple[date, str, int]:
    """Accounts whose money expires soonest choose first, then by name."""
    soonest = min((lot.expires_on for lot in account.expiring if lot.amount > 0), default=date.max)
    return soonest, account.name.casefold(), account.account_id


class _Funds:
    """Weekly spend of one account against its weekly cap and its expiring money.

    A week's spend can be paid from money that has not expired by the week's first day. With
    every expiring part spent soonest-expiring first, a schedule can be paid exactly when, for
    every week ``k``, the spend of weeks ``k`` and later is at most the money alive in week ``k``.
    """

    def __init__(
        self, account: PlanAccount, options: PlanOptions, lots: list[tuple[int, date]]
    ) -> None:
        self.cap = options.weekly_cap
        self.starts = [options.start + timedelta(days=7 * w) for w in range(options.weeks)]
        self.alive = [
            account.balance - sum(amount for amount, expires in lots if expires <= first)
            for first in self.starts
        ]
        self.expiring = bool(lots)
        self.spend = [0] * options.weeks

    def payable(self, week: int) -> int:
        """The most that can still be added to ``week`` without leaving a week unpaid."""
        if not self.expiring:
            return self.alive[0] - sum(self.spend)
        later = sum(self.spend[week:])
        most = self.alive[week] - later
        for k in range(week - 1, -1, -1):
            later += self.spend[k]
            most = min(most, self.alive[k] - later)
        return most

    def room(self, week: int) -> int | None:
        """What the weekly cap still allows in ``week`` (``None``: no cap)."""
        return None if self.cap is None else self.cap - self.spend[week]


def _select(
    items: list[_Item], budget: int, cap: int | None, limit: str
) -> dict[int, list[tuple[str, int]]]:
    """Set ``selected`` on every item, priority by priority; return the misses by slot id."""
    misses: dict[int, list[tuple[str, int]]] = {}
    left = budget
    for level in PRIORITIES:
        at_level = sorted(
            (item for item in items if item.slot.need.priority == level),
            key=lambda item: item.slot.preference,
        )
        choosable = [item for item in at_level if cap is None or item.cost <= cap]
        spent, units = select_units([(item.cost, item.slot.remaining) for item in choosable], left)
        for item, count in zip(choosable, units, strict=True):
            item.selected = count
        for item in at_level:
            missing = item.slot.remaining - item.selected
            if missing == 0:
                continue
            if cap is not None and item.cost > cap:
                reason = COSTS_MORE_THAN_CAP
            elif item.cost > budget:
                reason = COSTS_MORE_THAN_BALANCE
            elif item.cost > left:
                reason = USED_BY_HIGHER.format(limit=limit)
            else:
                reason = USED_BY_SAME.format(limit=limit)
            misses.setdefault(id(item.slot), []).append((reason, missing))
        left -= spent
    return misses


def _schedule(
    items: list[_Item], funds: _Funds, misses: dict[int, list[tuple[str, int]]]
) -> list[tuple[int, _Item, int]]:
    """Place the selected units in the earliest week they can go; return (week, item, units)."""
    placed: list[tuple[int, _Item, int]] = []
    chosen = sorted((i for i in items if i.selected), key=lambda i: i.slot.schedule_order)
    for item in chosen:
        left = item.selected
        week = item.slot.release
        reason = NO_ROOM_IN_WEEKS
        while left and week < len(funds.spend):
            count = left
            if item.cost:
                room = funds.room(week)
                if room is not None:
                    count = min(count, room // item.cost)
                payable = funds.payable(week)
                if payable < item.cost:
                    reason = MONEY_EXPIRES  # later weeks can pay even less
                    break
                count = min(count, payable // item.cost)
            if count > 0:
                placed.append((week, item, count))
                funds.spend[week] += count * item.cost
                left -= count
            week += 1
        if left:
            misses.setdefault(id(item.slot), []).append((reason, left))
        item.slot.remaining -= item.selected - left
    return placed


def _orders(
    account: PlanAccount, funds: _Funds, placed: list[tuple[int, _Item, int]]
) -> list[Order]:
    by_week: dict[int, dict[int, tuple[_Item, int]]] = {}
    for week, item, count in placed:
        in_week = by_week.setdefault(week, {})
        _, before = in_week.get(id(item.slot), (item, 0))
        in_week[id(item.slot)] = (item, before + count)
    orders: list[Order] = []
    reminders = checkout_reminders(account.name)
    for week in sorted(by_week):
        first = funds.starts[week]
        lines: list[PlanLine] = []
        for item, count in sorted(
            by_week[week].values(), key=lambda pair: pair[0].slot.schedule_order
        ):
            slot = item.slot
            lines.append(
                PlanLine(
                    need_id=slot.need.need_id,
                    name=slot.need.name,
                    for_member=slot.need.for_member,
                    units=count,
                    unit_price=slot.need.unit_price,
                    tax=item.tax,
                    total=count * item.cost,
                    need_by=slot.need_by,
                    late=slot.need_by is not None and first > slot.need_by,
                    occurrence=slot.occurrence,
                    priority=slot.need.priority,
                    week=first,
                )
            )
        total = sum(line.total for line in lines)
        orders.append(Order(first, tuple(lines), total, 0, reminders))
    return orders


def _gift_card(account: PlanAccount, funds: _Funds, orders: list[Order]) -> tuple[int, int] | None:
    """(week, amount) of the e-gift card for what is left, or ``None``.

    The card goes in the week that can take the most (the cap and expiring money limit it),
    preferring the week of the last order, then later weeks, then earlier ones.
    """
    weeks = len(funds.spend)
    last = funds.starts.index(orders[-1].week) if orders else 0
    leftover = account.balance - sum(funds.spend)
    best: tuple[int, int] | None = None
    for week in [last, *range(last + 1, weeks), *range(last - 1, -1, -1)]:
        room = funds.room(week)
        amount = min(leftover, funds.payable(week), leftover if room is None else room)
        if best is None or amount > best[1]:
            best = (week, amount)
    if best is None or best[1] <= 0 or best[1] < account.gift_card_minimum:
        return None
    return best


def _shortfalls(
    funds: _Funds, lots: list[tuple[int, date]], horizon_end: date
) -> list[ExpiryShortfall]:
    """What of each expiring part is still unspent on its expiry date, spending soonest-first."""
    unspent = [amount for amount, _ in lots]
    for first, spend in zip(funds.starts, funds.spend, strict=True):
        for i, (_, expires) in enumerate(lots):
            if spend == 0:
                break
            if expires > first and unspent[i]:
                used = min(unspent[i], spend)
                unspent[i] -= used
                spend -= used
    by_date: dict[date, int] = {}
    for left, (_, expires) in zip(unspent, lots, strict=True):
        if left and expires <= horizon_end:
            by_date[expires] = by_date.get(expires, 0) + left
    return [ExpiryShortfall(amount, expires) for expires, amount in sorted(by_date.items())]


def _least_served(served: Mapping[str, int]) -> str | None:
    if not served:
        return None
    return min(served, key=lambda name: (served[name], name.casefold(), name))


def _plan_account(
    index: int,
    account: PlanAccount,
    slots: list[_Slot],
    options: PlanOptions,
    served: dict[str, int],
) -> _Work:
    lots = _lots(account)
    funds = _Funds(account, options, lots)
    cap = options.weekly_cap
    budget, limit = funds.alive[0], "balance"
    if cap is not None and cap * options.weeks < budget:
        budget, limit = cap * options.weeks, "room under the weekly cap"

    items: list[_Item] = []
    taxes: dict[int, int] = {}
    for slot in slots:
        if slot.remaining and _refusal(account, slot.need) is None:
            price = slot.need.unit_price
            if price not in taxes:
                taxes[price] = tax_on(Money(price, account.currency), account.tax_rate).minor
            items.append(_Item(slot, price + taxes[price], taxes[price]))
    misses = _select(items, budget, cap, limit)
    placed = _schedule(items, funds, misses)
    for item in items:
        item.slot.tried_by = index
        item.slot.misses = misses.get(id(item.slot), [])

    orders = _orders(account, funds, placed)
    for order in orders:
        for line in order.lines:
            if line.for_member in served:
                served[line.for_member] += line.total
    card: GiftCard | None = None
    if options.gift_card:
        found = _gift_card(account, funds, orders)
        if found is not None:
            week, amount = found
            member = _least_served(served)
            card = GiftCard(amount, member, funds.starts[week])
            funds.spend[week] += amount
            if member is not None:
                served[member] += amount

    # Orders and the gift card in time order; the card comes after its own week's order.
    paid = 0
    card_paid = card is None
    chained: list[Order] = []
    for order in orders:
        if card is not None and not card_paid and card.week < order.week:
            paid += card.amount
            card_paid = True
        paid += order.total
        chained.append(
            Order(order.week, order.lines, order.total, account.balance - paid, order.reminders)
        )
    leftover = account.balance - sum(funds.spend)

    horizon_end = options.start + timedelta(days=7 * options.weeks)
    spent = dict.fromkeys(PRIORITIES, 0)
    for order in chained:
        for line in order.lines:
            spent[line.priority] += line.total
    return _Work(
        account=account,
        budget=budget,
        orders=tuple(chained),
        gift_card=card,
        leftover=leftover,
        late=tuple(line for order in chained for line in order.lines if line.late),
        expiring_unused=tuple(_shortfalls(funds, lots, horizon_end)),
        spent_by_priority=MappingProxyType(spent),
    )


def _unplanned(entries: Iterable[tuple[_Slot, str, int]]) -> tuple[Unplanned, ...]:
    """One entry per need and reason, most important needs first."""
    grouped: dict[tuple[int, str], list[tuple[_Slot, int]]] = {}
    ranked = sorted(entries, key=lambda e: (e[0].schedule_order[2], e[0].preference, e[1]))
    for slot, reason, units in ranked:
        grouped.setdefault((slot.need.need_id, reason), []).append((slot, units))
    return tuple(
        Unplanned(
            need_id,
            group[0][0].need.name,
            reason,
            sum(units for _, units in group),
            tuple(slot.occurrence for slot, _ in group if slot.occurrence is not None),
        )
        for (need_id, reason), group in grouped.items()
    )


def make_plan(
    accounts: Sequence[PlanAccount], needs: Sequence[PlanNeed], options: PlanOptions
) -> Plan:
    """Plan weekly orders that spend each account's balance on the household's needs.

    Accounts are planned one after the other, those with money expiring soonest first, then by
    name; a unit of a need (or of an occurrence of a recurring need) is planned on at most one
    account. The result does not depend on the order of ``accounts`` or ``needs``. Raises
    :class:`PlanError` for unusable input (unknown priority, negative amounts, a repeated id),
    ``giftbalance.money.MoneyError`` for an unknown currency and
    ``giftbalance.recurrence.RuleError`` (via dateutil) for a broken rule.
    """
    _check(accounts, needs, options)
    slots = _expand(needs, options)
    ordered = sorted(accounts, key=_account_order)
    served = {member: options.member_use.get(member, 0) for member in options.members}
    works = [
        _plan_account(index, account, slots, options, served)
        for index, account in enumerate(ordered)
    ]
    for slot in slots:
        if slot.remaining and slot.tried_by >= 0:
            works[slot.tried_by].unplanned.extend((slot, r, n) for r, n in slot.misses)
    if len(works) == 1:
        # A one-account plan also says why the needs it cannot take are not in it.
        only = works[0]
        for slot in slots:
            refusal = _refusal(only.account, slot.need)
            if slot.remaining and refusal is not None:
                only.unplanned.append((slot, refusal, slot.remaining))
    return Plan(
        start=options.start,
        weeks=options.weeks,
        accounts=tuple(
            AccountPlan(
                account_id=w.account.account_id,
                account=w.account.name,
                currency=w.account.currency,
                balance=w.account.balance,
                orders=w.orders,
                gift_card=w.gift_card,
                leftover=w.leftover,
                unplanned=_unplanned(w.unplanned),
                late=w.late,
                expiring_unused=w.expiring_unused,
                spent_by_priority=w.spent_by_priority,
                budget=w.budget,
            )
            for w in works
        ),
    )


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def unplanned_to_dict(item: Unplanned) -> dict[str, Any]:
    """A need that did not fit, in the ``--json`` shape."""
    return {
        "need_id": item.need_id,
        "name": item.name,
        "reason": item.reason,
        "units": item.units,
        "occurrences": [day.isoformat() for day in item.occurrences],
    }


def line_to_dict(line: PlanLine, currency: str) -> dict[str, Any]:
    """One order line in the ``--json`` shape (money as strings with the currency's digits)."""
    return {
        "need_id": line.need_id,
        "name": line.name,
        "for": line.for_member,
        "units": line.units,
        "unit_price": data_money(line.unit_price, currency),
        "tax": data_money(line.tax, currency),
        "total": data_money(line.total, currency),
        "need_by": iso(line.need_by),
        "late": line.late,
        "priority": line.priority,
        "occurrence": iso(line.occurrence),
        "week": line.week.isoformat(),
    }


def _account_dict(plan: AccountPlan) -> dict[str, Any]:
    cur = plan.currency
    card = plan.gift_card
    return {
        "account_id": plan.account_id,
        "account": plan.account,
        "currency": cur,
        "balance": data_money(plan.balance, cur),
        "budget": data_money(plan.budget, cur),
        "orders": [
            {
                "week": order.week.isoformat(),
                "lines": [line_to_dict(line, cur) for line in order.lines],
                "total": data_money(order.total, cur),
                "balance_after": data_money(order.balance_after, cur),
                "reminders": list(order.reminders),
            }
            for order in plan.orders
        ],
        "gift_card": None
        if card is None
        else {
            "amount": data_money(card.amount, cur),
            "for": card.for_member,
            "week": card.week.isoformat(),
        },
        "leftover": data_money(plan.leftover, cur),
        "unplanned": [unplanned_to_dict(u) for u in plan.unplanned],
        "late": [line_to_dict(line, cur) for line in plan.late],
        "expiring_unused": [
            {"amount": data_money(s.amount, cur), "expires_on": s.expires_on.isoformat()}
            for s in plan.expiring_unused
        ],
        "spent_by_priority": {p: data_money(plan.spent_by_priority[p], cur) for p in PRIORITIES},
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The ``giftbalance plan --json`` document: money as strings with the currency's digits,
    dates as ISO text, ids as ints (shape in docs/json.md)."""
    return {
        "start": plan.start.isoformat(),
        "weeks": plan.weeks,
        "accounts": [_account_dict(account) for account in plan.accounts],
    }
