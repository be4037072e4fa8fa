"""The needs list: things the household needs, bought with the gift balance.

Needs are not the ledger: they are edited in place. What was bought is recorded append-only
as a :class:`~giftbalance.models.Purchase` beside the ledger's spend entry.

``Need.quantity`` is the number of units still wanted (per occurrence for a recurring need);
``Need.unit_price`` is minor units of ``Need.currency``, the currency of the account the need
is pinned to, else of the account a command would use by default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from giftbalance.errors import InputError, NotFound, Refused
from giftbalance.household.members import find_member
from giftbalance.household.reading import PRIORITY_RANK
from giftbalance.household.reading import NeedView as NeedView
from giftbalance.household.reading import list_needs as list_needs
from giftbalance.household.reading import open_totals as open_totals
from giftbalance.household.reading import sort_key as sort_key
from giftbalance.ledger import accounts, entries
from giftbalance.storage.models import Account, Entry, Member, Need, Purchase
from giftbalance.values import recurrence
from giftbalance.values.dates import now, today
from giftbalance.values.money import Money, tax_on
from giftbalance.values.text import note_text, one_line, required_line
from giftbalance.values.text import order_id as parse_order_id
from giftbalance.values.vocabulary import PRIORITIES

MAX_NAME = 200
MAX_QUANTITY = 10_000
MAX_STORE = 100
MAX_RULE = 200
#: Fields ``need edit`` can clear, with the option that names them (``--clear-for``).
CLEARABLE = {
    "by": "by",
    "member": "for",
    "every": "every",
    "account": "account",
    "store": "store",
    "url": "url",
    "note": "note",
}


@dataclass(frozen=True, slots=True)
class NeedFields:
    """What the user says about a need. For ``add`` every given field is used; for ``edit``
    ``None`` means "leave as it is". ``price`` is already parsed in the need's currency (see
    :func:`price_currency`); ``every`` is a phrase or RRULE; ``member`` and ``account`` are names.
    """

    name: str | None = None
    price: Money | None = None
    quantity: int | None = None
    priority: str | None = None
    by: date | None = None
    member: str | None = None
    every: str | None = None
    account: str | None = None
    store: str | None = None
    url: str | None = None
    note: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))


# -- checking what users type ---------------------------------------------------------------


def clean_need_name(text: str) -> str:
    """A need's name with runs of whitespace collapsed; refuses empty and over-long names."""
    return required_line(text, "need's name", max_length=MAX_NAME)


def check_priority(text: str) -> str:
    """``must``, ``high``, ``normal`` or ``low`` (any case)."""
    lowered = text.strip().lower()
    if lowered not in PRIORITY_RANK:
        raise InputError(f"priority {text!r} is not one of {', '.join(PRIORITIES)}")
    return lowered


def check_quantity(quantity: int) -> int:
    """A quantity of units: 1 to :data:`MAX_QUANTITY`."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InputError(f"quantity must be between 1 and {MAX_QUANTITY}, not {quantity}")
    return quantity


def parse_every(text: str) -> str:
    """A recurrence phrase (``2 weeks``, ``month``) or RRULE as canonical RRULE text."""
    try:
        rule = recurrence.parse_rule(text)
    except recurrence.RuleError as exc:
        raise InputError(str(exc)) from None
    if len(rule) > MAX_RULE:
        raise InputError(f"the recurrence rule is longer than {MAX_RULE} characters")
    return rule


def clean_store(text: str | None) -> str | None:
    """A store's name (``amazon.com``), or ``None`` for nothing; at most 100 characters."""
    return one_line(text, "store", max_length=MAX_STORE)


def first_date_of(rule: str, start: date) -> date:
    """The first occurrence of ``rule`` on or after ``start``; refused when there is none."""
    found = recurrence.first_occurrence(rule, start)
    if found is None:
        raise InputError(f"the recurrence {rule} has no date on or after {start}")
    return found


# -- currencies -----------------------------------------------------------------------------


def default_currency(session: Session) -> str:
    """The currency of a need pinned to no account: the default account's, else the only
    account's (or the one currency all active accounts share).

    Raises :class:`Refused` with the how-to when there is no account, and :class:`InputError`
    when active accounts hold several currencies and none is the default.
    """
    default = accounts.default_account(session)
    if default is not None and default.archived_at is None:
        return default.currency
    active = accounts.accounts(session)
    if not active:
        raise Refused(accounts.NO_ACCOUNT_HELP)
    currencies = sorted({a.currency for a in active})
    if len(currencies) == 1:
        return currencies[0]
    raise InputError(
        f"accounts in several currencies ({', '.join(currencies)}): pass --account NAME (the "
        "price is in that account's currency), or set a default with: "
        "giftbalance config set default_account NAME"
    )


def default_currency_or_none(session: Session) -> str | None:
    """:func:`default_currency`, or ``None`` where it would refuse."""
    try:
        return default_currency(session)
    except (InputError, Refused):
        return None


def price_currency(session: Session, account: str | None, need_id: int | None = None) -> str:
    """The currency a price typed for a need is in.

    ``account`` (a name) gives its currency; else, for an existing need (``need_id``), the
    need's own currency; else :func:`default_currency`.
    """
    if account is not None:
        return accounts.resolve_account(session, account).currency
    if need_id is not None:
        return find_need(session, need_id).currency
    return default_currency(session)


# -- reading --------------------------------------------------------------------------------


def find_need(session: Session, need_id: int) -> Need:
    """The need with id ``need_id`` (any status); :class:`NotFound` if there is none."""
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound(f"no need {need_id} (see: giftbalance need list --all)")
    return need


def _open_need(session: Session, need_id: int, doing: str) -> Need:
    need = find_need(session, need_id)
    if need.status != "open":
        raise Refused(f"need {need.id} ({need.name}) is {need.status}; cannot {doing} it")
    return need


def view_need(session: Session, need_id: int) -> NeedView:
    """One need with its member's and account's names; :class:`NotFound` if there is none."""
    find_need(session, need_id)
    return list_needs(session, include_closed=True, ids=[need_id])[0]


def view_of(session: Session, need: Need) -> NeedView:
    """A view of ``need`` (saved or not), looking up its member's and account's names."""
    member = session.get(Member, need.member_id) if need.member_id is not None else None
    account = session.get(Account, need.account_id) if need.account_id is not None else None
    return NeedView(need, member.name if member else None, account.name if account else None)


@dataclass(frozen=True, slots=True)
class PurchaseView:
    """One purchase of a need, with its ledger entry and whether that spend was undone."""

    purchase: Purchase
    entry: Entry
    account: str
    member: str | None
    undone: bool


def purchases(session: Session, need_id: int) -> list[PurchaseView]:
    """What was bought for the need, oldest first."""
    reversal = aliased(Entry)
    rows = session.execute(
        select(Purchase, Entry, Account.name, Member.name, reversal.id)
        .join(Entry, Entry.id == Purchase.entry_id)
        .join(Account, Account.id == Entry.account_id)
        .outerjoin(Member, Member.id == Purchase.member_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(Purchase.need_id == need_id)
        .order_by(Purchase.id)
    ).all()
    return [
        PurchaseView(purchase, entry, account, member, undone_by is not None)
        for purchase, entry, account, member, undone_by in rows
    ]


# -- writing --------------------------------------------------------------------------------


def _check_price(price: Money, currency: str) -> Money:
    if price.currency != currency:
        raise InputError(f"the price is in {price.currency} but the need is in {currency}")
    return price


def build_need(session: Session, fields: NeedFields) -> Need:
    """A new open need from ``fields`` (``name`` and ``price`` required), not yet added.

    Checks everything: the account exists and is active, the price is in its currency (a need
    pinned to no account is in its price's currency, which some active account must hold; the
    CLI parses it in :func:`price_currency`), the member is current, the recurrence parses. A recurring need's
    ``by`` is its first occurrence (default today) and its ``need_by`` stays empty.
    """
    if fields.name is None or fields.price is None:
        raise InputError("a need has at least a name and a price")
    account = accounts.resolve_account(session, fields.account) if fields.account else None
    if account is not None:
        price = _check_price(fields.price, account.currency)
    else:
        price = fields.price
        held = {a.currency for a in accounts.accounts(session)}
        if not held:
            raise Refused(accounts.NO_ACCOUNT_HELP)
        if price.currency not in held:
            raise InputError(
                f"no account holds {price.currency}; give the need an account in its currency"
            )
    currency = price.currency
    need = Need(
        name=clean_need_name(fields.name),
        unit_price=price.minor,
        currency=currency,
        quantity=check_quantity(fields.quantity if fields.quantity is not None else 1),
        priority=check_priority(fields.priority or "normal"),
        need_by=None,
        member_id=find_member(session, fields.member).id if fields.member else None,
        account_id=account.id if account is not None else None,
        store=clean_store(fields.store),
        url=one_line(fields.url, "url"),
        note=note_text(fields.note),
        status="open",
        created_at=now(),
        closed_at=None,
    )
    if fields.every is not None:
        need.rule = parse_every(fields.every)
        need.first_date = need.next_date = first_date_of(need.rule, fields.by or today())
    else:
        need.need_by = fields.by
    return need


def add_need(session: Session, fields: NeedFields) -> Need:
    """Add a need (see :func:`build_need`) and return it with its id."""
    need = build_need(session, fields)
    session.add(need)
    session.flush()
    return need


def edit_need(
    session: Session, need_id: int, fields: NeedFields, *, clear: Iterable[str] = ()
) -> Need:
    """Change an open need: the fields given, and clear those named in ``clear``
    (keys of :data:`CLEARABLE`).

    A new ``every`` starts on ``by``, else the current due date, else today; clearing
    ``every`` makes a one-off need due on ``by``, else on the occurrence it was waiting for.
    Changing the account to one in another currency needs a new price in that currency.
    Raises :class:`Refused` for a need that is not open, :class:`InputError` for nothing to
    change or a field both given and cleared.
    """
    cleared = set(clear)
    unknown = cleared - CLEARABLE.keys()
    if unknown:
        raise InputError(f"cannot clear {', '.join(sorted(unknown))}")
    both = sorted(f for f in cleared if getattr(fields, f) is not None)
    if both:
        option = CLEARABLE[both[0]]
        raise InputError(f"--{option} and --clear-{option} contradict each other")
    if fields.is_empty() and not cleared:
        raise InputError("nothing to change (see: giftbalance need edit --help)")
    need = _open_need(session, need_id, "edit")

    if fields.name is not None:
        need.name = clean_need_name(fields.name)
    if fields.account is not None:
        account = accounts.resolve_account(session, fields.account)
        if fields.price is None and account.currency != need.currency:
            raise Refused(
                f"need {need.id} is priced in {need.currency} but {account.name} is in "
                f"{account.currency}; give the new price too (--price)"
            )
        need.account_id, need.currency = account.id, account.currency
    elif "account" in cleared:
        need.account_id = None
    if fields.price is not None:
        need.unit_price = _check_price(fields.price, need.currency).minor
    if fields.quantity is not None:
        need.quantity = check_quantity(fields.quantity)
    if fields.priority is not None:
        need.priority = check_priority(fields.priority)
    if fields.member is not None:
        need.member_id = find_member(session, fields.member).id
    elif "member" in cleared:
        need.member_id = None
    if fields.store is not None:
        need.store = clean_store(fields.store)
    elif "store" in cleared:
        need.store = None
    if fields.url is not None:
        need.url = one_line(fields.url, "url")
    elif "url" in cleared:
        need.url = None
    if fields.note is not None:
        need.note = note_text(fields.note)
    elif "note" in cleared:
        need.note = None
    _edit_dates(need, fields, cleared)
    session.flush()
    return need


def _edit_dates(need: Need, fields: NeedFields, cleared: set[str]) -> None:
    if fields.every is not None:
        rule = parse_every(fields.every)
        start = fields.by or (need.next_date if need.rule else need.need_by) or today()
        need.rule = rule
        need.first_date = need.next_date = first_date_of(rule, start)
        need.need_by = None
    elif "every" in cleared:
        if need.rule is not None:
            need.need_by = fields.by or need.next_date
            need.rule = need.first_date = need.next_date = None
        elif fields.by is not None:
            need.need_by = fields.by
    elif fields.by is not None:
        if need.rule is not None:
            need.first_date = need.next_date = first_date_of(need.rule, fields.by)
        else:
            need.need_by = fields.by
    elif "by" in cleared:
        if need.rule is not None:
            raise InputError(
                f"need {need.id} repeats, so it always has a next date; move it with --by "
                "DATE, or make it a one-off with --clear-every"
            )
        need.need_by = None


def remove_need(session: Session, need_id: int) -> Need:
    """Drop an open need: status ``removed``, kept in history. Bought needs stay bought."""
    need = _open_need(session, need_id, "remove")
    need.status, need.closed_at = "removed", now()
    session.flush()
    return need


def reopen_need(session: Session, need_id: int) -> Need:
    """Put a removed need back on the open list (a ``need remove`` by mistake).

    Refused for an open need, for a bought one (undoing its spend reopens it and gives the
    money back; ``need show`` names the entry), and while the member it is for has been
    removed or the account it is pinned to is archived (``need add`` would refuse those too).
    """
    need = find_need(session, need_id)
    if need.status == "open":
        raise Refused(f"need {need.id} ({need.name}) is already open")
    if need.status == "bought":
        raise Refused(
            f"need {need.id} ({need.name}) was bought; to reopen it, undo its spend with "
            f"giftbalance undo ENTRY_ID (the entry is in: giftbalance need show {need.id}), "
            "or add it again"
        )
    if need.member_id is not None:
        member = session.get(Member, need.member_id)
        if member is not None and member.removed_at is not None:
            raise Refused(
                f"need {need.id} ({need.name}) is for {member.name}, who was removed from the "
                "household; add it again for someone else"
            )
    if need.account_id is not None:
        account = accounts.find_account_by_id(session, need.account_id)
        if account.archived_at is not None:
            raise Refused(
                f"need {need.id} ({need.name}) is pinned to account {account.name!r}, which is "
                "archived; add it again for another account"
            )
    need.status, need.closed_at = "open", None
    session.flush()
    return need


# -- buying ---------------------------------------------------------------------------------


def purchase_account(
    session: Session,
    need_id: int,
    account: str | None,
    *,
    choose: Callable[[list[Account]], Account] | None = None,
) -> Account:
    """The account that pays for an open need: ``account``, else the one the need is pinned
    to, else the default or only one (``choose`` may ask). Refused for a need that is not
    open and for an account in another currency than the need's price."""
    need = _open_need(session, need_id, "buy")
    if account is None and need.account_id is not None:
        chosen = accounts.find_account_by_id(session, need.account_id)
        if chosen.archived_at is not None:
            raise Refused(
                f"need {need.id} is pinned to account {chosen.name!r}, which is archived; "
                "pass --account NAME"
            )
    else:
        chosen = accounts.resolve_account(session, account, choose=choose)
    if chosen.currency != need.currency:
        raise Refused(
            f"need {need.id} is priced in {need.currency} but {chosen.name} is in "
            f"{chosen.currency}; pick another --account, or change its price with need edit"
        )
    return chosen


@dataclass(frozen=True, slots=True)
class Bought:
    """What :func:`buy` recorded."""

    need: Need
    entry: Entry
    account: Account
    units: int
    paid: Money
    #: ``paid`` was not given: it is units x (unit price + tax at ``tax_rate``).
    assumed: bool
    unit_tax: Money
    tax_rate: Decimal
    #: The recurring need's date that was bought (``None`` for a one-off need).
    occurrence: date | None


def units_to_buy(need: Need, units: int | None) -> int:
    """``units`` (default: all still wanted), refused beyond what the need still wants."""
    wanted = need.quantity
    count = units if units is not None else wanted
    if not 1 <= count <= wanted:
        each = " each time" if need.rule else ""
        raise InputError(
            f"need {need.id} wants {wanted} unit(s){each}, not {count}; to buy more, "
            f"first: giftbalance need edit {need.id} --qty N"
        )
    return count


def assumed_cost(unit_price: Money, units: int, tax_rate: Decimal) -> tuple[Money, Money]:
    """What ``units`` units cost with tax: ``(total, tax per unit)``; the tax is per unit,
    rounded half up (the way a store's receipt adds it to each item)."""
    unit_tax = tax_on(unit_price, tax_rate)
    return (unit_price + unit_tax) * units, unit_tax


def buy(
    session: Session,
    need_id: int,
    *,
    account: str | None,
    units: int | None,
    paid: Money | None,
    occurred_on: date,
) -> Bought:
    """Record that an open need was bought: the ledger's spend, the purchase and the need's
    new state, in the caller's one transaction.

    ``units`` defaults to the quantity still wanted (per occurrence for a recurring need) and
    cannot exceed it. ``paid`` defaults to units x (unit price + tax at the account's rate).
    A one-off need loses the units bought, and is ``bought`` once none is left (its quantity
    then stays as the last purchase's units); a recurring need moves to its next occurrence,
    or is ``bought`` when its rule has ended. :func:`on_reversed` undoes exactly this.
    Raises :class:`Refused` when the balance does not cover ``paid`` (nothing is written).
    """
    chosen = purchase_account(session, need_id, account)
    need = find_need(session, need_id)
    count = units_to_buy(need, units)
    rate = Decimal(chosen.tax_rate)
    cost, unit_tax = assumed_cost(Money(need.unit_price, need.currency), count, rate)
    amount = paid if paid is not None else cost
    entry = entries.spend(
        session, chosen, amount, occurred_on=occurred_on, note=f"bought: {need.name} x {count}"
    )
    occurrence = record_purchase(session, need, entry, units=count)
    return Bought(need, entry, chosen, count, amount, paid is None, unit_tax, rate, occurrence)


def record_purchase(
    session: Session, need: Need, entry: Entry, *, units: int, item_id: int | None = None
) -> date | None:
    """Record that the spend ``entry`` bought ``units`` of the open ``need`` and move the need
    on: a one-off need loses the units bought and is ``bought`` once none is left (its quantity
    then stays as the last purchase's units); a recurring need moves to its next occurrence, or
    is ``bought`` when its rule has ended. Returns the occurrence bought (``None`` for a one-off
    need). :func:`buy` and :func:`buy_by_order` both record through here; :func:`on_reversed`
    undoes it.
    """
    wanted = need.quantity
    occurrence = need.next_date if need.rule else None
    session.add(
        Purchase(
            entry_id=entry.id,
            need_id=need.id,
            member_id=need.member_id,
            units=units,
            occurrence=occurrence,
            created_at=now(),
            item_id=item_id,
        )
    )
    if need.rule is not None:
        assert need.first_date is not None and need.next_date is not None
        following = recurrence.next_occurrence(need.rule, need.first_date, after=need.next_date)
        if following is None:
            need.status, need.closed_at = "bought", now()
        else:
            need.next_date = following
    elif units < wanted:
        need.quantity = wanted - units
    else:
        need.status, need.closed_at = "bought", now()
    session.flush()
    return occurrence


def order_spend(session: Session, account: Account, order_id: str) -> Entry:
    """The first spend of ``account`` that paid for store order ``order_id`` and was not undone;
    :class:`NotFound` with what to run when there is none."""
    reversal = aliased(Entry)
    found = session.scalars(
        select(Entry)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(
            Entry.account_id == account.id,
            Entry.order_id == order_id,
            Entry.kind == "spend",
            reversal.id.is_(None),
        )
        .order_by(Entry.id)
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(
            f"no spend of order {order_id} in {account.name}; log it first with giftbalance "
            f"store import FILE --account {account.name!r} --apply (or record the need with "
            "giftbalance need bought ID --paid AMOUNT)"
        )
    return found


def buy_by_order(
    session: Session,
    need_id: int,
    order_id: str,
    *,
    account: str | None,
    units: int | None,
) -> Bought:
    """Record that an open need was bought by a store order the ledger already holds (a spend
    with that order id, logged by ``giftbalance store import``): the purchase and the need's new
    state, with no second spend. Confirms the import's ``to confirm`` match, if any.

    Raises :class:`NotFound` when the account has no spend of that order, :class:`Refused`
    when that spend already bought this need.
    """
    from giftbalance.storage.models import NeedMatch

    order_id = parse_order_id(order_id)
    chosen = purchase_account(session, need_id, account)
    need = find_need(session, need_id)
    entry = order_spend(session, chosen, order_id)
    twice = session.scalars(
        select(Purchase.id).where(Purchase.entry_id == entry.id, Purchase.need_id == need.id)
    ).first()
    if twice is not None:
        raise Refused(f"need {need.id} ({need.name}) is already bought by order {order_id}")
    count = units_to_buy(need, units)
    match = session.scalars(
        select(NeedMatch).where(NeedMatch.need_id == need.id, NeedMatch.order_id == order_id)
    ).first()
    occurrence = record_purchase(
        session, need, entry, units=count, item_id=match.item_id if match else None
    )
    if match is not None:
        match.status, match.decided_at = "confirmed", now()
    session.flush()
    paid = Money(-entry.amount, entry.currency)
    return Bought(
        need, entry, chosen, count, paid, False, Money.zero(entry.currency), Decimal(0), occurrence
    )


def on_reversed(session: Session, entry: Entry) -> str | None:
    """Reopen the need bought by ``entry`` after that spend was reversed.

    A one-off need gets its units back and is open again (unless it was removed since); a
    recurring need goes back to the occurrence that was bought, if that is earlier than the one
    it waits for now. Returns a line for the user, or ``None`` when the entry bought no need.
    """
    lines = [
        line
        for purchase in session.scalars(
            select(Purchase).where(Purchase.entry_id == entry.id).order_by(Purchase.id)
        )
        if (line := _reopen(session, purchase)) is not None
    ]
    return " ".join(lines) or None


def _reopen(session: Session, purchase: Purchase) -> str | None:
    need = session.get(Need, purchase.need_id)
    if need is None or need.status == "removed":
        return None
    if need.rule is not None:
        if purchase.occurrence is not None and (
            need.next_date is None or purchase.occurrence < need.next_date
        ):
            need.next_date = purchase.occurrence
        need.status, need.closed_at = "open", None
        return f"Need {need.id} ({need.name}) is due again on {need.next_date}."
    if need.status == "bought":
        need.quantity = purchase.units
    else:
        need.quantity += purchase.units
    need.status, need.closed_at = "open", None
    return f"Need {need.id} ({need.name}) is open again ({need.quantity} wanted)."
