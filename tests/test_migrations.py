"""pytest-alembic's built-in checks, plus SCHEMA_HEAD agreeing with the migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from giftbalance.storage.schema import SCHEMA_HEAD, migrations_dir

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_url(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "alembic.db")


@pytest.fixture
def alembic_config() -> dict[str, str]:
    return {"script_location": str(migrations_dir())}


@pytest.fixture
def alembic_engine(alembic_url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(alembic_url)


def test_schema_head_constant_matches_migrations() -> None:
    from alembic.script import ScriptDirectory

    from giftbalance.storage.schema import alembic_config as make_config

    script = ScriptDirectory.from_config(make_config("sqlite://"))
    assert script.get_current_head() == SCHEMA_HEAD


def _sqlite_at(path: Path, revision: str) -> None:
    from giftbalance.storage.db import Database

    db = Database("sqlite:///" + str(path), migrate=False)
    try:
        db.upgrade(revision)
    finally:
        db.dispose()


def test_a_0002_ledger_with_purchases_and_reversals_upgrades_whole(tmp_path: Path) -> None:
    """Revision 0003 rebuilds the entries table (SQLite cannot alter a CHECK constraint) while
    purchases and reversals point at its rows: every row and reference must come through."""
    import sqlite3

    path = tmp_path / "old.db"
    _sqlite_at(path, "0002")
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        INSERT INTO accounts (name, name_key, store, currency, tax_rate, egift_minimum, created_at)
            VALUES ('P', 'p', 'amazon.com', 'USD', '0', 1000, '2025-01-01 00:00:00');
        INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,
            recorded_at, expires_on) VALUES (1, 'redeem', 5000, 'USD', 5000, '2025-01-02',
            '2025-01-02 00:00:00', '2026-01-02');
        INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,
            recorded_at) VALUES (1, 'spend', -1000, 'USD', 4000, '2025-01-03', '2025-01-03 00:00:00');
        INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,
            recorded_at, reverses_id) VALUES (1, 'reversal', 1000, 'USD', 5000, '2025-01-03',
            '2025-01-03 00:00:00', 2);
        INSERT INTO needs (name, unit_price, currency, quantity, priority, status, created_at)
            VALUES ('Boots', 1000, 'USD', 1, 'normal', 'open', '2025-01-01 00:00:00');
        INSERT INTO purchases (entry_id, need_id, units, created_at)
            VALUES (2, 1, 1, '2025-01-03 00:00:00');
        """
    )
    conn.commit()
    before = conn.execute("SELECT * FROM entries ORDER BY id").fetchall()
    conn.close()

    _sqlite_at(path, "head")

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT * FROM entries ORDER BY id").fetchall() == before
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {
            "ix_entries_expiring",
            "ix_entries_account_id_id",
            "ix_entries_code_hmac",
        } <= indexes
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (SCHEMA_HEAD,)
    finally:
        conn.close()
    from giftbalance.io.check import check
    from giftbalance.storage.db import Database

    db = Database("sqlite:///" + str(path))
    try:
        assert check(db) == []
    finally:
        db.dispose()


def test_the_migrated_schema_takes_every_entry_kind_and_no_other(tmp_path: Path) -> None:
    import sqlite3

    from giftbalance.values.vocabulary import ENTRY_KINDS

    path = tmp_path / "kinds.db"
    _sqlite_at(path, "head")
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO accounts (name, name_key, store, currency, tax_rate, egift_minimum, created_at)"
        " VALUES ('P', 'p', 'amazon.com', 'USD', '0', 1000, '2025-01-01 00:00:00')"
    )

    def insert(kind: str) -> None:
        conn.execute(
            "INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,"
            " recorded_at) VALUES (1, ?, 1, 'USD', 1, '2025-01-02', '2025-01-02 00:00:00')",
            (kind,),
        )

    for kind in ENTRY_KINDS:
        insert(kind)
    with pytest.raises(sqlite3.IntegrityError):
        insert("gift")
    conn.close()
