"""The hot read queries (giftbalance.storage.queries) against databases built by the Alembic
migrations, on SQLite (through sqlite3 and through SQLAlchemy) and PostgreSQL.

The queries are plain SQL beside the SQLAlchemy models: this file is what keeps them from
drifting apart. Every query function runs here against a household built by the commands
(the first command builds the schema with the migrations), and its answer is checked against
the same data read through the ORM models. A new query function must be added here: the last
test fails until it is.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from conftest import POSTGRES, SQLITE, pg_server_url
from sqlalchemy import select, text

from giftbalance.cli import cli
from giftbalance.storage import queries
from giftbalance.storage.db import Database, sqlite_path
from giftbalance.storage.models import (
    Account,
    Contact,
    Entry,
    Member,
    Need,
    OrderItem,
    Purchase,
    Setting,
)
from giftbalance.storage.reader import Reader, SessionReader, open_snapshot
from giftbalance.storage.schema import SCHEMA_HEAD

#: The commands that build the household every test reads: accounts (one in EUR, one
#: archived), redemptions (one expiring), spends, reversals, members (one removed), needs
#: (recurring, bought, removed), purchases (one undone), contacts, settings.
ORDERS = Path(__file__).parent / "data" / "store" / "Order History.csv"
HOUSEHOLD = [
    "account add Family --tax-rate 8.875 --default",
    "account add Work --store example.com --note expenses",
    "account add Euro --currency EUR",
    "account add Spare",
    "account archive Spare",
    "add 100 -a Family --yes --date 2026-11-02 --expires 2026-12-31",
    "add 40 -a Work --yes --date 2026-11-03 --from May --note a",
    "spend 15 -a Family --date 2026-11-04",
    "add 5 -a Work --yes --date 2026-11-05",
    "undo --yes",
    "add 10 -a Euro --yes --date 2026-11-20",
    "member add Sam",
    "member add Alex",
    "member add Robin",
    "member remove Robin",
    "need add Paper --price 8.99 --qty 2 --for Sam -a Family",
    "need add Coffee --price 14.50 --every weekly --for Alex",
    "need add Filter --price 29.99 --priority high --by 2026-12-01",
    "need add Crayons --price 3 -a Euro",
    "need add Old --price 3",
    "need remove 5",
    "need bought 1 --units 1 --date 2026-11-24",
    "need bought 2 --date 2026-11-25 -a Family",
    "undo --yes",
    "contact add --channel chat --summary asked -a Work",
    "contact add --channel phone --summary again --outcome refused",
    "contact add --channel email --summary none",
    "config set week_start sunday",
    # A store order that bought two needs: each purchase names its item (its part of the spend).
    "TODAY=2026-11-20 need add 'Kids Snow Boots' --price 40 --for Sam -a Family",
    "TODAY=2026-11-20 need add 'Wool Socks' --price 5 --qty 2 --for Alex -a Family",
    f"TODAY=2026-11-28 store import '{ORDERS}' --apply -a Family",
]
BACKENDS = [SQLITE] + ([POSTGRES] if pg_server_url() else [])


@pytest.fixture(scope="module", params=BACKENDS)
def household_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database built once per backend by :data:`HOUSEHOLD` (its first command builds the
    schema with the migrations); the tests only read it."""
    folder = tmp_path_factory.mktemp("queries")
    schema = None
    if request.param == SQLITE:
        url = "sqlite:///" + str(folder / "household.db")
    else:
        admin, database_url = request.getfixturevalue("pg_database")
        schema = f"queries_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{database_url}?options={quote(f'-csearch_path={schema}')}"
    env = {"GIFTBALANCE_DB": url, "GIFTBALANCE_CONFIG_DIR": str(folder / "config")}
    for command in HOUSEHOLD:
        today = command[len("TODAY=") :].split()[0] if command.startswith("TODAY=") else None
        args = shlex.split(command)[1:] if today else shlex.split(command)
        result = CliRunner().invoke(cli, args, env={**env, "GIFTBALANCE_TODAY": today})
        assert result.exit_code == 0, (command, result.output)
    try:
        yield url
    finally:
        if schema is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def readers(household_url: str) -> Iterator[tuple[list[Reader], Any]]:
    """Every way the queries run on the household (sqlite3 and SQLAlchemy on SQLite;
    SQLAlchemy on PostgreSQL), and an ORM session on the same data for the truth."""
    database = Database(household_url)
    try:
        with database.read() as session, database.read() as other:
            found: list[Reader] = [SessionReader(other)]
            path = sqlite_path(household_url)
            fast = open_snapshot(path) if path is not None else None
            if path is not None:
                assert fast is not None, "a current SQLite file opens on the fast path"
                found.append(fast)
            try:
                yield found, session
            finally:
                if fast is not None:
                    fast.close()
    finally:
        database.dispose()


def used(name: str) -> Any:
    """The query function ``name`` (the last test checks every one is used here)."""
    return getattr(queries, name)


def test_the_schema_revision(readers: tuple[list[Reader], Any]) -> None:
    for reader in readers[0]:
        if reader.dialect == "sqlite":
            assert used("sqlite_schema_revision")(reader) == SCHEMA_HEAD
        assert reader.scalar(queries.SCHEMA_REVISION) == SCHEMA_HEAD


def test_settings(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    stored = {s.key: s.value for s in session.scalars(select(Setting))}
    assert stored["week_start"] == "sunday"
    for reader in found:
        for key in ("week_start", "default_account", "never_set"):
            assert used("setting")(reader, key) == stored.get(key)


def test_accounts(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    orm = list(session.scalars(select(Account).order_by(Account.name_key)))
    assert [a.name for a in orm] == ["Euro", "Family", "Spare", "Work"]
    for reader in found:
        rows = used("accounts")(reader, include_archived=True)
        assert [tuple(r) for r in rows] == [
            tuple(getattr(a, field) for field in queries.AccountRow._fields) for a in orm
        ]
        assert rows[2].archived_at is not None
        assert used("accounts")(reader) == [rows[0], rows[1], rows[3]]
        assert used("account_by_key")(reader, "work") == rows[3]
        assert used("account_by_key")(reader, "spare") == rows[2]
        assert used("account_by_key")(reader, "nobody") is None
        assert used("account_by_id")(reader, orm[1].id) == rows[1]
        assert used("account_by_id")(reader, 999) is None


def test_balances_and_what_moved(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    every = list(session.scalars(select(Entry).order_by(Entry.id)))
    for reader in found:
        for account in session.scalars(select(Account)):
            mine = [e for e in every if e.account_id == account.id]
            assert used("balance")(reader, account.id) == sum(e.amount for e in mine)
            since = date(2026, 11, 4)
            assert used("moved_since")(reader, account.id, since) == sum(
                e.amount for e in mine if e.occurred_on >= since
            )
        assert used("balance")(reader, 999) == 0


def test_the_log(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    names = {a.id: a.name for a in session.scalars(select(Account))}
    every = list(session.scalars(select(Entry).order_by(Entry.id.desc())))
    expected = [
        (tuple(getattr(e, field) for field in queries.EntryRow._fields), names[e.account_id])
        for e in every
    ]
    family = next(i for i, n in names.items() if n == "Family")
    for reader in found:
        log = used("log")
        assert [(tuple(entry), name) for entry, name in log(reader)] == expected
        assert [e.id for e, _ in log(reader, limit=3)] == [e.id for e in every[:3]]
        assert [e.id for e, _ in log(reader, account_id=family)] == [
            e.id for e in every if e.account_id == family
        ]
        window = log(reader, since=date(2026, 11, 4), until=date(2026, 11, 5), limit=50)
        assert [e.id for e, _ in window] == [
            e.id for e in every if date(2026, 11, 4) <= e.occurred_on <= date(2026, 11, 5)
        ]
        assert window and all(isinstance(e.occurred_on, date) for e, _ in window)


def test_what_the_expiring_lots_replay_reads(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    family = session.execute(select(Account).where(Account.name == "Family")).scalar_one()
    mine = list(
        session.scalars(select(Entry).where(Entry.account_id == family.id).order_by(Entry.id))
    )
    expiring = [e for e in mine if e.expires_on is not None]
    reversal = next(e for e in mine if e.kind == "reversal")
    for reader in found:
        events = used("lot_events")(reader, family.id, mine[1].id, 2)
        assert [tuple(e) for e in events] == [
            (e.id, e.kind, e.amount, e.expires_on, e.reverses_id) for e in mine[1:3]
        ]
        assert used("next_expiring")(reader, family.id, 0) == expiring[0].id
        assert used("next_expiring")(reader, family.id, expiring[-1].id) is None
        assert used("next_reversal")(reader, [reversal.reverses_id, 999], 0) == reversal.id
        assert used("next_reversal")(reader, [reversal.reverses_id], reversal.id) is None
        assert used("next_reversal")(reader, [], 0) is None


def test_the_expiring_lookup_uses_the_partial_index(readers: tuple[list[Reader], Any]) -> None:
    """Whatever SQLite's planner prefers, the lookup of the next expiring redemption reads the
    partial index of expiring redemptions, not every entry of the account."""
    for reader in readers[0]:
        if reader.dialect == "sqlite":
            plan = reader.rows(
                "EXPLAIN QUERY PLAN " + queries.NEXT_EXPIRING, {"account_id": 1, "after": 0}
            )
            assert "ix_entries_expiring" in " ".join(str(row[-1]) for row in plan), plan


def test_the_lookups_of_columns_most_entries_leave_empty_use_their_partial_indexes(
    readers: tuple[list[Reader], Any],
) -> None:
    """Revision 0006: the indexes of code_hmac, order_id and source_key hold only the entries
    with a value; a lookup comparing the column with a value still reads them."""
    lookups = {
        "ix_entries_code_hmac": ("SELECT id FROM entries WHERE code_hmac = :v", {"v": "x"}),
        "ix_entries_account_id_order_id": (
            "SELECT id FROM entries WHERE account_id = :a AND order_id = :v",
            {"a": 1, "v": "113-1234567-1234567"},
        ),
        "uq_entries_source_key": ("SELECT id FROM entries WHERE source_key IN (:v)", {"v": "k"}),
    }
    for reader in readers[0]:
        if reader.dialect == "sqlite":
            for index, (sql, params) in lookups.items():
                plan = " ".join(
                    str(row[-1]) for row in reader.rows("EXPLAIN QUERY PLAN " + sql, params)
                )
                assert index in plan, (index, plan)


def test_a_store_row_is_still_logged_once(household_url: str) -> None:
    """source_key stays unique as a partial unique index: a second entry with the same key is
    refused by the database itself, while any number of entries have none."""
    from sqlalchemy.exc import IntegrityError

    database = Database(household_url)
    try:
        with database.engine.connect() as conn:
            keyed = conn.execute(
                text("SELECT id, source_key FROM entries WHERE source_key IS NOT NULL")
            ).first()
            unkeyed = conn.execute(
                text("SELECT count(*) FROM entries WHERE source_key IS NULL")
            ).scalar_one()
            other = conn.execute(
                text("SELECT min(id) FROM entries WHERE source_key IS NULL")
            ).scalar_one()
            assert keyed is not None and unkeyed >= 2
            try:  # in the transaction the reads began; rolled back, so the data stays as built
                with pytest.raises(IntegrityError):
                    conn.execute(
                        text("UPDATE entries SET source_key = :k WHERE id = :id"),
                        {"k": keyed.source_key, "id": other},
                    )
            finally:
                conn.rollback()
    finally:
        database.dispose()


class Explaining(Reader):
    """A reader that keeps SQLite's plan of every query it is given, and answers nothing."""

    dialect = "sqlite"

    def __init__(self, inner: Reader) -> None:
        self.inner = inner
        self.plans: list[list[Any]] = []

    def rows(self, sql: str, params: Any = None) -> list[Any]:
        self.plans.append(self.inner.rows("EXPLAIN QUERY PLAN " + sql, params))
        return []


def test_the_purchases_are_read_from_purchases_not_from_every_entry(
    readers: tuple[list[Reader], Any],
) -> None:
    """The report's purchases start from the purchases table (a few rows): walking every entry
    of the accounts to find their purchases costs a scan of the ledger."""
    for reader in readers[0]:
        if reader.dialect == "sqlite":
            explaining = Explaining(reader)
            queries.purchases(explaining, [1, 2], date(2026, 12, 31))
            first_step = str(explaining.plans[0][0][-1])
            assert first_step.startswith("SCAN p"), explaining.plans


def test_the_ledger_summed_per_day(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    every = list(session.scalars(select(Entry)))
    kinds = {e.id: e.kind for e in every}
    ids = sorted({e.account_id for e in every})
    sums: dict[tuple[int, date, str], list[int]] = {}
    for e in every:
        category = kinds.get(e.reverses_id, "adjust") if e.kind == "reversal" else e.kind
        got = sums.setdefault((e.account_id, e.occurred_on, category), [0, 0])
        got[0] += e.amount
        got[1] += 1
    expected = sorted((*key, amount, count) for key, (amount, count) in sums.items())
    assert any(e.kind == "reversal" and kinds[e.reverses_id] == "spend" for e in every)
    for reader in found:
        days = used("ledger_days")
        assert days(reader, ids, date(2027, 1, 1)) == expected
        assert [tuple(d) for d in days(reader, ids[:1], date(2026, 11, 20), date(2026, 11, 3))] == [
            row
            for row in expected
            if row[0] == ids[0] and date(2026, 11, 3) <= row[1] <= date(2026, 11, 20)
        ]
        assert days(reader, [], date(2027, 1, 1)) == []


def test_members(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    orm = list(
        session.scalars(select(Member).order_by(Member.removed_at.is_not(None), Member.name_key))
    )
    as_rows = [tuple(getattr(m, f) for f in queries.MemberRow._fields) for m in orm]
    assert [m.name for m in orm] == ["Alex", "Sam", "Robin"]
    for reader in found:
        assert [tuple(m) for m in used("members")(reader, include_removed=True)] == as_rows
        assert [tuple(m) for m in used("members")(reader)] == as_rows[:2]
        assert used("current_member_by_key")(reader, "sam").name == "Sam"
        assert used("current_member_by_key")(reader, "robin") is None
        assert used("open_need_counts")(reader) == {orm[0].id: 1, orm[1].id: 1}


def test_needs_and_purchases(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    orm = list(session.scalars(select(Need).order_by(Need.id)))
    members = {m.id: m.name for m in session.scalars(select(Member))}
    accounts = {a.id: a for a in session.scalars(select(Account))}
    every = [
        (
            tuple(getattr(n, f) for f in queries.NeedRow._fields),
            members.get(n.member_id) if n.member_id else None,
            accounts[n.account_id].name if n.account_id else None,
        )
        for n in orm
    ]
    family = next(a for a in accounts.values() if a.name == "Family")
    sam = next(i for i, name in members.items() if name == "Sam")
    for reader in found:
        needs = used("needs")

        def plain(rows: list[Any]) -> list[Any]:
            return [(tuple(need), member, account) for need, member, account in rows]

        assert plain(needs(reader, include_closed=True)) == every
        assert plain(needs(reader)) == [row for row in every if row[0][15] == "open"]
        assert plain(needs(reader, member_id=sam)) == [every[0]]
        payable = plain(needs(reader, payable_by=(family.id, "USD")))
        assert [row[0][1] for row in payable] == ["Paper", "Coffee", "Filter"]
        assert plain(needs(reader, include_closed=True, ids=[2, 5])) == [every[1], every[4]]
        assert needs(reader, ids=[]) == []

    bought = list(session.scalars(select(Purchase).order_by(Purchase.id)))
    items = {i.id: i for i in session.scalars(select(OrderItem))}
    undone = {e.reverses_id for e in session.scalars(select(Entry)) if e.reverses_id}
    # What each purchase cost: its order item's amount, else the whole spend.
    spent = [
        items[p.item_id].amount if p.item_id else -session.get(Entry, p.entry_id).amount
        for p in bought
    ]
    assert [p.item_id is not None for p in bought] == [False, False, True, True]
    assert spent[2] + spent[3] == -session.get(Entry, bought[2].entry_id).amount
    for reader in found:
        rows = used("purchases")(reader, sorted(accounts), date(2026, 12, 31))
        assert [(r[3], r[4], r[5], r[7]) for r in rows] == [
            ("Paper", "Sam", 1, False),
            ("Coffee", "Alex", 1, True),
            ("Kids Snow Boots", "Sam", 1, False),
            ("Wool Socks", "Alex", 2, False),
        ]
        assert [r[6] for r in rows] == spent
        assert used("purchases")(reader, sorted(accounts), date(2026, 11, 24))[-1][3] == "Paper"
        # Bought for a member and not undone: the planner's per-member use (money out).
        expected = [
            (members[p.member_id], -spent[k])
            for k, p in enumerate(bought)
            if p.member_id and p.entry_id not in undone
        ]
        assert sorted(used("member_use")(reader)) == sorted(expected)
        assert len(expected) == 3


def test_store_orders(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    ordered = [e for e in session.scalars(select(Entry).order_by(Entry.id)) if e.order_id]
    assert len(ordered) == 1
    for reader in found:
        rows = used("store_orders")(
            reader, [ordered[0].account_id], date(2026, 11, 23), date(2026, 11, 29)
        )
        assert rows == [
            (e.account_id, e.occurred_on, e.kind, e.amount, e.order_id) for e in ordered
        ]
        assert (
            used("store_orders")(
                reader, [ordered[0].account_id], date(2026, 11, 26), date(2026, 11, 29)
            )
            == []
        )
        log = used("log")(reader, limit=50)
        assert [entry.order_id for entry, _ in log if entry.order_id] == [ordered[0].order_id]


def test_contacts(readers: tuple[list[Reader], Any]) -> None:
    found, session = readers
    contacts = list(session.scalars(select(Contact)))
    work = session.execute(select(Account).where(Account.name == "Work")).scalar_one()
    pending = [c for c in contacts if c.outcome == "pending"]
    for reader in found:
        assert used("contact_counts")(reader) == (len(contacts), len(pending))
        assert used("pending_contacts")(reader) == len(pending) == 2
        assert used("pending_contacts")(reader, work.id) == 2  # about Work, and about none
        family = used("account_by_key")(reader, "family")
        assert used("pending_contacts")(reader, family.id) == 1


def test_records_name_the_models_columns() -> None:
    for record, model, left_out in (
        (queries.AccountRow, Account, {"name_key"}),
        (queries.EntryRow, Entry, {"code_hmac", "source_key"}),
        (queries.MemberRow, Member, {"name_key"}),
        (queries.NeedRow, Need, set()),
    ):
        columns = [c.key for c in model.__table__.columns]
        assert [f for f in columns if f not in left_out] == list(record._fields), record


def test_every_query_function_is_checked_here() -> None:
    """Every public function of the module that reads the database is run by a test above."""
    functions = {
        name
        for name, value in inspect.getmembers(queries, inspect.isfunction)
        if value.__module__ == queries.__name__
        and not name.startswith("_")
        and "reader" in inspect.signature(value).parameters
    }
    checked = set(re.findall(r'used\("(\w+)"\)', Path(__file__).read_text()))
    assert len(functions) > 15, "found the query functions"
    assert functions <= checked, sorted(functions - checked)
