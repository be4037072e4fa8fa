"""``giftbalance check``: is this database sound?

On SQLite, first SQLite's own ``integrity_check`` and ``foreign_key_check``; then, on any
database, every reference between rows, the ledger replayed through the one set of rules every
writer obeys (:mod:`giftbalance.ledger.rules`), the purchases' links to their spends, and the
stored text (:mod:`giftbalance.io.text_check`). A restore runs the same check on the file
before it is put in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from giftbalance.errors import Problem
from giftbalance.io.text_check import text_problems

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from giftbalance.storage.db import Database

#: The table name of problems with the file itself (SQLite's integrity_check).
DAMAGE = "database"


def check(db: Database) -> list[Problem]:
    """Everything wrong with ``db``: SQLite's own checks (on SQLite), then the ledger's rules.

    Reads one consistent snapshot, so it may run while other processes write. Returns an empty
    list for a sound database.
    """
    with db.read() as session:
        return session_problems(session)


def session_problems(session: Session) -> list[Problem]:
    """:func:`check` on an open session."""
    problems: list[Problem] = []
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        problems += sqlite_problems(conn)
        if any(p.table == DAMAGE for p in problems):
            return unique(problems)  # a damaged file: reading on could only mislead
    problems += ledger_problems(session)
    problems += text_problems(session)  # stored text giftbalance would refuse if typed
    return unique(problems)


def unique(problems: list[Problem]) -> list[Problem]:
    """Each problem once (SQLite's foreign_key_check and the reference check may both see a
    dangling id), damage to the file first, then by table and row."""
    return sorted(
        dict.fromkeys(problems),
        key=lambda p: (p.table != DAMAGE, p.table or "", p.row_id or 0),
    )


def sqlite_problems(conn: Connection) -> list[Problem]:
    """``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``, as problems."""
    try:
        lines = [line for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").all()]
    except Exception as exc:  # damaged past what integrity_check can walk
        lines = [str(getattr(exc, "orig", None) or exc).splitlines()[0]]
    problems = [
        Problem.in_table(DAMAGE, None, f"integrity_check: {line}") for line in lines if line != "ok"
    ]
    if problems:
        return problems
    columns: dict[tuple[str, int], str] = {}
    for table, row_id, parent, fk_id in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        if (table, fk_id) not in columns:
            for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').all():
                columns[(table, row[0])] = row[3]
        column = columns.get((table, fk_id), "?")
        value = conn.exec_driver_sql(
            f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (row_id,)
        ).scalar()
        problems.append(Problem.in_table(table, row_id, _dangling(column, value, parent)))
    return problems


def _dangling(column: str, value: object, parent: str) -> str:
    return f"{column} {value} points at no {parent} row"


def ledger_problems(session: Session) -> list[Problem]:
    """The ledger's invariants, on any database: every reference points at a real row; the
    entries obey the ledger's rules, replayed per account in id order; a purchase points at a
    spend in the currency of its need; what the store import linked is consistent (see
    :func:`_store_problems`). Tables an older schema does not have yet are skipped."""
    from sqlalchemy import inspect

    inspector = inspect(session.connection())
    tables = {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }
    problems = _reference_problems(session, tables)
    if {"entries", "accounts"} <= tables.keys():
        dangling = {p.row_id for p in problems if p.table == "entries"}
        problems += _entry_problems(session, dangling)
    if {"purchases", "entries", "needs"} <= tables.keys():
        problems += _purchase_problems(session)
    if "order_items" in tables:
        problems += _store_problems(session)
    return problems


def _reference_problems(session: Session, tables: dict[str, set[str]]) -> list[Problem]:
    from sqlalchemy import select

    from giftbalance.storage.models import Base

    problems: list[Problem] = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            parent_table = fk.column.table
            if parent_table.name not in tables or fk.parent.name not in tables[table.name]:
                continue  # an older schema, without this table or column yet
            parent = parent_table.alias("parent")
            column = table.c[fk.parent.name]
            rows = session.execute(
                select(table.c.id, column)
                .outerjoin(parent, parent.c[fk.column.name] == column)
                .where(column.is_not(None), parent.c[fk.column.name].is_(None))
                .order_by(table.c.id)
            ).all()
            problems += [
                Problem.in_table(
                    table.name, row_id, _dangling(column.name, value, parent_table.name)
                )
                for row_id, value in rows
            ]
    return problems


def _entry_problems(session: Session, dangling: set[int | None]) -> list[Problem]:
    """Every entry replayed through :class:`giftbalance.ledger.rules.Replay`, in id order.

    The replay carries on past a bad entry as it is stored, so one wrong ``balance_after`` is
    one problem, not one for every entry after it. An entry whose account or reversed entry
    does not exist (``dangling``, reported by the reference check) is replayed but not judged
    again. Only the entries that reversals name are held in memory.
    """
    from sqlalchemy import select

    from giftbalance.ledger.rules import AccountFacts, EntryFacts, Replay
    from giftbalance.storage.models import Account, Entry

    accounts = [
        AccountFacts(*row)
        for row in session.execute(select(Account.id, Account.name, Account.currency))
    ]
    targets = select(Entry.reverses_id).where(Entry.reverses_id.is_not(None))
    earlier = [
        EntryFacts(account_id, kind, amount, currency, id=entry_id)
        for entry_id, account_id, kind, amount, currency in session.execute(
            select(Entry.id, Entry.account_id, Entry.kind, Entry.amount, Entry.currency).where(
                Entry.id.in_(targets)
            )
        )
    ]
    replay = Replay(accounts, earlier=earlier)
    known = replay.accounts
    problems: list[Problem] = []
    rows = session.execute(
        select(
            Entry.account_id,
            Entry.kind,
            Entry.amount,
            Entry.currency,
            Entry.id,
            Entry.reverses_id,
            Entry.balance_after,
            Entry.occurred_on,
            Entry.expires_on,
            Entry.giver,
        ).order_by(Entry.id),
        execution_options={"yield_per": 5000},
    )
    for row in rows:
        record = EntryFacts._make(row)
        if record.account_id not in known:
            continue
        found = replay.problems(record) if record.id not in dangling else []
        replay.apply(record)
        problems += [Problem.in_table("entries", record.id, reason) for reason in found]
    return problems


def _purchase_problems(session: Session) -> list[Problem]:
    from sqlalchemy import select

    from giftbalance.storage.models import Entry, Need, Purchase

    rows = session.execute(
        select(Purchase.id, Purchase.entry_id, Entry.kind, Entry.currency, Need.id, Need.currency)
        .join(Entry, Entry.id == Purchase.entry_id)
        .join(Need, Need.id == Purchase.need_id)
        .order_by(Purchase.id)
    ).all()
    problems: list[Problem] = []
    for pid, entry_id, kind, currency, need_id, need_currency in rows:
        if kind != "spend":
            problems.append(
                Problem.in_table("purchases", pid, f"entry {entry_id} is a {kind}, not a spend")
            )
        elif currency != need_currency:
            problems.append(
                Problem.in_table(
                    "purchases",
                    pid,
                    f"entry {entry_id} is in {currency} but need {need_id} is in {need_currency}",
                )
            )
    return problems


def _store_problems(session: Session) -> list[Problem]:
    """What the store import wrote and linked: only a spend or a refund names an order; no two
    entries share a store row's source key (a reversal never has one); a purchase's order item
    is of the same account and order as its spend."""
    from sqlalchemy import func, select

    from giftbalance.storage.models import Entry, OrderItem, Purchase

    problems: list[Problem] = []
    for entry_id, kind in session.execute(
        select(Entry.id, Entry.kind)
        .where(Entry.order_id.is_not(None), Entry.kind.not_in(("spend", "refund")))
        .order_by(Entry.id)
    ):
        problems.append(
            Problem.in_table("entries", entry_id, f"{_article(kind)} names a store order")
        )
    for entry_id in session.scalars(
        select(Entry.id)
        .where(Entry.source_key.is_not(None), Entry.kind == "reversal")
        .order_by(Entry.id)
    ):
        problems.append(Problem.in_table("entries", entry_id, "a reversal has a store row's key"))
    shared = (
        select(Entry.source_key)
        .where(Entry.source_key.is_not(None))
        .group_by(Entry.source_key)
        .having(func.count() > 1)
    )
    for entry_id in session.scalars(
        select(Entry.id).where(Entry.source_key.in_(shared)).order_by(Entry.id)
    ):
        problems.append(
            Problem.in_table("entries", entry_id, "shares its store row's key with another entry")
        )
    rows = session.execute(
        select(
            Purchase.id, Entry.account_id, Entry.order_id, OrderItem.account_id, OrderItem.order_id
        )
        .join(Entry, Entry.id == Purchase.entry_id)
        .join(OrderItem, OrderItem.id == Purchase.item_id)
        .order_by(Purchase.id)
    )
    for pid, account_id, order_id, item_account, item_order in rows:
        if (account_id, order_id) != (item_account, item_order):
            problems.append(
                Problem.in_table(
                    "purchases", pid, f"its item is of order {item_order}, its spend of {order_id}"
                )
            )
    return problems


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"
