"""Several giftbalance processes on one database at once (SQLite, and PostgreSQL when given).

Workers are forked processes that each run the console entry point ``giftbalance.cli.main``
many times, exactly as separate ``giftbalance`` commands would (each opens its own connection).
Writers queue for the write lock (SQLite ``BEGIN IMMEDIATE`` with a busy timeout, PostgreSQL
an advisory lock), so nobody sees "database is locked" and nothing is lost.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter

import pytest

from giftbalance.values.money import parse_money

FORK = multiprocessing.get_context("fork")

WORKERS, SPENDS = 4, 100


def _balance(ok, account: str) -> str:
    data = json.loads(ok("balance", "--account", account, "--json").stdout)
    return data["accounts"][0]["balance"]


def test_four_processes_spending_at_once_lose_nothing(ok, cli_call, in_processes, sql):
    ok("account", "add", "Shared", "--store", "amazon.com", "--currency", "USD")
    ok("add", "150", "--account", "Shared", "--yes")
    start = FORK.Barrier(WORKERS)

    def spender(k: int) -> list[tuple[int, str, str]]:
        start.wait()
        return [
            cli_call("spend", "0.25", "--account", "Shared", "--note", f"w{k}-{i}")
            for i in range(SPENDS)
        ]

    calls = [call for worker in in_processes(WORKERS, spender) for call in worker]

    assert len(calls) == WORKERS * SPENDS
    assert [c for c in calls if c[0] != 0] == []
    # Nothing reached the user on stderr: no "database is locked", no retry notices.
    assert [c[2] for c in calls if c[2]] == []
    notes = Counter(note for (note,) in sql("SELECT note FROM entries WHERE kind = 'spend'"))
    assert notes == Counter({f"w{k}-{i}": 1 for k in range(WORKERS) for i in range(SPENDS)})
    # Each spend saw the one before it: the running balances are every step from 149.75 down.
    afters = sorted(
        after for (after,) in sql("SELECT balance_after FROM entries WHERE kind = 'spend'")
    )
    assert afters == list(range(5000, 15000, 25))
    assert _balance(ok, "Shared") == "50.00"
    assert "clean" in ok("check").stdout


ROUNDS = 12


def test_overdraft_race_exactly_one_of_two_wins(ok, cli_call, in_processes):
    for r in range(ROUNDS):
        ok("account", "add", f"Race{r}", "--store", "amazon.com", "--currency", "USD")
        ok("add", "100", "--account", f"Race{r}", "--yes")
    start = FORK.Barrier(2)

    def racer(k: int) -> list[tuple[int, str, str]]:
        outcomes = []
        for r in range(ROUNDS):
            start.wait()  # both spend on the same account at the same moment
            outcomes.append(cli_call("spend", "60", "--account", f"Race{r}"))
        return outcomes

    first, second = in_processes(2, racer)

    for r in range(ROUNDS):
        pair = (first[r], second[r])
        assert sorted(code for code, _, _ in pair) == [0, 1], pair
        loser = next(call for call in pair if call[0] == 1)
        # The loser saw the winner's spend: it was refused for the balance left after it.
        assert loser[2].startswith("Error: ") and loser[2].count("\n") == 1, loser
        assert f"balance of Race{r} is 40.00 USD" in loser[2], loser
        assert _balance(ok, f"Race{r}") == "40.00"
    assert "clean" in ok("check").stdout


def test_processes_opening_a_new_database_together_all_succeed(cli_call, in_processes, dump, ok):
    """The first use creates the schema; several first uses at once must not collide."""
    assert dump() == {}
    start = FORK.Barrier(6)

    def first_use(k: int) -> tuple[int, str, str]:
        start.wait()
        return cli_call(
            "account", "add", f"Member{k}", "--store", "amazon.com", "--currency", "EUR"
        )

    results = in_processes(6, first_use)

    assert [code for code, _, _ in results] == [0] * 6, results
    assert [err for _, _, err in results if err] == []
    assert len(dump()["accounts"]) == 6
    assert "clean" in ok("check").stdout


def test_check_and_balance_stay_consistent_while_others_write(ok, cli_call, in_processes):
    ok("account", "add", "Busy", "--store", "amazon.com", "--currency", "USD")
    ok("add", "50", "--account", "Busy", "--yes")

    def worker(k: int) -> list[tuple[int, str, str]]:
        if k < 2:
            return [cli_call("spend", "0.10", "--account", "Busy") for _ in range(60)]
        return [cli_call("check") for _ in range(15)] + [
            cli_call("balance", "--json") for _ in range(15)
        ]

    spends_a, spends_b, readers = in_processes(3, worker)

    assert all(code == 0 for code, _, _ in spends_a + spends_b)
    checks, balances = readers[:15], readers[15:]
    assert all(code == 0 and "clean" in out for code, out, _ in checks), checks
    seen = [json.loads(out)["accounts"][0]["balance"] for _, out, _ in balances]
    assert all(code == 0 for code, _, _ in balances)
    # Every balance a reader saw is one the ledger passed through, and never went back up.
    minor = [parse_money(text, "USD").minor for text in seen]
    assert set(minor) <= set(range(5000, 3790, -10)), seen
    assert minor == sorted(minor, reverse=True)
    assert _balance(ok, "Busy") == "38.00"


@pytest.mark.sqlite_only
def test_a_writer_stuck_past_the_busy_timeout_gets_one_clear_line(
    ok, refused, personal, db_path, monkeypatch
):
    import sqlite3

    from giftbalance.storage import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 1)
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        refused("spend", "1", match="the database stayed busy (another giftbalance is writing)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _balance(ok, "Personal") == "100.00"
