"""``giftbalance check``, ``backup`` and ``restore``.

The checks run on both databases; the damage is done with raw SQL behind the ledger's back (as
a bug, a hand edit or a bad restore would), and every problem must be reported naming its row.
Backup and restore are SQLite's (on PostgreSQL they point at pg_dump / pg_restore).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

FORK = multiprocessing.get_context("fork")


@contextmanager
def raw(db_url: str, *, foreign_keys: bool = True) -> Iterator[Any]:
    """A connection that bypasses giftbalance (no ledger, no pragmas), in one transaction.

    ``foreign_keys=False`` lets rows point at nothing: SQLite's default for a plain
    connection; on PostgreSQL the superuser's ``session_replication_role = replica``.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if not foreign_keys and conn.dialect.name == "postgresql":
                superuser = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                if not conn.execute(text(superuser)).scalar():
                    pytest.skip("turning foreign keys off on PostgreSQL needs a superuser")
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
    finally:
        engine.dispose()


WHEN = {"occurred_on": date(2026, 11, 3), "recorded_at": datetime(2026, 11, 3, 12)}


def insert_entry(conn: Any, **values: Any) -> None:
    """A ledger row written behind the ledger's back (types converted by SQLAlchemy)."""
    from sqlalchemy import insert

    from giftbalance.storage.models import Entry

    row = {"account_id": 1, "currency": "USD", **WHEN, **values}
    conn.execute(insert(Entry.__table__).values(**row))


def insert_need(conn: Any, **values: Any) -> None:
    from sqlalchemy import insert

    from giftbalance.storage.models import Need

    row = {
        "name": "Diapers",
        "unit_price": 2500,
        "currency": "USD",
        "quantity": 1,
        "priority": "normal",
        "status": "open",
        "created_at": WHEN["recorded_at"],
        **values,
    }
    conn.execute(insert(Need.__table__).values(**row))


def insert_purchase(conn: Any, **values: Any) -> None:
    from sqlalchemy import insert

    from giftbalance.storage.models import Purchase

    row = {"units": 1, "created_at": WHEN["recorded_at"], **values}
    conn.execute(insert(Purchase.__table__).values(**row))


def problems(run: Any, *args: str) -> list[str]:
    """The lines ``giftbalance check`` prints; it must exit 1 with one Error line."""
    result = run("check", *args)
    lines = result.stdout.splitlines()
    assert result.exit_code == 1, result.output
    count = len(lines)
    assert re.fullmatch(
        rf"Error: \S+ has {count} problems?(; the file is damaged: .*)?\n", result.stderr
    ), result.stderr
    return lines


# -- check -------------------------------------------------------------------------------------


def test_check_passes_a_sound_ledger(ok, personal):
    ok("spend", "12.34")
    ok("add", "5", "--yes")
    ok("undo", "--yes")
    result = ok("check")
    assert "clean" in result.stdout
    assert result.stderr == ""
    data = json.loads(ok("check", "--json").stdout)
    assert data["clean"] is True and data["problems"] == []


def test_check_passes_a_new_empty_database(ok):
    assert "clean" in ok("check").stdout


def test_check_names_an_entry_whose_balance_after_is_wrong(run, ok, personal, db_url):
    ok("spend", "12.34")
    ok("spend", "1")
    with raw(db_url) as conn:
        conn.exec_driver_sql("UPDATE entries SET balance_after = 8866 WHERE id = 2")

    # Only the damaged row: later ones are measured against the amounts, not against it.
    assert problems(run) == [
        "entries row 2: balance_after is 88.66 USD but the entries of Personal up to it "
        "add up to 87.66 USD"
    ]
    data = json.loads(run("check", "--json").stdout)
    assert data["clean"] is False
    assert data["problems"] == [
        {
            "table": "entries",
            "id": 2,
            "problem": "balance_after is 88.66 USD but the entries of Personal up to it add "
            "up to 87.66 USD",
        }
    ]


def test_check_names_where_a_balance_goes_below_zero(run, ok, personal, db_url):
    ok("spend", "12.34")
    with raw(db_url) as conn:
        conn.exec_driver_sql("UPDATE entries SET amount = -20000 WHERE id = 2")

    assert problems(run) == [
        "entries row 2: the balance of Personal is 100.00 USD; cannot take 200.00 USD from it",
        "entries row 2: balance_after is 87.66 USD but the entries of Personal up to it "
        "add up to -100.00 USD",
    ]


def _drop_unique_reverses_id(conn: Any) -> None:
    """Remove the rule "an entry is reversed at most once" (SQLite: rebuild a copy of the table)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE entries DROP CONSTRAINT uq_entries_reverses_id")
        return
    create = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'entries'").scalar()
    copy = re.sub(r",\s*CONSTRAINT uq_entries_reverses_id UNIQUE \(reverses_id\)", "", create)
    assert copy != create
    # A table rebuilt by a migration's batch mode has its name quoted.
    copy = re.sub(r'CREATE TABLE "?entries"?', "CREATE TABLE entries_copy", copy, count=1)
    conn.exec_driver_sql(copy)
    conn.exec_driver_sql("INSERT INTO entries_copy SELECT * FROM entries")
    conn.exec_driver_sql("DROP TABLE entries")
    conn.exec_driver_sql("ALTER TABLE entries_copy RENAME TO entries")


def test_check_names_a_second_reversal_of_the_same_entry(run, ok, personal, db_url):
    ok("add", "50", "--yes")  # entry 2
    ok("undo", "--yes")  # entry 3 reverses it
    with raw(db_url) as conn:
        _drop_unique_reverses_id(conn)
        insert_entry(conn, kind="reversal", amount=-5000, balance_after=5000, reverses_id=2)

    assert problems(run) == ["entries row 4: entry 2 was already reversed by entry 3"]


def test_check_names_reversals_that_do_not_undo_their_entry(run, ok, personal, db_url):
    ok("spend", "10")  # entry 2: -10.00, balance 90.00
    with raw(db_url) as conn:
        insert_entry(conn, kind="reversal", amount=500, balance_after=9500, reverses_id=2)
        insert_entry(conn, kind="reversal", amount=-500, balance_after=9000, reverses_id=3)
        conn.exec_driver_sql("UPDATE entries SET reverses_id = 1 WHERE id = 2")

    assert problems(run) == [
        "entries row 2: a spend names entry 1 as reversed; only a reversal does",
        "entries row 3: 5.00 USD does not undo entry 2's -10.00 USD",
        "entries row 4: reverses entry 3, which is itself a reversal",
    ]


def test_check_names_a_reversal_of_an_entry_that_does_not_exist(run, ok, personal, db_url):
    ok("spend", "10")
    with raw(db_url, foreign_keys=False) as conn:
        insert_entry(conn, kind="reversal", amount=1000, balance_after=10000, reverses_id=77)

    assert problems(run) == ["entries row 3: reverses_id 77 points at no entries row"]


def test_check_names_an_entry_in_another_currency_than_its_account(run, ok, personal, db_url):
    with raw(db_url) as conn:
        conn.exec_driver_sql("UPDATE entries SET currency = 'EUR' WHERE id = 1")

    assert problems(run) == [
        "entries row 1: currency EUR differs from USD, the currency of account 'Personal'"
    ]


def test_check_names_a_need_for_a_member_who_does_not_exist(run, personal, db_url):
    with raw(db_url, foreign_keys=False) as conn:
        insert_need(conn, member_id=99, account_id=1)
        insert_need(conn, name="Wipes", account_id=42)

    # Reported once each, though on SQLite both foreign_key_check and the ledger check see it.
    assert problems(run) == [
        "needs row 1: member_id 99 points at no members row",
        "needs row 2: account_id 42 points at no accounts row",
    ]


def test_check_names_a_purchase_that_is_not_a_spend_of_its_need(run, ok, personal, db_url):
    ok("spend", "25")  # entry 2
    with raw(db_url) as conn:
        insert_need(conn)
        insert_need(conn, name="Formula", currency="EUR")
        insert_purchase(conn, entry_id=1, need_id=1)
        insert_purchase(conn, entry_id=2, need_id=2)

    assert problems(run) == [
        "purchases row 1: entry 1 is a redeem, not a spend",
        "purchases row 2: entry 2 is in USD but need 2 is in EUR",
    ]


@pytest.mark.sqlite_only
def test_check_reports_sqlite_damage_and_points_to_restore(run, ok, personal, db_path):
    ok("spend", "1")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    # The index now claims to cover other columns than it does: SQLite-level damage.
    conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, '(account_id, id)', '(account_id, amount)')"
        " WHERE name = 'ix_entries_account_id_id'"
    )
    conn.close()

    lines = problems(run)
    assert "database: integrity_check: row 1 missing from index ix_entries_account_id_id" in lines
    assert all(line.startswith("database: integrity_check: ") for line in lines)
    assert "restore a backup" in run("check").stderr


@pytest.mark.sqlite_only
def test_check_reports_a_dangling_reference_found_by_foreign_key_check(run, personal, db_path):
    conn = sqlite3.connect(db_path, isolation_level=None)  # foreign keys are off by default
    conn.execute(
        "INSERT INTO contacts (occurred_at, channel, account_id, summary, outcome, created_at,"
        " updated_at) VALUES ('2026-11-03 12:00:00', 'chat', 5, 'wrong account', 'pending',"
        " '2026-11-03 12:00:00', '2026-11-03 12:00:00')"
    )
    conn.close()

    assert problems(run) == ["contacts row 1: account_id 5 points at no accounts row"]


# -- backup ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_backup_is_a_complete_private_single_file(dump_file, ok, personal, db_path, tmp_path):
    ok("spend", "12.34")
    target = tmp_path / "saved" / "gift.db"
    target.parent.mkdir()
    old_umask = os.umask(0)  # even a careless umask must not make the backup readable
    try:
        result = ok("backup", str(target))
    finally:
        os.umask(old_umask)

    assert f"to {target}" in result.stdout and "1 account, 2 entries" in result.stdout
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in target.parent.iterdir()) == ["gift.db"]  # no -wal, no temp
    assert dump_file(target) == dump_file(db_path)
    assert "clean" in ok("--db", str(target), "check").stdout


@pytest.mark.sqlite_only
def test_backup_refuses_to_replace_a_file_without_yes(dump_file, ok, refused, personal, tmp_path):
    target = tmp_path / "gift.db"
    ok("backup", str(target))
    ok("spend", "30")
    first = target.read_bytes()

    refused("backup", str(target), match=f"{target} exists already; pass --yes to replace it")
    assert target.read_bytes() == first

    ok("backup", str(target), "--yes")
    assert dump_file(target)["entries"][-1][3] == -3000
    assert oct(target.stat().st_mode & 0o777) == "0o600"


@pytest.mark.sqlite_only
def test_backup_refuses_the_database_itself_and_folders(refused, personal, db_path, tmp_path):
    refused("backup", str(db_path), code=2, match="is the database itself")
    refused("backup", str(tmp_path), code=2, match="is a directory")


@pytest.mark.sqlite_only
def test_backup_refuses_when_there_is_no_database_yet(refused, db_path, tmp_path):
    refused("backup", str(tmp_path / "b.db"), match="there is no database at")
    assert not db_path.exists() and not (tmp_path / "b.db").exists()


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql_point_to_pg_dump(refused, personal, tmp_path):
    refused("backup", str(tmp_path / "b.db"), match="pg_dump -Fc -f FILE DBNAME")
    (tmp_path / "b.db").write_text("x")
    refused("restore", str(tmp_path / "b.db"), "--yes", match="pg_restore")


@pytest.mark.sqlite_only
def test_backups_taken_while_another_process_writes_are_consistent(
    dump_file, ok, cli_call, in_processes, personal, tmp_path
):
    done = FORK.Event()
    start = FORK.Barrier(2)

    def worker(k: int) -> list[tuple[int, str, str]]:
        start.wait()
        if k == 0:
            spends = [cli_call("spend", "0.10", "--note", f"s{i}") for i in range(150)]
            done.set()
            return spends
        backups = []
        while not done.is_set() and len(backups) < 40:
            backups.append(cli_call("backup", str(tmp_path / f"b{len(backups):03}.db")))
            time.sleep(0.02)  # spread the backups over the spends
        return backups

    spends, backups = in_processes(2, worker)

    assert all(code == 0 for code, _, _ in spends)
    assert backups and all(code == 0 for code, _, err in backups), backups
    counts = []
    for path in sorted(tmp_path.glob("b*.db")):
        assert "clean" in ok("--db", str(path), "check").stdout
        entries = dump_file(path)["entries"]
        spent = len(entries) - 1
        counts.append(spent)
        assert entries[-1][5] == 10000 - 10 * spent  # balance_after: exactly the spends in it
    assert counts == sorted(counts)
    assert any(0 < n < 150 for n in counts), counts  # some were taken mid-stream


# -- restore -----------------------------------------------------------------------------------


@pytest.fixture
def saved(ok, personal, tmp_path, db_url) -> Path:
    """A backup of Personal after one spend of 12.34 (balance 87.66)."""
    ok("spend", "12.34")
    path = tmp_path / "saved.db"
    ok("backup", str(path))
    return path


def _balance(ok: Any, *args: str) -> str:
    return json.loads(ok(*args, "balance", "--json").stdout)["accounts"][0]["balance"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


@pytest.mark.sqlite_only
def test_restore_without_yes_checks_the_file_then_refuses(ok, refused, saved, db_path):
    ok("spend", "50")
    result = refused(
        "restore", str(saved), match="restoring replaces everything in " + str(db_path)
    )
    assert "--yes" in result.stderr
    assert f"{saved}: a sound giftbalance database (1 account, 2 entries" in result.stdout
    assert _balance(ok) == "37.66"
    assert _leftovers(db_path.parent) == []


@pytest.mark.sqlite_only
def test_restore_puts_the_backup_back_and_keeps_what_it_replaced(dump_file, ok, saved, db_path):
    at_backup = dump_file(saved)
    ok("spend", "50")
    ok("account", "add", "Work", "--store", "amazon.com", "--currency", "USD")
    replaced = dump_file(db_path)

    result = ok("restore", str(saved), "--yes")

    assert f"Restored {db_path} from {saved}." in result.stdout
    assert dump_file(db_path) == at_backup
    assert _balance(ok) == "87.66"
    kept = next(db_path.parent.glob("giftbalance.before-restore-*.db"))
    assert f"as {kept}" in result.stdout
    assert dump_file(kept) == replaced
    for path in (db_path, kept):
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "clean" in ok("check").stdout
    assert _leftovers(db_path.parent) == []
    ok("spend", "7.66")  # the restored database is fully usable
    assert _balance(ok) == "80.00"


@pytest.mark.sqlite_only
def test_restore_creates_the_database_when_there_is_none(ok, saved, db_path, tmp_path):
    other = tmp_path / "new" / "home.db"
    result = ok("--db", str(other), "restore", str(saved), "--yes")
    assert "Saved the database" not in result.stdout
    assert oct(other.stat().st_mode & 0o777) == "0o600"
    assert _balance(ok, "--db", str(other)) == "87.66"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("damage", ["not a database", "a page overwritten"])
def test_restore_over_a_damaged_database_keeps_the_damaged_file(ok, run, saved, db_path, damage):
    if damage == "not a database":
        db_path.write_bytes(b"this is not a database " * 100)
    else:
        with db_path.open("r+b") as file:  # page 9 (SQLite's own tables are on page 1)
            file.seek(8 * 4096)
            file.write(b"\xff" * 4096)
    damaged = db_path.read_bytes()
    assert run("check").exit_code == 1

    result = ok("restore", str(saved), "--yes")

    kept = next(db_path.parent.glob("giftbalance.*-2*.db"))
    assert f"as {kept}" in result.stdout
    if damage == "not a database":
        assert kept.read_bytes() == damaged
    else:  # a page-by-page copy, damage and all
        assert b"\xff" * 4096 in kept.read_bytes()
    assert _balance(ok) == "87.66"
    assert "clean" in ok("check").stdout


@pytest.mark.sqlite_only
def test_restore_reaches_processes_that_hold_the_database_open(ok, saved, db_path):
    """Another process with unflushed WAL frames and an open connection: the restore is a normal
    SQLite transaction to it, never a file swapped under its feet."""
    ok("spend", "50")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("PRAGMA wal_autocheckpoint = 0")  # keep its writes in the -wal file
    other.execute("UPDATE accounts SET note = 'written by another process'")
    assert db_path.with_name(db_path.name + "-wal").stat().st_size > 0

    ok("restore", str(saved), "--yes")

    assert other.execute("SELECT note FROM accounts").fetchall() == [(None,)]
    assert other.execute("SELECT count(*) FROM entries").fetchone() == (2,)
    other.close()
    assert _balance(ok) == "87.66"
    assert "clean" in ok("check").stdout


def _sqlite_file(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()
    return path


BAD_BACKUPS = {
    "text": "is not a readable SQLite database (file is not a database)",
    "other sqlite": "is not a giftbalance database (it has no schema version)",
    "newer schema": "has schema 9999, newer than this giftbalance",
    "failing the check": "fails the check (1 problem); not restored",
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", BAD_BACKUPS)
def test_restore_refuses_a_file_that_is_not_a_sound_giftbalance_database(
    ok, refused, saved, db_path, tmp_path, kind
):
    bad = tmp_path / "bad.db"
    if kind == "text":
        bad.write_text("date,amount\n2026-11-03,12.00\n")
    elif kind == "other sqlite":
        _sqlite_file(bad, "CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    else:
        bad.write_bytes(saved.read_bytes())
        _sqlite_file(
            bad,
            "UPDATE alembic_version SET version_num = '9999'"
            if kind == "newer schema"
            else "UPDATE entries SET balance_after = 1 WHERE id = 2",
        )
    ok("spend", "1")

    result = refused("restore", str(bad), "--yes", match=BAD_BACKUPS[kind])

    if kind == "failing the check":
        assert result.stdout.splitlines() == [
            "entries row 2: balance_after is 0.01 USD but the entries of Personal up to it "
            "add up to 87.66 USD"
        ]
    assert _balance(ok) == "86.66"
    assert _leftovers(db_path.parent) == []
    assert not list(db_path.parent.glob("*.before-restore-*"))


@pytest.mark.sqlite_only
def test_restore_refuses_a_missing_file_and_the_database_itself(
    refused, personal, db_path, tmp_path
):
    refused("restore", str(tmp_path / "nowhere.db"), "--yes", match="no backup file at")
    refused("restore", str(db_path), "--yes", match="is the database itself")


@pytest.mark.sqlite_only
def test_restore_of_an_older_schema_is_upgraded_on_next_use(run, ok, tmp_path, db_path):
    from giftbalance.storage.db import Database
    from giftbalance.storage.schema import SCHEMA_HEAD

    old = tmp_path / "old.db"
    Database("sqlite:///" + str(old), migrate=False).upgrade("0001")
    _sqlite_file(
        old,
        "INSERT INTO accounts (name, name_key, store, currency, tax_rate, egift_minimum,"
        " created_at) VALUES ('Old', 'old', 'amazon.com', 'USD', '0', 1000, '2025-01-01 00:00:00')",
        "INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,"
        " recorded_at) VALUES (1, 'redeem', 4200, 'USD', 4200, '2025-01-02', '2025-01-02 00:00:00')",
    )

    result = ok("restore", str(old), "--yes")
    assert f"schema 0001 (older; upgraded to {SCHEMA_HEAD} on first use)" in result.stdout

    upgraded = run("balance", "--json")
    assert upgraded.exit_code == 0
    assert f"Upgrading database schema 0001 -> {SCHEMA_HEAD}" in upgraded.stderr
    assert json.loads(upgraded.stdout)["accounts"][0]["balance"] == "42.00"
    assert "clean" in ok("check").stdout


def test_check_names_store_links_that_do_not_fit(run, ok, personal, db_url):
    """A store import sets an order id and a store row's key on entries: only spends and
    refunds name an order, a reversal never carries a key (the unique index keeps two entries
    from sharing one)."""
    ok("spend", "25")  # entry 2
    ok("undo", "--yes")  # entry 3 reverses it
    with raw(db_url) as conn:
        conn.exec_driver_sql("UPDATE entries SET order_id = '113-1234567-1234567' WHERE id = 1")
        conn.exec_driver_sql("UPDATE entries SET order_id = '113-1234567-1234567' WHERE id = 2")
        conn.exec_driver_sql("UPDATE entries SET source_key = 'k' WHERE id = 3")

    assert problems(run) == [
        "entries row 1: a redeem names a store order",
        "entries row 3: a reversal has a store row's key",
    ]
