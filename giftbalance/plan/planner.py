"""The spend-down planner: accounts and needs in, a weekly plan of orders out.

Pure: plain frozen records in, a :class:`Plan` out; no database, no click. The CLI and the weekly
report load the data, call :func:`make_plan` and render the result (:func:`giftbalance.render.plan_json.plan_to_dict` is the
``--json`` form). The contract users rely on is written out in docs/plan.md.

The plan is made in three steps:

1. *Selection*: for each priority in turn, spend as much as possible, exactly, over all accounts of
   a currency together. An account whose money can pay for any of its units alone keeps one
   bounded subset sum per priority (:func:`select_units`, a bitset over minor units); accounts
   that compete for units, or money that expires before some units' weeks, are selected together
   (:mod:`giftbalance.plan.joint`). Ties go to earlier need-by dates, then older needs.
2. *Schedule*: each selected unit goes into the earliest week it can, in order of need-by date,
   then priority, then age, within the weekly cap and never before its occurrence's week.
3. *Remainder*: an e-gift card for what is left, and the expiring money that still goes unused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from giftbalance.household.advice import checkout_reminders
from giftbalance.plan.joint import JointAccount, JointUnit, select_jointly
from giftbalance.plan.subsetsum import PlanError, select_units
from giftbalance.values.money import Money, tax_on
from giftbalance.values.recurrence import occurrences
from giftbalance.values.vocabulary import PRIORITIES

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

#: With a weekly cap the joint selection is one of several heuristic candidates: the exact solver
#: gets this much work per priority (CP-SAT's deterministic seconds), not its full limit.
CAPPED_SOLVER_LIMIT = 0.2

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
    #: Whether the spend per priority of this account's group is proven the best possible. False
    #: when the exact solver stopped at its limit, and with a weekly cap when packing into weeks
    #: dropped selected units or the accounts could not be shown optimal together.
    proven_optimal: bool = True


@dataclass(frozen=True, slots=True)
class Plan:
    """Weekly orders for every account, from ``start`` for ``weeks`` weeks."""

    start: date
    weeks: int
    accounts: tuple[AccountPlan, ...]


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
class _Account:
    """One account being planned: what it may buy, its money per week, what it could not plan."""

    index: int
    account: PlanAccount
    lots: list[tuple[int, date]]
    funds: _Funds
    #: What the selection may spend: the money alive in the first week, within ``cap * weeks``.
    budget: int
    #: What limits it, for the reasons: ``"balance"`` or ``"room under the weekly cap"``.
    limit: str
    items: list[_Item]
    #: Per week ``k``: the most the units released in week ``k`` or later may cost together.
    limits: tuple[int, ...]
    proven: bool = True
    misses: list[tuple[_Slot, str, int]] = field(default_factory=list)
    #: The schedule: (week, item, units).
    placed: list[tuple[int, _Item, int]] = field(default_factory=list)


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
    proven: bool
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


def _account_state(
    index: int, account: PlanAccount, slots: list[_Slot], options: PlanOptions
) -> _Account:
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
    return _Account(index, account, lots, funds, budget, limit, items, _limits(funds, cap))


def _limits(funds: _Funds, cap: int | None) -> tuple[int, ...]:
    """Per week ``k``: the most the orders of week ``k`` and later can spend together. Without a
    cap, the money alive in week ``k``. With one, the weeks before any later week ``j`` hold at
    most ``cap`` each, and from ``j`` on only the money alive in week ``j`` can pay."""
    weeks = len(funds.alive)
    if cap is None:
        return tuple(funds.alive)
    limits = [0] * weeks
    best = None
    for week in range(weeks - 1, -1, -1):
        # best: the least over j >= week of cap * (j - week) + alive[j], built from the end.
        best = funds.alive[week] if best is None else min(funds.alive[week], best + cap)
        limits[week] = min(best, cap * (weeks - week))
    return tuple(limits)


def _groups(states: list[_Account]) -> list[list[_Account]]:
    """The accounts that compete for some unit, together (in account order); the rest alone."""
    parent = list(range(len(states)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[int, int] = {}
    for state in states:
        for item in state.items:
            other = first.setdefault(id(item.slot), state.index)
            parent[root(state.index)] = root(other)
    groups: dict[int, list[_Account]] = {}
    for state in states:
        groups.setdefault(root(state.index), []).append(state)
    return list(groups.values())


def _one_pot(state: _Account) -> bool:
    """Whether all of the account's money can pay for any of its units: then the selection is
    one subset sum per priority (expiring money that lasts past every unit's week is no limit)."""
    alive = state.funds.alive
    return all(alive[item.slot.release] == alive[0] for item in state.items)


def _select_alone(state: _Account, cap: int | None) -> None:
    misses = _select(state.items, state.budget, cap, state.limit)
    for item in state.items:
        for reason, units in misses.get(id(item.slot), []):
            state.misses.append((item.slot, reason, units))


def _schedule_state(state: _Account) -> None:
    """Place the account's selected units into weeks; units no week can take are misses, and
    a plan that drops selected units is not proven optimal."""
    misses: dict[int, list[tuple[str, int]]] = {}
    state.placed = _schedule(state.items, state.funds, misses)
    for item in state.items:
        for reason, units in misses.get(id(item.slot), []):
            state.misses.append((item.slot, reason, units))
            state.proven = False


def _plan_capped(group: list[_Account], cap: int) -> None:
    """With a weekly cap, packing into weeks is a heuristic: plan the group three ways and keep
    the one that spends the most per priority (the first of equals): together (the joint
    selection within what each week's money and the cap allow from each week on, the solver with
    a short limit), one account after the other (each taking its exact best of what the ones
    before it left, as before the joint plan), and week by week (:func:`_fill_weeks`)."""
    slots = {id(item.slot): item.slot for state in group for item in state.items}
    remaining = {key: slot.remaining for key, slot in slots.items()}

    def reset() -> None:
        for key, slot in slots.items():
            slot.remaining = remaining[key]
        for state in group:
            state.funds.spend = [0] * len(state.funds.spend)
            state.misses, state.placed, state.proven = [], [], True
            for item in state.items:
                item.selected = 0

    def spend() -> tuple[int, ...]:
        total = dict.fromkeys(PRIORITIES, 0)
        for state in group:
            for _, item, units in state.placed:
                total[item.slot.need.priority] += units * item.cost
        return tuple(total[level] for level in PRIORITIES)

    def together() -> None:
        _select_together(group, cap, solver_limit=CAPPED_SOLVER_LIMIT)
        for state in group:
            _schedule_state(state)

    def in_turn() -> None:
        _select_in_turn(group, cap)

    def weekly() -> None:
        _fill_weeks(group, cap)

    # The first of the best wins: together, in turn (for one account, as it always was), weekly.
    candidates = [in_turn, weekly] if len(group) == 1 else [together, in_turn, weekly]
    best: Callable[[], None] | None = None
    best_spend: tuple[int, ...] = ()
    for candidate in candidates:
        reset()
        candidate()
        if best is None or spend() > best_spend:
            best, best_spend = candidate, spend()
    if best is not None and best is not candidates[-1]:
        reset()
        best()


def _fill_weeks(group: list[_Account], cap: int) -> None:
    """Priority by priority, week by week, each account in turn fills what is left of the week
    (under the cap, with money alive then) as fully as it can, exactly, from the units of that
    priority due by then; a unit none could place is reported as not planned."""
    weeks = len(group[0].funds.spend)
    placed: dict[int, dict[int, tuple[_Item, int]]] = {state.index: {} for state in group}
    for level in PRIORITIES:
        for week in range(weeks):
            for state in group:
                funds = state.funds
                room = min(cap - funds.spend[week], funds.payable(week))
                live = sorted(
                    (
                        item
                        for item in state.items
                        if item.slot.need.priority == level
                        and item.slot.remaining
                        and item.slot.release <= week
                        and item.cost <= room
                    ),
                    key=lambda item: item.slot.preference,
                )
                if room <= 0 or not live:
                    continue
                _, units = select_units([(i.cost, i.slot.remaining) for i in live], room)
                for item, count in zip(live, units, strict=True):
                    if count:
                        state.placed.append((week, item, count))
                        item.slot.remaining -= count
                        funds.spend[week] += count * item.cost
                        _, before = placed[state.index].get(id(item.slot), (item, 0))
                        placed[state.index][id(item.slot)] = (item, before + count)
    offers: dict[int, list[tuple[_Account, _Item]]] = {}
    for state in group:
        for item in state.items:
            item.selected = placed[state.index].get(id(item.slot), (item, 0))[1]
            offers.setdefault(id(item.slot), []).append((state, item))
            state.proven = False
    for options in offers.values():
        slot = options[0][1].slot
        if slot.remaining:
            if all(item.cost > cap for _, item in options):
                reason = COSTS_MORE_THAN_CAP
            elif all(item.cost > state.budget for state, item in options):
                reason = COSTS_MORE_THAN_BALANCE
            else:
                reason = NO_ROOM_IN_WEEKS
            options[-1][0].misses.append((slot, reason, slot.remaining))


def _select_in_turn(group: list[_Account], cap: int) -> None:
    """The plan made one account after the other (as before the joint plan): each selects
    exactly from what the ones before it left and schedules it; a need none planned is listed
    under the last that tried, with that account's reason."""
    last: dict[int, tuple[_Account, list[tuple[str, int]]]] = {}
    for state in group:
        live = [item for item in state.items if item.slot.remaining]
        misses = _select(live, state.budget, cap, state.limit)
        placed = _schedule(live, state.funds, misses)
        state.placed = placed
        for item in live:
            last[id(item.slot)] = (state, misses.get(id(item.slot), []))
    for key, (state, found) in last.items():
        slot = next(item.slot for item in state.items if id(item.slot) == key)
        state.misses.extend((slot, reason, units) for reason, units in found)
    # One account planned alone is optimal when nothing it selected is dropped (its selection is
    # exact within its budget); accounts planned in turn are not shown optimal.
    dropped = any(
        reason in (NO_ROOM_IN_WEEKS, MONEY_EXPIRES) for s in group for _, reason, _ in s.misses
    )
    for state in group:
        state.proven = len(group) == 1 and not dropped


def _select_together(
    group: list[_Account], cap: int | None, *, solver_limit: float | None = None
) -> None:
    """The exact joint selection (:mod:`giftbalance.plan.joint`) for accounts that compete for
    units, or for one account whose expiring money can pay for only some of its units."""
    by_id = {id(item.slot): item.slot for state in group for item in state.items}
    slots = sorted(by_id.values(), key=lambda s: (PRIORITIES.index(s.need.priority), s.preference))
    index = {id(slot): u for u, slot in enumerate(slots)}
    units = [
        JointUnit(slot.remaining, PRIORITIES.index(slot.need.priority), slot.release)
        for slot in slots
    ]
    accounts = [
        JointAccount(
            {index[id(i.slot)]: i.cost for i in state.items if cap is None or i.cost <= cap},
            state.limits,
        )
        for state in group
    ]
    selection = select_jointly(units, accounts, solver_limit=solver_limit)
    offers: dict[int, list[tuple[_Account, _Item]]] = {}
    for a, state in enumerate(group):
        state.proven = selection.proven
        for item in state.items:
            item.selected = selection.units.get((index[id(item.slot)], a), 0)
            offers.setdefault(id(item.slot), []).append((state, item))
    lefts = {state.index: _left_by_level(state) for state in group}
    for slot in slots:
        missing = slot.remaining - sum(item.selected for _, item in offers[id(slot)])
        if missing:
            reason = _joint_reason(slot, offers[id(slot)], cap, lefts)
            # Listed once, under the last account that could have bought it.
            offers[id(slot)][-1][0].misses.append((slot, reason, missing))


def _left_by_level(state: _Account) -> list[list[int]]:
    """``[level][week]``: what the account has left for a unit of that week once the selected
    units of the higher priorities are paid (the least over the weeks up to it)."""
    weeks = len(state.limits)
    spend = [[0] * weeks for _ in PRIORITIES]
    for item in state.items:
        if item.selected:
            spend[PRIORITIES.index(item.slot.need.priority)][item.slot.release] += (
                item.selected * item.cost
            )
    result = []
    higher = [0] * weeks
    for level in range(len(PRIORITIES)):
        suffix, left = 0, []
        for week in range(weeks - 1, -1, -1):
            suffix += higher[week]
            left.append(state.limits[week] - suffix)
        left.reverse()
        for week in range(1, weeks):
            left[week] = min(left[week], left[week - 1])
        result.append(left)
        higher = [h + s for h, s in zip(higher, spend[level], strict=True)]
    return result


def _joint_reason(
    slot: _Slot,
    offers: list[tuple[_Account, _Item]],
    cap: int | None,
    lefts: Mapping[int, list[list[int]]],
) -> str:
    """Why units of ``slot`` that every account in ``offers`` could have bought are not in
    the selection: the reason holds for each of those accounts."""
    week, level = slot.release, PRIORITIES.index(slot.need.priority)
    if cap is not None and all(item.cost > cap for _, item in offers):
        return COSTS_MORE_THAN_CAP
    if all(item.cost > state.budget for state, item in offers):
        return COSTS_MORE_THAN_BALANCE
    if all(item.cost > state.limits[week] for state, item in offers):
        if any(item.cost <= state.funds.alive[week] for state, item in offers):
            return NO_ROOM_IN_WEEKS
        return MONEY_EXPIRES
    limit = (
        "balance" if any(state.limit == "balance" for state, _ in offers) else offers[0][0].limit
    )
    if all(item.cost > lefts[state.index][level][week] for state, item in offers):
        return USED_BY_HIGHER.format(limit=limit)
    return USED_BY_SAME.format(limit=limit)


def _finish(state: _Account, options: PlanOptions, served: dict[str, int]) -> _Work:
    """The orders of the scheduled units, then the gift card and what expires unused."""
    account, funds = state.account, state.funds
    orders = _orders(account, funds, state.placed)
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
        budget=state.budget,
        orders=tuple(chained),
        gift_card=card,
        leftover=leftover,
        late=tuple(line for order in chained for line in order.lines if line.late),
        expiring_unused=tuple(_shortfalls(funds, state.lots, horizon_end)),
        spent_by_priority=MappingProxyType(spent),
        proven=state.proven,
        unplanned=list(state.misses),
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

    The selection is exact: per currency, the accounts that may buy the same units are planned
    together, for the most spend on ``must`` needs over all of them, then (keeping that) on
    ``high``, ``normal`` and ``low`` (:mod:`giftbalance.plan.joint`); an account whose money can
    pay for any of its units alone keeps the one subset sum per priority (:func:`select_units`).
    Accounts are listed, and take ties, in order: money expiring soonest first, then by name. A
    unit of a need (or of an occurrence of a recurring need) is planned on at most one account.
    The result does not depend on the order of ``accounts`` or ``needs``. Raises
    :class:`PlanError` for unusable input (unknown priority, negative amounts, a repeated id),
    ``giftbalance.money.MoneyError`` for an unknown currency and
    ``giftbalance.recurrence.RuleError`` (via dateutil) for a broken rule.
    """
    _check(accounts, needs, options)
    slots = _expand(needs, options)
    ordered = sorted(accounts, key=_account_order)
    states = [
        _account_state(index, account, slots, options) for index, account in enumerate(ordered)
    ]
    cap = options.weekly_cap
    for group in _groups(states):
        if len(group) == 1 and _one_pot(group[0]):
            _select_alone(group[0], cap)
        elif cap is None:
            _select_together(group, cap)
        else:
            _plan_capped(group, cap)
            continue
        for state in group:
            _schedule_state(state)
    served = {member: options.member_use.get(member, 0) for member in options.members}
    works = [_finish(state, options, served) for state in states]
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
                proven_optimal=w.proven,
            )
            for w in works
        ),
    )
