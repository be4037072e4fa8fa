"""``giftbalance store import``: the store's own records into the ledger, matched to needs.

:func:`read_store_file` recognises a file by its content (the gift-card activity, pasted as
text or saved as CSV; the order-history CSV; the store's zip). :func:`plan_import` works out,
without writing, what the files add: new redemptions, spends and refunds, rows already in the
ledger, entries typed by hand that a row records (linked, not duplicated), the needs the
orders bought, and the closing-balance check. :func:`apply_plan` writes that plan in the
caller's one transaction, through the ledger's own writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from giftbalance.errors import BadRows, InputError, Problem, Refused
from giftbalance.io.store import activity as activity_page
from giftbalance.io.store import orders as order_history
from giftbalance.io.store.activity import ActivityRow, source_key
from giftbalance.io.store.matching import ItemFacts, NeedFacts, match_needs
from giftbalance.io.store.orders import OrderRow
from giftbalance.values.money import show_money
from giftbalance.values.vocabulary import STORE_LOCALES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from giftbalance.storage.models import Account

#: A hand-typed entry is the one a store's row records when its date is this close.
LINK_DAYS = 3
#: The largest file the store import reads.
MAX_FILE_BYTES = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
#: Entry statuses in a plan, and need statuses.
NEW, ALREADY, MATCHED = "new", "already logged", "matched"
BOUGHT, TO_CONFIRM = "bought", "to confirm"
_LIST_AT_MOST = 10


# -- files --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreFile:
    """One file given to the import: what kind it is and its rows."""

    source: str
    kind: str  # "activity" or "orders"
    activity: tuple[ActivityRow, ...] = ()
    orders: tuple[OrderRow, ...] = ()


def store_locale(account: Account) -> str:
    """The Babel locale of the account's store; :class:`InputError` for a store the import does
    not know how to read."""
    store = account.store.strip().casefold().removeprefix("https://").removeprefix("www.")
    locale = STORE_LOCALES.get(store.rstrip("/"))
    if locale is None:
        raise InputError(
            f"account {account.name!r} is at {account.store!r}; the store import reads "
            f"{', '.join(STORE_LOCALES)} (add an account at one of them: giftbalance account "
            "add NAME --store amazon.com --currency USD)"
        )
    return locale


def read_store_file(data: bytes, source: str, currency: str, locale: str) -> StoreFile:
    """Recognise ``data`` by its content and read it. Raises :class:`InputError` for a file
    that is none of the store's records, :class:`BadRows` naming every bad line."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{source} is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
    if data.startswith(_ZIP_MAGIC):
        rows: list[OrderRow] = []
        for name, member in order_history.zip_members(data, source):
            where = f"{source}:{name}"
            rows += order_history.read_order_rows(_text(member, where), where, currency)
        return StoreFile(source, "orders", orders=tuple(rows))
    text = _text(data, source)
    if order_history.is_order_history(text):
        return StoreFile(
            source, "orders", orders=tuple(order_history.read_order_rows(text, source, currency))
        )
    rows_seen = activity_page.split_rows(text)
    if not activity_page.looks_like_activity(rows_seen, locale):
        raise InputError(
            f"{source} is not a store record the import knows: expected the gift-card activity "
            f"(Date, Description, Amount, Balance, dates written the {locale} way), the order "
            "history CSV, or the store's zip (see: giftbalance store import --help)"
        )
    return StoreFile(
        source,
        "activity",
        activity=tuple(activity_page.parse_activity(text, source, currency, locale)),
    )


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} is not UTF-8 text (byte {exc.start + 1})") from None


def read_files(named: Sequence[tuple[str, bytes]], currency: str, locale: str) -> list[StoreFile]:
    """:func:`read_store_file` for every file; the bad lines of all of them in one
    :class:`BadRows`."""
    files: list[StoreFile] = []
    problems: list[Problem] = []
    for source, data in named:
        try:
            files.append(read_store_file(data, source, currency, locale))
        except BadRows as exc:
            problems += [
                Problem(p.where if p.where.startswith(source) else f"{source} {p.where}", p.reason)
                for p in exc.problems
            ]
    if problems:
        raise BadRows(", ".join(source for source, _ in named), problems)
    return files


# -- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    """One row of the store's records as the import sees it. ``entry_id`` is the ledger's
    entry it is (already logged) or links (matched); ``items`` the names of its order's items."""

    occurred_on: date
    kind: str
    amount: int
    order_id: str | None
    description: str
    status: str
    key: str
    entry_id: int | None = None
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedNeed:
    """An open need an order's item matched: ``bought`` (confident) or ``to confirm``."""

    need_id: int
    name: str
    order_id: str
    item: str
    status: str
    score: int
    units: int
    item_key: str


@dataclass
class ImportPlan:
    """What :func:`plan_import` found, and (after :func:`apply_plan`) what was written."""

    account_id: int
    account: str
    store: str
    currency: str
    entries: list[PlannedEntry]
    needs: list[PlannedNeed]
    items: list[OrderRow]
    balance_before: int
    balance_after: int
    closing_balance: int | None
    notices: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def difference(self) -> int | None:
        """The page's closing balance minus the ledger's balance after the import."""
        if self.closing_balance is None:
            return None
        return self.closing_balance - self.balance_after

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)


@dataclass
class _Candidate:
    """A ledger entry a store's row may be: ``linked`` when it records a store's row already."""

    id: int
    kind: str
    amount: int
    occurred_on: date
    order_id: str | None
    linked: bool
    used: bool = False


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _known_keys(session: Session, model: type, keys: Sequence[str]) -> dict[str, int]:
    """Which of ``keys`` a table of ``model`` (entries, order items) holds: key -> row id."""
    from sqlalchemy import select

    column: Any = getattr(model, "source_key")  # noqa: B009
    ids: Any = getattr(model, "id")  # noqa: B009
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(keys))):
        for key, row_id in session.execute(select(column, ids).where(column.in_(chunk))):
            found[key] = row_id
    return found


def _candidates(
    session: Session, account: Account, days: Sequence[date]
) -> tuple[list[_Candidate], dict[str, list[_Candidate]]]:
    """The account's entries a store's row may be (none reversed, no reversal): those not
    linked yet dated within :data:`LINK_DAYS` of ``days`` (typed by hand), and every one that
    names an order, by order id."""
    from sqlalchemy import ColumnElement, false, or_, select
    from sqlalchemy.orm import aliased

    from giftbalance.storage.models import Entry

    near: ColumnElement[bool] = false()
    if days:
        near = Entry.source_key.is_(None) & Entry.occurred_on.between(
            min(days) - timedelta(days=LINK_DAYS), max(days) + timedelta(days=LINK_DAYS)
        )
    reversal = aliased(Entry)
    rows = session.execute(
        select(
            Entry.id,
            Entry.kind,
            Entry.amount,
            Entry.occurred_on,
            Entry.order_id,
            Entry.source_key.is_not(None),
        )
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(
            Entry.account_id == account.id,
            Entry.kind.in_(("redeem", "spend", "refund", "adjust")),
            reversal.id.is_(None),
            or_(near, Entry.order_id.is_not(None)),
        )
        .order_by(Entry.id)
    )
    hand_typed: list[_Candidate] = []
    by_order: dict[str, list[_Candidate]] = {}
    for row in rows:
        candidate = _Candidate(*row)
        if not candidate.linked:
            hand_typed.append(candidate)
        if candidate.order_id is not None:
            by_order.setdefault(candidate.order_id, []).append(candidate)
    return hand_typed, by_order


def _take(
    candidates: list[_Candidate],
    kind: str,
    amount: int,
    day: date,
    order_id: str | None,
    *,
    within: int | None = LINK_DAYS,
) -> _Candidate | None:
    """The nearest unused entry of ``kind`` and ``amount`` within ``within`` days of ``day``
    (any day: ``None``) and of the same order when it names one; marked used."""
    best: _Candidate | None = None
    for candidate in candidates:
        if (
            candidate.used
            or candidate.kind != kind
            or candidate.amount != amount
            or (within is not None and abs((candidate.occurred_on - day).days) > within)
            or (candidate.order_id is not None and candidate.order_id != order_id)
        ):
            continue
        if best is None or abs((candidate.occurred_on - day).days) < abs(
            (best.occurred_on - day).days
        ):
            best = candidate
    if best is not None:
        best.used = True
    return best


def _floor(session: Session, account: Account) -> date:
    """The day the account's ledger starts: its first entry, else the day it was added."""
    from sqlalchemy import func, select

    from giftbalance.storage.models import Entry

    first = session.scalar(
        select(func.min(Entry.occurred_on)).where(Entry.account_id == account.id)
    )
    return first if first is not None else account.created_at.date()


def plan_import(session: Session, account: Account, files: Sequence[StoreFile]) -> ImportPlan:
    """What importing ``files`` into ``account`` would do; reads, never writes.

    Raises :class:`Refused` when the new entries would break the ledger's rules (a balance
    below zero: a redemption is missing from the records given).
    """
    from giftbalance.ledger import entries as ledger

    currency = account.currency
    rows: dict[str, ActivityRow] = {}
    for file in files:
        for row in file.activity:
            rows.setdefault(row.key, row)
    activity = sorted(rows.values(), key=lambda r: r.occurred_on)
    item_rows: dict[str, OrderRow] = {}
    for file in files:
        for item in file.orders:
            item_rows.setdefault(item.key, item)
    orders = order_history.orders_of(list(item_rows.values()))
    by_order = {order.order_id: order for order in orders}

    before = ledger.balance(session, account)
    notices: list[str] = []
    planned: list[PlannedEntry] = []
    days = [r.occurred_on for r in activity] + [o.ordered_on for o in orders]
    candidates, by_order_entries = _candidates(session, account, days)
    keys = [r.key for r in activity] + [source_key("order", o.order_id) for o in orders]
    known = _known_keys(session, _model("Entry"), keys)
    taken = set(known.values())
    for found in [candidates, *by_order_entries.values()]:
        for candidate in found:
            candidate.used = candidate.used or candidate.id in taken

    def names(order_id: str | None) -> tuple[str, ...]:
        order = by_order.get(order_id) if order_id else None
        return tuple(item.name for item in order.items) if order else ()

    if activity and _has_no_entries(session, account):
        # A first import: the ledger starts where the oldest row given starts.
        opening = activity[0].balance - activity[0].amount
        if opening > 0:
            planned.append(
                PlannedEntry(
                    activity[0].occurred_on,
                    "adjust",
                    opening,
                    None,
                    "opening balance, before the first row given",
                    NEW,
                    source_key("opening", account.id, activity[0].key),
                )
            )
    for row in activity:
        status, entry_id = NEW, known.get(row.key)
        if entry_id is not None:
            status = ALREADY
        else:
            linked = _take(candidates, row.kind, row.amount, row.occurred_on, row.order_id)
            if linked is not None:
                status, entry_id = MATCHED, linked.id
            elif row.order_id is not None:
                # An entry of the same order: logged from the order history before, or typed
                # by hand with its order id longer ago than LINK_DAYS.
                same = _take(
                    by_order_entries.get(row.order_id, []),
                    row.kind,
                    row.amount,
                    row.occurred_on,
                    row.order_id,
                    within=None,
                )
                if same is not None:
                    status, entry_id = (ALREADY if same.linked else MATCHED), same.id
        planned.append(
            PlannedEntry(
                row.occurred_on,
                row.kind,
                row.amount,
                row.order_id,
                row.description,
                status,
                row.key,
                entry_id,
                names(row.order_id) if row.kind == "spend" else (),
            )
        )
    planned += _history_spends(
        session, account, orders, activity, candidates, by_order_entries, known, notices
    )
    planned.sort(key=lambda e: e.occurred_on)
    _check_rules(account, before, planned)
    after = before + sum(e.amount for e in planned if e.status == NEW)
    spent_orders = {e.order_id for e in planned if e.kind == "spend" and e.order_id} | {
        order_id
        for order_id, found in by_order_entries.items()
        if any(c.kind == "spend" for c in found)
    }
    items = _items_to_keep(session, orders, spent_orders)
    needs = _match(session, account, orders, spent_orders, planned)
    return ImportPlan(
        account_id=account.id,
        account=account.name,
        store=account.store,
        currency=currency,
        entries=planned,
        needs=needs,
        items=items,
        balance_before=before,
        balance_after=after,
        closing_balance=activity[-1].balance if activity else None,
        notices=notices,
    )


def _model(name: str) -> type:
    from giftbalance.storage import models

    model: type = getattr(models, name)
    return model


def _has_no_entries(session: Session, account: Account) -> bool:
    from sqlalchemy import func, select

    from giftbalance.storage.models import Entry

    return not session.scalar(select(func.count(Entry.id)).where(Entry.account_id == account.id))


def _history_spends(
    session: Session,
    account: Account,
    orders: Sequence[order_history.Order],
    activity: Sequence[ActivityRow],
    candidates: list[_Candidate],
    by_order_entries: dict[str, list[_Candidate]],
    known: dict[str, int],
    notices: list[str],
) -> list[PlannedEntry]:
    """Spends of orders the gift balance paid alone, found only in the order history.

    Only orders the ledger does not hold yet, dated from the day the ledger starts and, when
    the activity is given, after its last row (the activity is the gift balance's own record
    up to then). A mixed payment needs the activity to know the gift-card part: listed in
    ``notices``.
    """
    if not orders:
        return []
    currency = account.currency
    in_activity = {r.order_id for r in activity if r.order_id}
    floor = _floor(session, account)
    last = activity[-1].occurred_on if activity else None
    planned: list[PlannedEntry] = []
    mixed: list[str] = []
    older = covered = 0
    for order in orders:
        if order.payment == "other" or order.order_id in in_activity:
            continue
        key = source_key("order", order.order_id)
        spends = [c for c in by_order_entries.get(order.order_id, []) if c.kind == "spend"]
        if key in known or spends:
            # Logged before: from the order history, the activity, or by hand with its order.
            planned.append(
                PlannedEntry(
                    order.ordered_on,
                    "spend",
                    -order.total if key in known else sum(c.amount for c in spends),
                    order.order_id,
                    "order paid from the gift balance",
                    ALREADY,
                    key,
                    known[key] if key in known else spends[0].id,
                    tuple(i.name for i in order.items),
                )
            )
            continue
        if order.order_id in by_order_entries:
            continue  # only a refund of it is logged
        if order.ordered_on < floor:
            older += 1
            continue
        if last is not None and order.ordered_on <= last:
            covered += 1
            continue
        if order.payment == "mixed":
            mixed.append(
                f"{order.order_id} ({order.ordered_on}, {show_money(order.total, currency)})"
            )
            continue
        if order.total <= 0:
            continue
        linked = _take(candidates, "spend", -order.total, order.ordered_on, order.order_id)
        planned.append(
            PlannedEntry(
                order.ordered_on,
                "spend",
                -order.total,
                order.order_id,
                "order paid from the gift balance",
                MATCHED if linked else NEW,
                key,
                linked.id if linked else None,
                tuple(i.name for i in order.items),
            )
        )
    if mixed:
        shown = ", ".join(mixed[:_LIST_AT_MOST])
        more = f" and {len(mixed) - _LIST_AT_MOST} more" if len(mixed) > _LIST_AT_MOST else ""
        notices.append(
            f"{len(mixed)} order(s) paid partly from the gift balance and partly by card, not "
            f"logged: {shown}{more}. The order history does not say how much the gift card "
            "paid; import the gift-card activity too"
        )
    if older:
        notices.append(
            f"{older} order(s) paid from the gift balance before the ledger of "
            f"{account.name} starts ({floor}) were not logged"
        )
    if covered:
        notices.append(
            f"{covered} order(s) paid from the gift balance fall within the dates of the "
            "activity given but are not in it; the activity is the gift balance's own record, "
            "so they were not logged"
        )
    return planned


def _check_rules(account: Account, before: int, planned: Sequence[PlannedEntry]) -> None:
    """Refuse a plan whose new entries the ledger's rules would refuse, naming the row."""
    from giftbalance.ledger.rules import AccountFacts, EntryFacts, Replay

    replay = Replay(
        [AccountFacts(account.id, account.name, account.currency)], balances={account.id: before}
    )
    for entry in planned:
        if entry.status != NEW:
            continue
        problems = replay.take(
            EntryFacts(
                account.id,
                entry.kind,
                entry.amount,
                account.currency,
                occurred_on=entry.occurred_on,
            )
        )
        if problems:
            raise Refused(
                f"the {entry.kind} of {show_money(abs(entry.amount), account.currency)} on "
                f"{entry.occurred_on} cannot be logged: {problems[0]}; is a redemption missing? "
                f"Log it (giftbalance add AMOUNT --account {account.name!r}) or give the "
                "activity from further back"
            )


def _items_to_keep(
    session: Session, orders: Sequence[order_history.Order], spent: set[str]
) -> list[OrderRow]:
    """Item rows of orders the gift balance paid (alone, with a card, or as the ledger says)
    that are not stored yet."""
    rows = [
        item
        for order in orders
        if order.payment != "other" or order.order_id in spent
        for item in order.items
    ]
    known = _known_keys(session, _model("OrderItem"), [r.key for r in rows])
    return [r for r in rows if r.key not in known]


def _match(
    session: Session,
    account: Account,
    orders: Sequence[order_history.Order],
    spent: set[str],
    planned: Sequence[PlannedEntry],
) -> list[PlannedNeed]:
    """Open needs the items of the gift balance's orders bought (see
    :mod:`giftbalance.io.store.matching`); pairs already linked or listed are left out."""
    from sqlalchemy import select

    from giftbalance.household.needs import list_needs
    from giftbalance.storage.models import Entry, NeedMatch, OrderItem, Purchase

    items: list[tuple[ItemFacts, str]] = []
    seen: set[str] = set()
    for order in orders:
        if order.order_id not in spent:
            continue
        for item in order.items:
            seen.add(item.key)
            items.append(
                (
                    ItemFacts(
                        len(items),
                        order.order_id,
                        order.ordered_on,
                        item.name,
                        item.unit_price,
                        item.quantity,
                    ),
                    item.key,
                )
            )
    new_spends = sorted(
        {e.order_id for e in planned if e.status == NEW and e.kind == "spend" and e.order_id}
    )
    for chunk in _chunks(new_spends):
        stored = session.execute(
            select(OrderItem).where(
                OrderItem.account_id == account.id, OrderItem.order_id.in_(chunk)
            )
        ).scalars()
        for row in stored:
            if row.source_key not in seen:
                items.append(
                    (
                        ItemFacts(
                            len(items),
                            row.order_id,
                            row.ordered_on,
                            row.name,
                            row.unit_price,
                            row.quantity,
                        ),
                        row.source_key,
                    )
                )
    if not items:
        return []
    views = [v for v in list_needs(session, account=account.name) if v.need.status == "open"]
    if not views:
        return []
    order_ids = sorted({item.order_id for item, _ in items})
    done: set[tuple[int, str | None]] = set()
    for chunk in _chunks(order_ids):
        done |= set(
            session.execute(
                select(Purchase.need_id, Entry.order_id)
                .join(Entry, Entry.id == Purchase.entry_id)
                .where(Entry.account_id == account.id, Entry.order_id.in_(chunk))
            )
        )
        done |= set(
            session.execute(
                select(NeedMatch.need_id, NeedMatch.order_id).where(
                    NeedMatch.account_id == account.id, NeedMatch.order_id.in_(chunk)
                )
            )
        )
    needs = [
        NeedFacts(
            v.need.id, v.need.name, v.need.unit_price, v.need.quantity, v.need.created_at.date()
        )
        for v in views
    ]
    keys = {facts.ref: key for facts, key in items}
    found = []
    for match in match_needs([facts for facts, _ in items], needs):
        if (match.need.id, match.item.order_id) in done:
            continue
        found.append(
            PlannedNeed(
                match.need.id,
                match.need.name,
                match.item.order_id,
                match.item.name,
                BOUGHT if match.confident else TO_CONFIRM,
                match.score,
                min(match.item.quantity, match.need.quantity),
                keys[match.item.ref],
            )
        )
    return sorted(found, key=lambda n: (n.status != BOUGHT, n.need_id))


# -- writing ------------------------------------------------------------------------------------


def apply_plan(session: Session, account: Account, plan: ImportPlan) -> ImportPlan:
    """Write ``plan`` in the caller's write transaction: the order items kept for matching,
    the links of hand-typed entries, the new entries (through the ledger's bulk writer), the
    needs bought and those to confirm. Returns the plan marked written."""
    from sqlalchemy import insert, select

    from giftbalance.household.needs import find_need, record_purchase
    from giftbalance.ledger import entries as ledger
    from giftbalance.storage.models import Entry, NeedMatch, OrderItem
    from giftbalance.values.dates import now

    stamp = now()
    if plan.items:
        session.execute(
            insert(OrderItem),
            [
                {
                    "account_id": account.id,
                    "order_id": item.order_id,
                    "ordered_on": item.ordered_on,
                    "name": item.name,
                    "unit_price": item.unit_price,
                    "quantity": item.quantity,
                    "amount": item.amount,
                    "currency": account.currency,
                    "source_key": item.key,
                    "created_at": stamp,
                }
                for item in plan.items
            ],
        )
    for planned in plan.entries:
        if planned.status == MATCHED:
            assert planned.entry_id is not None
            entry = session.get(Entry, planned.entry_id)
            assert entry is not None
            ledger.link(session, entry, order_id=planned.order_id, source_key=planned.key)
    ledger.append_in_order(
        session,
        [
            ledger.AccountEntry(
                account.id,
                account.currency,
                e.kind,
                e.amount,
                e.occurred_on,
                note=_note(e),
                order_id=e.order_id,
                source_key=e.key,
            )
            for e in plan.entries
            if e.status == NEW
        ],
    )
    if plan.needs:
        item_ids = _known_keys(session, OrderItem, [n.item_key for n in plan.needs])
        for need in plan.needs:
            spend = session.scalars(
                select(Entry)
                .where(
                    Entry.account_id == account.id,
                    Entry.order_id == need.order_id,
                    Entry.kind == "spend",
                )
                .order_by(Entry.id)
                .limit(1)
            ).first()
            if need.status == BOUGHT and spend is not None:
                record_purchase(
                    session,
                    find_need(session, need.need_id),
                    spend,
                    units=need.units,
                    item_id=item_ids.get(need.item_key),
                )
            else:
                session.add(
                    NeedMatch(
                        need_id=need.need_id,
                        account_id=account.id,
                        order_id=need.order_id,
                        item_id=item_ids.get(need.item_key),
                        score=need.score,
                        status="to confirm",
                        created_at=stamp,
                    )
                )
    session.flush()
    plan.written = True
    return plan


def _note(entry: PlannedEntry) -> str | None:
    """The note an imported entry gets: what the order bought, or where the row came from
    (the page's own description is not kept: it is not one of the things the import keeps)."""
    if entry.items:
        text = "; ".join(entry.items)
        return text if len(text) <= 300 else text[:297] + "..."
    return {
        "redeem": "gift card added (store activity)",
        "refund": "refund (store activity)",
        "adjust": "balance change (store activity)",
    }.get(entry.kind)


def import_files(
    session: Session, account: Account, named: Sequence[tuple[str, bytes]], *, apply: bool
) -> ImportPlan:
    """Read ``named`` files (source name, bytes), plan the import into ``account`` and, with
    ``apply``, write it in the caller's transaction. See :func:`plan_import`."""
    if not named:
        raise InputError("no file given")
    locale = store_locale(account)
    files = read_files(named, account.currency, locale)
    plan = plan_import(session, account, files)
    return apply_plan(session, account, plan) if apply else plan
