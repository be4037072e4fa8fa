"""The database: private files, SQLite settings, write transactions, schema upgrades, and what
each command pays to import."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from giftbalance.errors import DatabaseError
from giftbalance.storage.db import Database, resolve_url, sqlite_path
from giftbalance.storage.paths import default_db_path
from giftbalance.storage.schema import SCHEMA_HEAD

HEAVY = ("sqlalchemy", "alembic", "pandas", "matplotlib")
BACKUP_NAME = re.compile(r"^giftbalance\.backup-\d{8}-\d{6}(-\d+)?\.db$")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


def stored_revision(url: str) -> str | None:
    db = Database(url, migrate=False)
    try:
        return db.stored_revision()
    finally:
        db.dispose()


# -- files ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_new_database_file_is_private_even_with_a_permissive_umask(ok, db_path: Path) -> None:
    old = os.umask(0)
    try:
        keep = None
        ok("account", "add", "Personal")
        # A second connection left open keeps the -wal and -shm files, to look at their modes.
        keep = sqlite3.connect(db_path)
        keep.execute("SELECT count(*) FROM accounts").fetchone()
        ok("add", "5", "--yes")
        sides = [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() for p in sides)
        for path in (db_path, *sides):
            assert mode(path) == 0o600, path
    finally:
        os.umask(old)
        if keep is not None:
            keep.close()


@pytest.mark.sqlite_only
def test_the_default_database_folder_is_made_private(tmp_path: Path) -> None:
    path = default_db_path()
    assert path.is_relative_to(tmp_path) and not path.parent.exists()  # XDG_DATA_HOME in tmp
    Database(resolve_url(None)).dispose()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


@pytest.mark.sqlite_only
def test_a_db_path_in_a_missing_folder_is_refused_and_makes_no_folder(refused, tmp_path) -> None:
    path = tmp_path / "typo" / "deeper" / "g.db"
    refused("--db", str(path), "balance", code=1, match=f"the folder {path.parent} does not exist")
    refused("--db", str(path), "account", "add", "Personal", code=1, match="does not exist")
    assert not (tmp_path / "typo").exists()


@pytest.mark.sqlite_only
def test_a_database_readable_by_others_gets_a_warning(ok, run, db_path: Path) -> None:
    ok("account", "add", "Personal")
    db_path.chmod(0o644)
    result = run("balance")
    assert result.exit_code == 0
    assert f"Warning: {db_path} can be read by other users (mode 644); run: chmod 600" in (
        result.stderr
    )
    db_path.chmod(0o600)
    assert "Warning" not in run("balance").stderr


# -- SQLite connection settings and transactions ----------------------------------------------


@pytest.mark.sqlite_only
def test_sqlite_connections_have_wal_foreign_keys_and_a_busy_timeout(
    database: Database, db_path: Path
) -> None:
    with database.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    outside = sqlite3.connect(db_path)
    try:
        assert outside.execute("PRAGMA journal_mode").fetchone()[0] == "wal", "WAL is persistent"
    finally:
        outside.close()


def test_foreign_keys_are_enforced(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from giftbalance.storage.models import Entry

    with pytest.raises(IntegrityError), database.write() as session:
        session.execute(
            text(
                "INSERT INTO entries (account_id, kind, amount, currency, balance_after, "
                "occurred_on, recorded_at) VALUES (999, 'redeem', 100, 'USD', 100, "
                "'2026-11-25', '2026-11-25 10:00:00')"
            )
        )
        session.flush()
    with database.read() as session:
        assert session.query(Entry).count() == 0


@pytest.mark.sqlite_only
def test_write_transactions_begin_immediate(database: Database, db_path: Path) -> None:
    """A writer holds the write lock from its first statement, even one that only reads; a
    reader does not."""

    def another_writer_can_start() -> bool:
        other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            other.close()

    with database.read() as session:
        session.execute(text("SELECT count(*) FROM accounts")).scalar()
        assert another_writer_can_start()
    with database.write() as session:
        session.execute(text("SELECT count(*) FROM accounts")).scalar()
        assert not another_writer_can_start()
    assert another_writer_can_start()


def test_a_write_block_commits_everything_or_nothing(database: Database, dump) -> None:
    from decimal import Decimal

    from giftbalance.ledger import accounts

    before = dump()
    with pytest.raises(RuntimeError), database.write() as session:
        accounts.add_account(
            session,
            "Half",
            store="amazon.com",
            currency="USD",
            tax_rate=Decimal(0),
            note=None,
            make_default=True,
        )
        session.flush()
        raise RuntimeError("interrupted half-way")
    assert dump() == before


# -- schema -----------------------------------------------------------------------------------


def test_a_new_database_is_created_at_head(ok, db_url: str) -> None:
    ok("account", "list")
    assert stored_revision(db_url) == SCHEMA_HEAD


@pytest.mark.sqlite_only
def test_a_new_sqlite_file_appears_complete_and_in_wal_mode(ok, db_path: Path) -> None:
    # Built aside and linked into place: nobody can open it half-made, and no staging file
    # is left behind.
    ok("account", "list")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sorted(p.name for p in db_path.parent.iterdir() if ".new-" in p.name) == []
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def make_old_database(url: str) -> None:
    """A database at revision 0001 holding one account with one redemption."""
    db = Database(url, migrate=False)
    try:
        db.upgrade("0001")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO accounts (id, name, name_key, store, currency, tax_rate, "
                    "egift_minimum, created_at) VALUES (1, 'Old', 'old', 'amazon.com', 'USD', "
                    "'0', 100, '2026-01-01 09:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO entries (account_id, kind, amount, currency, balance_after, "
                    "occurred_on, recorded_at) VALUES (1, 'redeem', 4200, 'USD', 4200, "
                    "'2026-01-02', '2026-01-02 09:00:00')"
                )
            )
    finally:
        db.dispose()
    assert stored_revision(url) == "0001"


@pytest.mark.sqlite_only
def test_an_older_database_is_backed_up_then_upgraded(ok, db_url: str, db_path: Path) -> None:
    make_old_database(db_url)
    result = ok("balance", "--json")
    assert '"balance": "42.00"' in result.stdout, "the data came through the upgrade"
    assert stored_revision(db_url) == SCHEMA_HEAD
    backups = [p for p in db_path.parent.iterdir() if BACKUP_NAME.match(p.name)]
    assert len(backups) == 1, sorted(p.name for p in db_path.parent.iterdir())
    backup = backups[0]
    assert f"Upgrading database schema 0001 -> {SCHEMA_HEAD}; backup: {backup}" in result.stderr
    assert mode(backup) == 0o600
    # The backup was taken before the upgrade: it is the old schema with the old data.
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT amount FROM entries").fetchall() == [(4200,)]
    finally:
        copy.close()
    # Once current, no further backups or messages.
    again = ok("balance")
    assert "Upgrading" not in again.stderr
    assert len([p for p in db_path.parent.iterdir() if BACKUP_NAME.match(p.name)]) == 1


def test_an_older_database_is_upgraded_on_any_backend(ok, db_url: str) -> None:
    make_old_database(db_url)
    ok("add", "8", "--yes")
    assert stored_revision(db_url) == SCHEMA_HEAD
    assert "Old" in ok("balance").stdout and "50.00 USD" in ok("balance").stdout


def test_a_database_from_the_future_is_refused(ok, refused, db_url: str, tmp_path: Path) -> None:
    ok("account", "add", "Personal")
    db = Database(db_url, migrate=False)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        db.dispose()
    files_before = sorted(p.name for p in tmp_path.iterdir())
    refused("balance", match="has schema 9999, newer than this giftbalance")
    refused("add", "5", "--yes", match=f"newer than this giftbalance ({SCHEMA_HEAD}); upgrade")
    assert stored_revision(db_url) == "9999"
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before, "no backup, no upgrade"
    with pytest.raises(DatabaseError, match="newer"):
        Database(db_url)


@pytest.mark.sqlite_only
def test_sqlite_path(tmp_path: Path) -> None:
    assert sqlite_path(f"sqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    assert sqlite_path(f"sqlite:///{tmp_path}/a.db?timeout=5") == tmp_path / "a.db"
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://u@h/db") is None


def test_resolve_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIFTBALANCE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_url("x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("GIFTBALANCE_DB", "env.db")
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("opt.db") == f"sqlite:///{tmp_path / 'opt.db'}"
    monkeypatch.delenv("GIFTBALANCE_DB")
    data = Path(os.environ["XDG_DATA_HOME"])
    assert resolve_url(None) == f"sqlite:///{data / 'giftbalance' / 'giftbalance.db'}"


# -- what a command imports -------------------------------------------------------------------


def imported_modules(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """Top-level packages ``python -X importtime -m giftbalance ARGS`` imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "giftbalance", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".")[0])
    assert "giftbalance" in names, "importtime output was read"
    return names


@pytest.mark.slow
def test_help_imports_no_heavy_module() -> None:
    names = imported_modules("--help")
    assert not names.intersection(HEAVY), sorted(names.intersection(HEAVY))
    assert "click" in names


@pytest.mark.slow
def test_version_imports_no_heavy_module() -> None:
    assert not imported_modules("--version").intersection(HEAVY)


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_writes_on_a_current_schema_import_no_alembic_or_pandas(ok, db_path: Path) -> None:
    """Writing commands use SQLAlchemy, but nothing heavier (the read commands use neither:
    tests/test_fast_path.py)."""
    ok("account", "add", "Personal")
    ok("add", "5", "--yes", "--code", input="ABCD-EFGH-1234\n")
    ok("need", "add", "Coffee", "--price", "1", "--every", "2 weeks")
    env = {"GIFTBALANCE_DB": str(db_path)}
    for args in (
        ["spend", "1"],
        ["add", "1", "--yes"],
        ["need", "add", "Tea", "--price", "1"],
        ["need", "bought", "1"],
    ):
        names = imported_modules(*args, env=env)
        assert "sqlalchemy" in names, "the command did use the database"
        assert not names.intersection({"alembic", "pandas", "matplotlib"}), (args, names)


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_an_upgrade_does_import_alembic(db_url: str, db_path: Path) -> None:
    """The check above is meaningful: alembic shows up when a migration really runs."""
    make_old_database(db_url)
    assert "alembic" in imported_modules("balance", env={"GIFTBALANCE_DB": str(db_path)})


@pytest.mark.slow
def test_concurrent_writers_queue_and_lose_nothing(ok, db_url: str) -> None:
    """Several processes spending at once: each waits its turn (no "database is locked"), and
    every running balance follows from the one before."""
    ok("account", "add", "Personal")
    ok("add", "100", "--yes")
    env = {**os.environ, "GIFTBALANCE_DB": db_url}
    spenders = [
        subprocess.Popen(
            [sys.executable, "-m", "giftbalance", "spend", "1.25"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    for process in spenders:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    spends = [e for e in json.loads(ok("log", "--json").stdout) if e["kind"] == "spend"]
    expected_cents = [10000 - 125 * k for k in range(1, 7)]
    assert [e["balance"] for e in spends] == [f"{c // 100}.{c % 100:02d}" for c in expected_cents]
