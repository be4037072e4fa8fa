"""A hypothesis state machine over the ledger: random redemptions, spends, undos, reconciles and
archives on several accounts, each in its own write transaction as the CLI runs them.

After every step each derived balance must equal a plain model (the sum of the account's
amounts), never be negative, and every stored running balance must match the entries before
it; a refused step must leave the database exactly as it was.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from giftbalance.errors import GiftbalanceError, InputError, NotFound, Refused
from giftbalance.ledger import accounts, entries, lots
from giftbalance.storage.db import Database, resolve_url
from giftbalance.values.money import Money, currency_digits

ACCOUNTS = {"Personal": "USD", "Work": "USD", "Tokyo": "JPY", "Kuwait": "KWD"}
START = date(2026, 11, 2)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once, copied for every example (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("ledger-state") / "template.db"
    db = Database(resolve_url(str(path)))
    with db.write() as session:
        for name, currency in ACCOUNTS.items():
            accounts.add_account(
                session,
                name,
                store="amazon.com",
                currency=currency,
                tax_rate=Decimal(0),
                note=None,
                make_default=False,
            )
    db.dispose()
    return path


@dataclass
class ModelEntry:
    id: int
    account: str
    amount: int
    is_reversal: bool
    expires: bool
    reversed: bool = False


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {t: connection.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    finally:
        connection.close()


amounts = st.integers(min_value=1, max_value=200_000)


def full_replay(rows: list[tuple[Any, ...]]) -> list[tuple[int, int]]:
    """Lots by the rule, entry by entry: outflows take from the soonest-expiring lot first,
    undoing a spend gives back what it took, undoing a lot removes it; ``(id, left)`` pairs,
    soonest first."""
    left: dict[int, int] = {}
    due: dict[int, str] = {}
    took: dict[int, dict[int, int]] = {}
    for entry_id, kind, amount, expires_on, reverses_id in rows:
        if kind == "redeem" and expires_on is not None:
            left[entry_id], due[entry_id] = amount, expires_on
            continue
        for lot_id, taken in took.pop(reverses_id, {}).items():
            if lot_id in left:
                left[lot_id] += taken
                amount -= taken
        if reverses_id in left:
            amount += left.pop(reverses_id)
        owed = max(0, -amount)
        for lot_id in sorted(left, key=lambda i: (due[i], i)):
            take = min(owed, left[lot_id])
            if take:
                left[lot_id] -= take
                took.setdefault(entry_id, {})[lot_id] = take
                owed -= take
    return sorted(((i, n) for i, n in left.items() if n), key=lambda p: (due[p[0]], p[0]))


class LedgerMachine(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="ledger-state-"))
        self.path = self.folder / "entries.db"
        shutil.copy(self.template, self.path)
        self.db = Database(resolve_url(str(self.path)))
        self.entries: list[ModelEntry] = []
        self.archived: set[str] = set()
        self.day = START

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the model ----------------------------------------------------------------------------

    def balance(self, account: str) -> int:
        return sum(e.amount for e in self.entries if e.account == account)

    def record(self, entry_id: int, account: str, amount: int, **flags: bool) -> None:
        expected_id = len(self.entries) + 1
        assert entry_id == expected_id, "ids are given in order and never reused"
        self.entries.append(ModelEntry(entry_id, account, amount, **flags))

    def refused(self, action: Any, error: type[GiftbalanceError], match: str = "") -> None:
        """``action`` must raise ``error`` (whose message holds ``match``) and change nothing."""
        before = dump(self.path)
        try:
            with self.db.write() as session:
                action(session)
        except error as exc:
            assert match in str(exc), str(exc)
        else:
            raise AssertionError(f"expected {error.__name__}")
        assert dump(self.path) == before, "a refused step changed the database"

    def money(self, account: str, minor: int) -> Money:
        return Money(minor, ACCOUNTS[account])

    def next_day(self) -> date:
        self.day += timedelta(days=1)
        return self.day

    # -- steps --------------------------------------------------------------------------------

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), minor=amounts, expires=st.booleans())
    def redeem(self, account: str, minor: int, expires: bool) -> None:
        day = self.next_day()
        expires_on = day + timedelta(days=90) if expires else None

        def act(session: Any) -> int:
            chosen = accounts.resolve_account(session, account)
            entry = entries.redeem(
                session, chosen, self.money(account, minor), occurred_on=day, expires_on=expires_on
            )
            return entry.id

        if account in self.archived:
            self.refused(act, Refused, "archived")
            return
        with self.db.write() as session:
            entry_id = act(session)
        self.record(entry_id, account, minor, is_reversal=False, expires=expires)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), minor=amounts)
    def spend(self, account: str, minor: int) -> None:
        day = self.next_day()

        def act(session: Any) -> int:
            chosen = accounts.resolve_account(session, account)
            return entries.spend(session, chosen, self.money(account, minor), occurred_on=day).id

        if account in self.archived:
            self.refused(act, Refused, "archived")
        elif minor > self.balance(account):
            self.refused(act, Refused, f"the balance of {account} is")
        else:
            with self.db.write() as session:
                entry_id = act(session)
            self.record(entry_id, account, -minor, is_reversal=False, expires=False)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)))
    def spend_everything(self, account: str) -> None:
        left = self.balance(account)
        if left and account not in self.archived:
            self.spend(account, left)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), minor=amounts)
    def spend_in_another_currency(self, account: str, minor: int) -> None:
        other = "EUR"

        def act(session: Any) -> None:
            chosen = accounts.resolve_account(session, account)
            entries.spend(session, chosen, Money(minor, other), occurred_on=self.day)

        self.refused(act, Refused if account in self.archived else InputError)

    @rule(latest=st.booleans(), data=st.data())
    def undo(self, latest: bool, data: st.DataObject) -> None:
        # An id of an entry that exists, mostly; sometimes one past the end.
        picked = None if latest else data.draw(st.integers(1, len(self.entries) + 1))

        def act(session: Any) -> int:
            target = entries.undo_target(session, picked)
            return entries.reverse(session, target).id

        if picked is None:
            candidates = [e for e in self.entries if not e.is_reversal and not e.reversed]
            if not candidates:
                self.refused(act, Refused, "nothing to undo")
                return
            target = candidates[-1]
        elif picked > len(self.entries):
            self.refused(act, NotFound, f"no entry {picked}")
            return
        else:
            target = self.entries[picked - 1]
        if target.is_reversal:
            self.refused(act, Refused, "is itself a reversal")
        elif target.reversed:
            self.refused(act, Refused, "already reversed")
        elif self.balance(target.account) - target.amount < 0:
            self.refused(act, Refused, "was already spent")
        else:
            with self.db.write() as session:
                entry_id = act(session)
            target.reversed = True
            self.record(entry_id, target.account, -target.amount, is_reversal=True, expires=False)

    @rule(account=st.sampled_from(sorted(ACCOUNTS)), shown=st.integers(0, 300_000))
    def reconcile(self, account: str, shown: int) -> None:
        def act(session: Any) -> int | None:
            chosen = accounts.resolve_account(session, account)
            entry = entries.reconcile(
                session, chosen, self.money(account, shown), occurred_on=self.day
            )
            return entry.id if entry else None

        if account in self.archived:
            self.refused(act, Refused, "archived")
            return
        before = dump(self.path)
        with self.db.write() as session:
            entry_id = act(session)
        if shown == self.balance(account):
            assert entry_id is None
            after = dump(self.path)
            # Already matching: no entry, only the check itself is recorded (for the reminders).
            assert after["entries"] == before["entries"], "already matching: no entry written"
            assert len(after["reconciliations"]) == len(before["reconciliations"]) + 1
            assert {k: v for k, v in after.items() if k != "reconciliations"} == {
                k: v for k, v in before.items() if k != "reconciliations"
            }
        else:
            assert entry_id is not None
            self.record(
                entry_id, account, shown - self.balance(account), is_reversal=False, expires=False
            )

    @precondition(lambda self: len(self.archived) < 2)
    @rule(account=st.sampled_from(sorted(ACCOUNTS)))
    def archive(self, account: str) -> None:
        def act(session: Any) -> None:
            accounts.archive_account(session, account)

        if account in self.archived:
            self.refused(act, Refused, "already archived")
        elif self.balance(account):
            self.refused(act, Refused, "still holds")
        else:
            with self.db.write() as session:
                act(session)
            self.archived.add(account)

    # -- what must always hold ----------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self) -> None:
        with self.db.read() as session:
            for account in accounts.accounts(session, include_archived=True):
                derived = entries.balance(session, account)
                assert derived == self.balance(account.name), account.name
                assert derived >= 0
                found = lots.expiring_lots(session, account)
                assert sum(lot.amount for lot in found) <= derived
                expiring = {
                    e.id: e
                    for e in self.entries
                    if e.account == account.name and e.expires and not e.reversed
                }
                for lot in found:
                    assert lot.entry_id in expiring, "only a live expiring redemption is a lot"
                    assert 0 < lot.amount <= expiring[lot.entry_id].amount

    @invariant()
    def expiring_lots_match_a_full_replay(self) -> None:
        """``expiring_lots`` skips ahead when the lots are used up; replaying every entry of the
        account, the plain way, must give the same lots."""
        connection = sqlite3.connect(self.path)
        try:
            rows = connection.execute(
                "SELECT account_id, id, kind, amount, expires_on, reverses_id FROM entries "
                "ORDER BY id"
            ).fetchall()
        finally:
            connection.close()
        with self.db.read() as session:
            for account in accounts.accounts(session, include_archived=True):
                mine = [row[1:] for row in rows if row[0] == account.id]
                got = [(lot.entry_id, lot.amount) for lot in lots.expiring_lots(session, account)]
                assert got == full_replay(mine), account.name

    @invariant()
    def running_balances_follow_the_entries(self) -> None:
        connection = sqlite3.connect(self.path)
        try:
            rows = connection.execute(
                "SELECT account_id, amount, balance_after, currency FROM entries ORDER BY id"
            ).fetchall()
            currencies = dict(connection.execute("SELECT id, currency FROM accounts").fetchall())
        finally:
            connection.close()
        assert len(rows) == len(self.entries), "nothing is ever deleted"
        running: dict[int, int] = {}
        for (account_id, amount, balance_after, currency), model in zip(
            rows, self.entries, strict=True
        ):
            running[account_id] = running.get(account_id, 0) + amount
            assert balance_after == running[account_id] >= 0
            assert amount == model.amount and amount != 0
            assert currency == currencies[account_id]
            assert currency_digits(currency) in (0, 2, 3)


LedgerMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture
def machine_template(template: Path) -> Path:
    LedgerMachine.template = template
    return template


def test_ledger_state_machine(machine_template: Path) -> None:
    LedgerMachine.TestCase().runTest()
