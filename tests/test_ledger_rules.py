"""The one definition of a sound ledger (giftbalance.ledger.rules), rule by rule, and the
property that every path that writes entries, and ``check``, agree on it.

The cross-path property feeds the same generated entry sequences, sound and broken, to:

* ``append``: the single-entry writer every command uses (add, spend, undo, reconcile, need
  bought), one entry after another;
* ``bulk``: ``append_in_order``, the batch writer of imports and restores;
* ``restore``: the json export check (``check_export``), on a file holding the entries;
* ``csv``: the ledger CSV import's row check, where the sequence can be written as CSV;
* ``check``: ``giftbalance check`` on a database the entries were written into directly, where
  the database's own constraints let them in;

and asserts that they accept exactly the same sequences, and refuse the others at the same
entry, for the same reason.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from giftbalance.errors import Refused
from giftbalance.ledger.rules import AccountFacts, EntryFacts, Lots, Replay, expiry_problem

DAY = date(2026, 11, 1)
PERSONAL = AccountFacts(1, "Personal", "USD")
WORK = AccountFacts(2, "Work", "USD")


def replay(*entries: EntryFacts, balances: dict[int, int] | None = None) -> list[list[str]]:
    """The problems of each entry, replayed in order the way ``check`` does (carry on)."""
    state = Replay([PERSONAL, WORK], balances=balances, remember=True)
    found = []
    for entry in entries:
        found.append(state.problems(entry))
        state.apply(entry)
    return found


def e(kind: str, amount: int, entry_id: int, **fields: object) -> EntryFacts:
    return EntryFacts(1, kind, amount, "USD", id=entry_id, **fields)  # type: ignore[arg-type]


# -- the rules, one by one -----------------------------------------------------------------------


def test_a_sound_sequence_has_no_problems():
    assert replay(
        e("redeem", 5000, 1, expires_on=DAY + timedelta(days=30), occurred_on=DAY, giver="May"),
        e("spend", -1000, 2),
        e("reversal", 1000, 3, reverses_id=2),
        e("refund", 250, 4),
        e("adjust", -5250, 5),
    ) == [[], [], [], [], []]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (e("redeem", 0, 1), "an entry of zero changes nothing"),
        (e("redeem", -5, 1), "a redeem of -0.05 USD has the wrong sign"),
        (e("refund", -5, 1), "a refund of -0.05 USD has the wrong sign"),
        (e("spend", 5, 1), "a spend of 0.05 USD has the wrong sign"),
        (e("gift", 5, 1), "kind 'gift' is not one of redeem, spend, adjust, reversal, refund"),
        (
            EntryFacts(1, "redeem", 5, "EUR", id=1),
            "currency EUR differs from USD, the currency of account 'Personal'",
        ),
        (EntryFacts(9, "redeem", 5, "USD", id=1), "account 9 does not exist"),
        (
            e("spend", -20_000, 1),
            "the balance of Personal is 100.00 USD; cannot take 200.00 USD from it",
        ),
        (e("spend", -1, 1, expires_on=DAY), "an expiry date belongs to a redeem, not a spend"),
        (e("adjust", 1, 1, giver="May"), "a giver belongs to a redeem, not an adjust"),
        (
            e("redeem", 1, 1, occurred_on=DAY, expires_on=DAY - timedelta(days=1)),
            "the expiry date 2026-10-31 is before the redemption date 2026-11-01",
        ),
        (
            e("redeem", 1, 1, balance_after=2),
            "balance_after is 0.02 USD but the entries of Personal up to it add up to 100.01 USD",
        ),
        (e("reversal", 1, 1), "a reversal that names no entry it reverses"),
        (e("reversal", 1, 1, reverses_id=1), "reverses entry 1, which is not an earlier entry"),
        (
            e("adjust", 1, 1, reverses_id=7),
            "an adjust names entry 7 as reversed; only a reversal does",
        ),
    ],
)
def test_each_rule_names_its_reason(entry: EntryFacts, problem: str):
    assert replay(entry, balances={1: 10_000})[0] == [problem]


def test_reversal_rules():
    found = replay(
        e("redeem", 5000, 1),
        e("spend", -1000, 2),
        e("reversal", 500, 3, reverses_id=2),
        e("reversal", 1000, 4, reverses_id=2),
        e("reversal", 1000, 5, reverses_id=2),
        e("reversal", -1000, 6, reverses_id=4),
        EntryFacts(2, "reversal", -5000, "USD", id=7, reverses_id=1),
    )
    assert found[2:] == [
        ["5.00 USD does not undo entry 2's -10.00 USD"],
        ["entry 2 was already reversed by entry 3"],
        ["entry 2 was already reversed by entry 3"],
        ["reverses entry 4, which is itself a reversal"],
        [
            "reverses entry 1, which is of another account",
            "the balance of Work is 0.00 USD; cannot take 50.00 USD from it",
        ],
    ]


def test_going_below_zero_is_reported_where_it_happens_not_after():
    found = replay(
        e("redeem", 100, 1), e("spend", -300, 2), e("spend", -100, 3), e("redeem", 50, 4)
    )
    assert found == [
        [],
        ["the balance of Personal is 1.00 USD; cannot take 3.00 USD from it"],
        [],
        [],
    ]


def test_take_applies_only_what_is_sound():
    state = Replay([PERSONAL], balances={1: 100})
    assert state.take(EntryFacts(1, "spend", -300, "USD")) != []
    assert state.balance(1) == 100
    assert state.take(EntryFacts(1, "spend", -60, "USD")) == []
    assert state.balance(1) == 40


def test_two_reversals_of_one_entry_in_one_batch_of_new_entries():
    state = Replay([PERSONAL], balances={1: 4000}, earlier=[e("spend", -1000, 2)])
    assert state.take(EntryFacts(1, "reversal", 1000, "USD", reverses_id=2)) == []
    assert state.take(EntryFacts(1, "reversal", 1000, "USD", reverses_id=2)) == [
        "entry 2 was already reversed by an earlier entry of the same batch"
    ]


def test_expiry_problem():
    assert expiry_problem(DAY, None) is None
    assert expiry_problem(DAY, DAY) is None
    assert expiry_problem(DAY, DAY - timedelta(days=1)) is not None


def test_lots_spend_soonest_expiring_first_and_undo_puts_back():
    lots = Lots()
    lots.apply(1, "redeem", 1000, DAY + timedelta(days=10), None)
    lots.apply(2, "redeem", 1000, DAY + timedelta(days=5), None)
    lots.apply(3, "redeem", 1000, None, None)
    lots.apply(4, "spend", -1500, None, None)
    assert lots.remaining() == [(500, DAY + timedelta(days=10), 1)]
    lots.apply(5, "reversal", 1500, None, 4)
    assert lots.remaining() == [
        (1000, DAY + timedelta(days=5), 2),
        (1000, DAY + timedelta(days=10), 1),
    ]
    lots.apply(6, "reversal", -1000, None, 1)
    assert lots.remaining() == [(1000, DAY + timedelta(days=5), 2)]


# -- every writer and check agree ----------------------------------------------------------------


class Op(NamedTuple):
    """One generated entry: ``target`` is the id (1-based position) a reversal names."""

    account: int
    kind: str
    amount: int
    target: int | None = None
    expires: int | None = None
    giver: bool = False

    def facts(self) -> tuple[int, date | None, str | None]:
        expires = None if self.expires is None else DAY + timedelta(days=self.expires)
        return self.account, expires, "Aunt May" if self.giver else None


@st.composite
def sequences(draw: st.DrawFn) -> list[Op]:
    ops: list[Op] = []
    for _ in range(draw(st.integers(1, 8))):
        account = draw(st.sampled_from([1, 2]))
        shape = draw(st.sampled_from(["in", "in", "out", "out", "adjust", "undo", "odd"]))
        if shape == "in":
            op = Op(
                account,
                draw(st.sampled_from(["redeem", "redeem", "refund"])),
                draw(st.integers(1, 5000)),
                expires=draw(st.none() | st.integers(-2, 30)),
            )
        elif shape == "out":
            op = Op(account, "spend", -draw(st.integers(1, 6000)))
        elif shape == "adjust":
            op = Op(account, "adjust", draw(st.integers(-3000, 3000).filter(bool)))
        elif shape == "undo" and ops:
            index = draw(st.integers(0, len(ops) - 1))
            mirror = draw(st.booleans())
            op = Op(
                draw(st.sampled_from([ops[index].account, account])),
                "reversal",
                -ops[index].amount if mirror else draw(st.integers(-3000, 3000)),
                target=index + 1 if draw(st.booleans()) else draw(st.integers(1, len(ops) + 2)),
            )
        else:
            op = Op(
                account,
                draw(st.sampled_from(["redeem", "spend", "adjust", "reversal", "refund", "gift"])),
                draw(st.integers(-3000, 3000)),
                target=draw(st.none() | st.integers(1, len(ops) + 2)),
                expires=draw(st.none() | st.integers(-2, 5)),
                giver=draw(st.booleans()),
            )
        ops.append(op)
    return ops


Verdict = tuple[int, str] | None
NOT_EXPRESSIBLE = "n/a"


@pytest.fixture(scope="module")
def template() -> Iterator[Path]:
    from giftbalance.ledger import accounts
    from giftbalance.storage.db import Database

    folder = Path(tempfile.mkdtemp(prefix="gb-rules-"))
    path = folder / "template.db"
    db = Database("sqlite:///" + str(path))
    with db.write() as session:
        for name in ("Personal", "Work"):
            accounts.add_account(
                session,
                name,
                store="amazon.com",
                currency="USD",
                tax_rate=Decimal(0),
                note=None,
                make_default=False,
            )
    db.dispose()
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def _copy(template: Path, folder: Path, name: str) -> str:
    target = folder / name
    shutil.copy(template, target)
    return "sqlite:///" + str(target)


def by_append(url: str, ops: list[Op]) -> Verdict:
    from giftbalance.ledger import accounts, entries
    from giftbalance.storage.db import Database

    db = Database(url)
    try:
        with db.write() as session:
            for position, op in enumerate(ops, 1):
                account_id, expires, giver = op.facts()
                account = accounts.find_account_by_id(session, account_id)
                fields = {"reverses_id": op.target} if op.target is not None else {}
                try:
                    entries.append(
                        session,
                        account,
                        op.kind,
                        op.amount,
                        occurred_on=DAY,
                        expires_on=expires,
                        giver=giver,
                        **fields,
                    )
                except Refused as exc:
                    return position, str(exc)
        return None
    finally:
        db.dispose()


def by_bulk(url: str, ops: list[Op]) -> Verdict:
    from giftbalance.ledger import entries
    from giftbalance.storage.db import Database

    db = Database(url)
    stamp = datetime(2026, 11, 1, 12)
    rows = []
    for position, op in enumerate(ops, 1):
        account_id, expires, giver = op.facts()
        kept = entries.Kept(position, stamp, op.target, None, None)
        rows.append(
            entries.AccountEntry(
                account_id, "USD", op.kind, op.amount, DAY, None, giver, expires, kept
            )
        )
    try:
        with db.write() as session:
            entries.append_in_order(session, rows)
        return None
    except Refused as exc:
        head, _, reason = str(exc).partition(" of the batch: ")
        return int(head.removeprefix("entry ")), reason
    finally:
        db.dispose()


def _running(ops: list[Op]) -> list[int]:
    """``balance_after`` as a writer that obeys no rule would store it: the running sum."""
    totals = {1: 0, 2: 0}
    after = []
    for op in ops:
        totals[op.account] += op.amount
        after.append(totals[op.account])
    return after


def by_restore(url: str, ops: list[Op]) -> Verdict:
    from giftbalance.io import export
    from giftbalance.storage.db import Database
    from giftbalance.values.money import data_money

    db = Database(url)
    try:
        with db.read() as session:
            document = export.build_document(session, exported_at=datetime(2026, 11, 2))
    finally:
        db.dispose()
    for position, (op, after) in enumerate(zip(ops, _running(ops), strict=True), 1):
        account_id, expires, giver = op.facts()
        document["entries"].append(
            {
                "id": position,
                "account_id": account_id,
                "kind": op.kind,
                "amount": data_money(op.amount, "USD"),
                "currency": "USD",
                "balance_after": data_money(after, "USD"),
                "occurred_on": DAY.isoformat(),
                "recorded_at": "2026-11-01T12:00:00",
                "note": None,
                "giver": giver,
                "expires_on": None if expires is None else expires.isoformat(),
                "code_last4": None,
                "code_hmac": None,
                "reverses_id": op.target,
            }
        )
    _, problems = export.check_export(export.read_export(export.to_json(document), "x.json"))
    entry_problems = [p for p in problems if p.where.startswith("entries[")]
    assert len(entry_problems) == len(problems), problems
    if not problems:
        return None
    first = problems[0]
    return int(first.where.removeprefix("entries[").rstrip("]")) + 1, first.reason


def by_csv(ops: list[Op]) -> Verdict | str:
    from giftbalance.io.ledger_csv import check_rows, read_table
    from giftbalance.storage.models import Account
    from giftbalance.values.money import data_money

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "account", "kind", "amount", "giver", "expires_on"])
    for op in ops:
        sign = {"redeem": 1, "spend": -1, "adjust": 0}.get(op.kind)
        if sign is None or op.target is not None or op.amount == 0 or op.amount * sign < 0:
            return NOT_EXPRESSIBLE  # a CSV row cannot say it
        account_id, expires, giver = op.facts()
        amount = op.amount if sign == 0 else abs(op.amount)
        writer.writerow(
            [
                DAY.isoformat(),
                ("Personal", "Work")[account_id - 1],
                op.kind,
                data_money(amount, "USD"),
                giver or "",
                "" if expires is None else expires.isoformat(),
            ]
        )
    accounts = [
        Account(id=a.id, name=a.name, currency=a.currency, archived_at=None)
        for a in (PERSONAL, WORK)
    ]
    table = read_table(buffer.getvalue().encode(), "x.csv")
    _, problems = check_rows(table, accounts, {1: 0, 2: 0}, fallback=None)
    if not problems:
        return None
    first = problems[0]
    return int(first.where.removeprefix("line ")) - 1, first.reason


def by_check(url: str, path: Path, ops: list[Op]) -> Verdict | str:
    from giftbalance.io.check import check
    from giftbalance.storage.db import Database

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        with conn:
            for position, (op, after) in enumerate(zip(ops, _running(ops), strict=True), 1):
                account_id, expires, giver = op.facts()
                conn.execute(
                    "INSERT INTO entries (id, account_id, kind, amount, currency, balance_after,"
                    " occurred_on, recorded_at, giver, expires_on, reverses_id)"
                    " VALUES (?, ?, ?, ?, 'USD', ?, ?, '2026-11-01 12:00:00', ?, ?, ?)",
                    (
                        position,
                        account_id,
                        op.kind,
                        op.amount,
                        after,
                        DAY,
                        giver,
                        expires,
                        op.target,
                    ),
                )
    except sqlite3.IntegrityError:
        return NOT_EXPRESSIBLE  # the database's own constraints keep these entries out
    finally:
        conn.close()
    db = Database(url)
    try:
        problems = check(db)
    finally:
        db.dispose()
    if not problems:
        return None
    first = problems[0]
    assert first.table == "entries", problems
    assert first.row_id is not None
    return first.row_id, first.reason


def same(a: Verdict, b: Verdict) -> bool:
    """The same verdict: both accept, or both refuse at the same entry for the same reason (a
    path that lists several reasons of one entry joins them with '; ')."""
    if a is None or b is None:
        return a is b
    return a[0] == b[0] and (a[1].startswith(b[1]) or b[1].startswith(a[1]))


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=sequences())
@example(ops=[Op(1, "redeem", -5)])  # issue 9: a negative redeem passed check, failed import
@example(ops=[Op(1, "redeem", 100), Op(1, "spend", -300)])
@example(ops=[Op(1, "redeem", 100), Op(1, "spend", -50), Op(1, "reversal", 50, target=2)])
@example(
    ops=[Op(1, "redeem", 100), Op(1, "reversal", -100, target=1), Op(1, "reversal", -100, target=1)]
)
@example(ops=[Op(1, "redeem", 100, expires=-1)])
@example(ops=[Op(1, "spend", -1, giver=True)])
def test_every_writer_and_check_agree_on_every_sequence(template: Path, ops: list[Op]):
    folder = Path(tempfile.mkdtemp(prefix="gb-paths-"))
    try:
        verdicts: dict[str, Verdict | str] = {
            "append": by_append(_copy(template, folder, "append.db"), ops),
            "bulk": by_bulk(_copy(template, folder, "bulk.db"), ops),
            "restore": by_restore(_copy(template, folder, "restore.db"), ops),
            "csv": by_csv(ops),
        }
        url = _copy(template, folder, "check.db")
        verdicts["check"] = by_check(url, folder / "check.db", ops)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    reference = verdicts["append"]
    assert reference != NOT_EXPRESSIBLE
    for path, verdict in verdicts.items():
        if verdict == NOT_EXPRESSIBLE:
            continue
        assert not isinstance(verdict, str)
        assert not isinstance(reference, str)
        assert same(verdict, reference), f"{path} says {verdict}, append says {reference}"


def test_the_issue_database_with_a_negative_redeem_is_not_clean(run, ok, personal, db_url):
    """Issue 9: a redeem of -0.05 USD with a consistent running balance passed check."""
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,"
            " recorded_at) VALUES (1, 'redeem', -5, 'USD', 9995, '2026-11-02', '2026-11-02 00:00:00')"
        )
    engine.dispose()
    result = run("check")
    assert result.exit_code == 1
    assert "entries row 2: a redeem of -0.05 USD has the wrong sign" in result.stdout


@given(
    kind=st.sampled_from(["redeem", "spend", "adjust", "refund", "reversal", "gift"]),
    amount=st.integers(-(2**64), 2**64),
    account_id=st.sampled_from([1, 2, 3]),
    currency=st.sampled_from(["USD", "EUR"]),
    balance=st.integers(-(2**63), 2**63),
    reverses_id=st.none() | st.integers(1, 3),
    balance_after=st.none() | st.integers(-(2**63), 2**63),
    expires=st.none() | st.integers(-3, 3),
    giver=st.none() | st.just("May"),
)
def test_the_quick_path_judges_as_the_full_rules(
    kind, amount, account_id, currency, balance, reverses_id, balance_after, expires, giver
):
    state = Replay([PERSONAL, WORK], balances={1: balance}, earlier=[e("redeem", 5, 1)])
    entry = EntryFacts(
        account_id,
        kind,
        amount,
        currency,
        id=None,
        reverses_id=reverses_id,
        balance_after=balance_after,
        occurred_on=DAY,
        expires_on=None if expires is None else DAY + timedelta(days=expires),
        giver=giver,
    )
    assert state.problems(entry) == state._problems(entry, state.accounts.get(account_id))
