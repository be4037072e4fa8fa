"""The hot read queries, written once as plain SQL with named parameters (``:name``).

Every everyday command reads through these (see :mod:`giftbalance.storage.reader`): through
the standard library's ``sqlite3`` on a SQLite file, through SQLAlchemy's ``text()`` on a
server, and through the session of a command that is writing. The SQL is plain enough for
both SQLite and PostgreSQL; tests/test_queries.py runs every function here against databases
built by the Alembic migrations, on both, so the queries and the schema cannot drift apart.

Records keep the names of the models' columns (``AccountRow.tax_rate`` is
``Account.tax_rate``), so renderers read either. Dates and times come back as the driver gives
them (ISO text from SQLite, ``date``/``datetime`` from PostgreSQL) and are turned into
``date``/``datetime`` here; money stays integer minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from giftbalance.storage.reader import Params, Reader, Row


def to_date(value: Any) -> date | None:
    """A ``DATE`` column's value as a ``date`` (SQLite gives ISO text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def to_datetime(value: Any) -> datetime | None:
    """A ``DATETIME`` column's value as a ``datetime`` (SQLite gives ISO text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _in_list(column: str, name: str, values: Iterable[int]) -> tuple[str, dict[str, object]]:
    """``column IN (:name_0, :name_1, ...)`` and its parameters (both drivers take a list of
    named parameters the same way; ``IN ()`` is never written: an empty list matches no row)."""
    params: dict[str, object] = {f"{name}_{index}": value for index, value in enumerate(values)}
    if not params:
        return "1 = 0", {}
    return f"{column} IN ({', '.join(':' + key for key in params)})", params


# -- the schema version -------------------------------------------------------------------------

SCHEMA_REVISION = "SELECT version_num FROM alembic_version"
_SQLITE_SCHEMA_TABLE = (
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
)


def sqlite_schema_revision(reader: Reader) -> str | None:
    """The Alembic revision stored in a SQLite database (``None``: an empty database)."""
    if not reader.scalar(_SQLITE_SCHEMA_TABLE):
        return None
    revision = reader.scalar(SCHEMA_REVISION)
    return None if revision is None else str(revision)


# -- settings -----------------------------------------------------------------------------------


def setting(reader: Reader, key: str) -> str | None:
    """The stored value of setting ``key`` (``None``: not set; its default applies)."""
    value = reader.scalar("SELECT value FROM settings WHERE key = :key", {"key": key})
    return None if value is None else str(value)


# -- accounts -----------------------------------------------------------------------------------


class AccountRow(NamedTuple):
    """An account as stored (see :class:`giftbalance.storage.models.Account`)."""

    id: int
    name: str
    store: str
    currency: str
    tax_rate: str
    egift_minimum: int
    note: str | None
    created_at: datetime
    archived_at: datetime | None


_ACCOUNT = (
    "SELECT id, name, store, currency, tax_rate, egift_minimum, note, created_at, archived_at "
    "FROM accounts"
)


def _account(row: Row) -> AccountRow:
    created_at = to_datetime(row[7])
    assert created_at is not None
    return AccountRow(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], created_at, to_datetime(row[8])
    )


def accounts(reader: Reader, *, include_archived: bool = False) -> list[AccountRow]:
    """Accounts by name (case-insensitively): the active ones, or all."""
    where = "" if include_archived else " WHERE archived_at IS NULL"
    return [_account(row) for row in reader.rows(f"{_ACCOUNT}{where} ORDER BY name_key")]


def account_by_key(reader: Reader, name_key: str) -> AccountRow | None:
    """The account whose case-folded name is ``name_key``."""
    row = reader.one(f"{_ACCOUNT} WHERE name_key = :name_key", {"name_key": name_key})
    return None if row is None else _account(row)


def account_by_id(reader: Reader, account_id: int) -> AccountRow | None:
    row = reader.one(f"{_ACCOUNT} WHERE id = :id", {"id": account_id})
    return None if row is None else _account(row)


# -- the ledger ---------------------------------------------------------------------------------


def balance(reader: Reader, account_id: int) -> int:
    """The account's balance in minor units: its latest entry's ``balance_after`` (one
    indexed lookup, whatever the length of the ledger)."""
    value = reader.scalar(
        "SELECT balance_after FROM entries WHERE account_id = :account_id ORDER BY id DESC LIMIT 1",
        {"account_id": account_id},
    )
    return int(value or 0)


def moved_since(reader: Reader, account_id: int, since: date) -> int:
    """What the entries dated on or after ``since`` add up to, in minor units (the balance
    before ``since`` is the balance minus this; the index on the account and date finds them)."""
    value = reader.scalar(
        "SELECT sum(amount) FROM entries WHERE account_id = :account_id AND occurred_on >= :since",
        {"account_id": account_id, "since": since},
    )
    return int(value or 0)


class EntryRow(NamedTuple):
    """A ledger entry as stored, without its claim code's HMAC and its store row's key (see
    :class:`giftbalance.storage.models.Entry`)."""

    id: int
    account_id: int
    kind: str
    amount: int
    currency: str
    balance_after: int
    occurred_on: date
    recorded_at: datetime
    note: str | None
    giver: str | None
    expires_on: date | None
    code_last4: str | None
    reverses_id: int | None
    order_id: str | None


def log(
    reader: Reader,
    *,
    account_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> list[tuple[EntryRow, str]]:
    """Entries with their account's name, newest first, filtered by account and date;
    ``limit`` keeps the newest N (the primary key walks backwards and stops there)."""
    where: list[str] = []
    params: dict[str, object] = {}
    if account_id is not None:
        where.append("e.account_id = :account_id")
        params["account_id"] = account_id
    if since is not None:
        where.append("e.occurred_on >= :since")
        params["since"] = since
    if until is not None:
        where.append("e.occurred_on <= :until")
        params["until"] = until
    sql = (
        "SELECT e.id, e.account_id, e.kind, e.amount, e.currency, e.balance_after, "
        "e.occurred_on, e.recorded_at, e.note, e.giver, e.expires_on, e.code_last4, "
        "e.reverses_id, e.order_id, a.name FROM entries e JOIN accounts a ON a.id = e.account_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY e.id DESC"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    found = []
    for row in reader.rows(sql, params):
        occurred_on, recorded_at = to_date(row[6]), to_datetime(row[7])
        assert occurred_on is not None and recorded_at is not None
        entry = EntryRow(
            id=row[0],
            account_id=row[1],
            kind=row[2],
            amount=row[3],
            currency=row[4],
            balance_after=row[5],
            occurred_on=occurred_on,
            recorded_at=recorded_at,
            note=row[8],
            giver=row[9],
            expires_on=to_date(row[10]),
            code_last4=row[11],
            reverses_id=row[12],
            order_id=row[13],
        )
        found.append((entry, str(row[14])))
    return found


class LotEvent(NamedTuple):
    """What the expiring-lots replay reads of an entry."""

    id: int
    kind: str
    amount: int
    expires_on: date | None
    reverses_id: int | None


def lot_events(reader: Reader, account_id: int, start: int, count: int) -> list[LotEvent]:
    """Up to ``count`` entries of the account from entry id ``start`` on, in ledger order."""
    rows = reader.rows(
        "SELECT id, kind, amount, expires_on, reverses_id FROM entries "
        "WHERE account_id = :account_id AND id >= :start ORDER BY id LIMIT :count",
        {"account_id": account_id, "start": start, "count": count},
    )
    return [LotEvent(r[0], r[1], r[2], to_date(r[3]), r[4]) for r in rows]


#: The account's first redemption with an expiry date after entry ``:after``. ``+id`` keeps
#: SQLite from reading it off the index of all the account's entries (which it prefers when
#: ``id`` may bound a range: a scan of the whole account when no redemption expires), so it
#: uses the partial index ``ix_entries_expiring`` that holds only these; on PostgreSQL ``+id``
#: is just ``id``. tests/test_queries.py checks the plan.
NEXT_EXPIRING = (
    "SELECT min(id) FROM entries WHERE account_id = :account_id "
    "AND expires_on IS NOT NULL AND +id > :after"
)


def next_expiring(reader: Reader, account_id: int, after: int) -> int | None:
    """The id of the account's first redemption with an expiry date after entry ``after``
    (one lookup in the partial index ``ix_entries_expiring``, whatever the ledger's length)."""
    value = reader.scalar(NEXT_EXPIRING, {"account_id": account_id, "after": after})
    return None if value is None else int(value)


def next_reversal(reader: Reader, reversed_ids: Sequence[int], after: int) -> int | None:
    """The id of the first entry after ``after`` that reverses one of ``reversed_ids`` (each
    an index lookup: ``reverses_id`` is unique)."""
    listed, params = _in_list("reverses_id", "r", reversed_ids)
    value = reader.scalar(
        f"SELECT min(id) FROM entries WHERE {listed} AND id > :after", {**params, "after": after}
    )
    return None if value is None else int(value)


#: Money that moved on an account on one day in one category: ``(account_id, occurred_on,
#: category, amount, entries)`` (the fields of :class:`giftbalance.report.weekly.LedgerRow`).
LedgerDay = tuple[int, date, str, int, int]


def ledger_days(
    reader: Reader, account_ids: Sequence[int], until: date, since: date | None = None
) -> list[LedgerDay]:
    """The ledger of ``account_ids`` dated up to ``until`` (and from ``since``), summed per
    account, day and category in the database (a reversal counts in the category of the entry
    it reverses), in that order."""
    listed, params = _in_list("e.account_id", "a", account_ids)
    params["until"] = until
    where = f"e.occurred_on <= :until AND {listed}"
    if since is not None:
        where += " AND e.occurred_on >= :since"
        params["since"] = since
    rows = reader.rows(
        "SELECT e.account_id, e.occurred_on, "
        "CASE WHEN e.kind = 'reversal' THEN coalesce(u.kind, 'adjust') ELSE e.kind END, "
        "sum(e.amount), count(e.id) "
        f"FROM entries e LEFT JOIN entries u ON u.id = e.reverses_id WHERE {where} "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        params,
    )
    days: list[LedgerDay] = []
    for account_id, occurred_on, category, amount, count in rows:
        day = to_date(occurred_on)
        assert day is not None
        days.append((int(account_id), day, str(category), int(amount), int(count)))
    return days


# -- members ------------------------------------------------------------------------------------


class MemberRow(NamedTuple):
    """A household member as stored (see :class:`giftbalance.storage.models.Member`)."""

    id: int
    name: str
    note: str | None
    created_at: datetime
    removed_at: datetime | None


_MEMBER = "SELECT id, name, note, created_at, removed_at FROM members"


def _member(row: Row) -> MemberRow:
    created_at = to_datetime(row[3])
    assert created_at is not None
    return MemberRow(row[0], row[1], row[2], created_at, to_datetime(row[4]))


def members(reader: Reader, *, include_removed: bool = False) -> list[MemberRow]:
    """Current members by name (with ``include_removed``, former ones too, after them)."""
    where = "" if include_removed else " WHERE removed_at IS NULL"
    return [
        _member(row)
        for row in reader.rows(
            f"{_MEMBER}{where} ORDER BY removed_at IS NOT NULL, name_key, id", None
        )
    ]


def current_member_by_key(reader: Reader, name_key: str) -> MemberRow | None:
    """The current member whose case-folded name is ``name_key``."""
    row = reader.one(
        f"{_MEMBER} WHERE name_key = :name_key AND removed_at IS NULL", {"name_key": name_key}
    )
    return None if row is None else _member(row)


def open_need_counts(reader: Reader) -> dict[int, int]:
    """How many open needs each member id has (members without any are absent)."""
    rows = reader.rows(
        "SELECT member_id, count(*) FROM needs WHERE status = 'open' "
        "AND member_id IS NOT NULL GROUP BY member_id"
    )
    return {int(member_id): int(count) for member_id, count in rows}


def member_use(reader: Reader) -> list[tuple[str, int]]:
    """``(member's name, amount)`` of every purchase for a member whose spend was not
    reversed: the spend's amount, or for a store order that bought several needs, the need's
    item's part of it (amounts are negative: money left the account)."""
    rows = reader.rows(
        "SELECT m.name, coalesce(-i.amount, e.amount) FROM members m "
        "JOIN purchases p ON p.member_id = m.id JOIN entries e ON e.id = p.entry_id "
        "LEFT JOIN order_items i ON i.id = p.item_id "
        "LEFT JOIN entries r ON r.reverses_id = e.id WHERE r.id IS NULL"
    )
    return [(str(name), int(amount)) for name, amount in rows]


# -- needs --------------------------------------------------------------------------------------


class NeedRow(NamedTuple):
    """A need as stored (see :class:`giftbalance.storage.models.Need`)."""

    id: int
    name: str
    unit_price: int
    currency: str
    quantity: int
    priority: str
    need_by: date | None
    member_id: int | None
    account_id: int | None
    store: str | None
    url: str | None
    note: str | None
    rule: str | None
    first_date: date | None
    next_date: date | None
    status: str
    created_at: datetime
    closed_at: datetime | None


def needs(
    reader: Reader,
    *,
    include_closed: bool = False,
    member_id: int | None = None,
    payable_by: tuple[int, str] | None = None,
    ids: Iterable[int] | None = None,
) -> list[tuple[NeedRow, str | None, str | None]]:
    """Needs with their member's and account's names, in id order: the open ones, or all;
    ``member_id`` keeps that member's; ``payable_by`` (an account's id and currency) keeps
    those pinned to the account or pinned to none and priced in its currency."""
    where: list[str] = []
    params: dict[str, object] = {}
    if not include_closed:
        where.append("n.status = 'open'")
    if member_id is not None:
        where.append("n.member_id = :member_id")
        params["member_id"] = member_id
    if payable_by is not None:
        where.append(
            "(n.account_id = :account_id OR (n.account_id IS NULL AND n.currency = :currency))"
        )
        params["account_id"], params["currency"] = payable_by
    if ids is not None:
        listed, listed_params = _in_list("n.id", "n", ids)
        where.append(listed)
        params.update(listed_params)
    sql = (
        "SELECT n.id, n.name, n.unit_price, n.currency, n.quantity, n.priority, n.need_by, "
        "n.member_id, n.account_id, n.store, n.url, n.note, n.rule, n.first_date, n.next_date, "
        "n.status, n.created_at, n.closed_at, m.name, a.name FROM needs n "
        "LEFT JOIN members m ON m.id = n.member_id LEFT JOIN accounts a ON a.id = n.account_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    found = []
    for row in reader.rows(sql + " ORDER BY n.id", params):
        created_at = to_datetime(row[16])
        assert created_at is not None
        need = NeedRow(
            id=row[0],
            name=row[1],
            unit_price=row[2],
            currency=row[3],
            quantity=row[4],
            priority=row[5],
            need_by=to_date(row[6]),
            member_id=row[7],
            account_id=row[8],
            store=row[9],
            url=row[10],
            note=row[11],
            rule=row[12],
            first_date=to_date(row[13]),
            next_date=to_date(row[14]),
            status=row[15],
            created_at=created_at,
            closed_at=to_datetime(row[17]),
        )
        found.append((need, row[18], row[19]))
    return found


#: A purchase as the report reads it: ``(account_id, occurred_on, need_id, need, member,
#: units, amount, reversed)``: the spend's account, date and amount (positive; for a store
#: order that bought several needs, the need's item's part of it), the need, who it was for
#: (as recorded then), and whether the spend was reversed since (the fields of
#: :class:`giftbalance.report.weekly.PurchaseRow`).
PurchaseDay = tuple[int, date, int, str, str | None, int, int, bool]


def purchases(reader: Reader, account_ids: Sequence[int], until: date) -> list[PurchaseDay]:
    """The purchases paid from ``account_ids`` by spends dated up to ``until``, in order."""
    listed, params = _in_list("e.account_id", "a", account_ids)
    rows = reader.rows(
        # CROSS JOIN: SQLite keeps purchases (a few) as the outer loop instead of walking
        # every entry of the accounts to look for their purchases; on PostgreSQL it is the
        # same inner join.
        "SELECT e.account_id, e.occurred_on, p.need_id, n.name, m.name, p.units, "
        "coalesce(i.amount, -e.amount), r.id FROM purchases p CROSS JOIN entries e "
        "LEFT JOIN order_items i ON i.id = p.item_id "
        "JOIN needs n ON n.id = p.need_id LEFT JOIN members m ON m.id = p.member_id "
        "LEFT JOIN entries r ON r.reverses_id = e.id "
        f"WHERE e.id = p.entry_id AND e.occurred_on <= :until AND {listed} ORDER BY p.id",
        {**params, "until": until},
    )
    found: list[PurchaseDay] = []
    for account_id, occurred_on, need_id, need, member, units, amount, reversal in rows:
        day = to_date(occurred_on)
        assert day is not None
        found.append(
            (account_id, day, need_id, need, member, units, int(amount), reversal is not None)
        )
    return found


#: A spend or refund of a store order: ``(account_id, occurred_on, kind, amount, order_id)``
#: (the fields of :class:`giftbalance.report.weekly.StoreOrderRow`; spends negative).
StoreOrderDay = tuple[int, date, str, int, str]


def store_orders(
    reader: Reader, account_ids: Sequence[int], first: date, last: date
) -> list[StoreOrderDay]:
    """The spends and refunds of store orders of ``account_ids`` dated from ``first`` to
    ``last``, in ledger order (the index on the account and date finds them)."""
    listed, params = _in_list("account_id", "a", account_ids)
    rows = reader.rows(
        "SELECT account_id, occurred_on, kind, amount, order_id FROM entries "
        f"WHERE {listed} AND order_id IS NOT NULL AND kind IN ('spend', 'refund') "
        "AND occurred_on >= :first AND occurred_on <= :last ORDER BY id",
        {**params, "first": first, "last": last},
    )
    found: list[StoreOrderDay] = []
    for account_id, occurred_on, kind, amount, order_id in rows:
        day = to_date(occurred_on)
        assert day is not None
        found.append((int(account_id), day, str(kind), int(amount), str(order_id or "")))
    return found


# -- support contacts ---------------------------------------------------------------------------


def contact_counts(reader: Reader) -> tuple[int, int]:
    """How many contacts are logged, and how many still wait for an answer (``pending``)."""
    row = reader.one("SELECT count(*), count(*) FILTER (WHERE outcome = 'pending') FROM contacts")
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0)


def pending_contacts(reader: Reader, account_id: int | None = None) -> int:
    """Pending contacts: all of them, or those about ``account_id`` or about no account."""
    sql = "SELECT count(id) FROM contacts WHERE outcome = 'pending'"
    params: Params = {}
    if account_id is not None:
        sql += " AND (account_id = :account_id OR account_id IS NULL)"
        params = {"account_id": account_id}
    return int(reader.scalar(sql, params) or 0)
