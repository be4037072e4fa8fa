"""A household sharing one database (PostgreSQL, as the README's section 'Keeping your records safe' describes; SQLite too), and
the schema the migrations build on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CODE = "GQ7X-MN4P-ZK2R\n"


def test_members_machines_share_one_database_but_need_the_same_code_key(
    run, ok, refused, tmp_path: Path
):
    """Each machine keeps its own claim-code key: a code logged on one machine is recognised on
    another only once that machine has a copy of the same key file."""
    ok("account", "add", "Family", "--store", "amazon.com", "--currency", "USD")
    machine = {name: {"GIFTBALANCE_CONFIG_DIR": str(tmp_path / name)} for name in "abc"}

    first = run("add", "25", "--code", "--yes", input=CODE, env=machine["a"])
    assert first.exit_code == 0, first.output
    key = tmp_path / "a" / "code.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"

    # Machine b has a key of its own: the same code looks new there (the HMACs differ).
    other = run("add", "25", "--code", "--yes", input=CODE, env=machine["b"])
    assert other.exit_code == 0, other.output
    ok("undo", "--yes")

    # Machine c got a copy of a's key (as the README's section 'Keeping your records safe' says): the duplicate is caught.
    (tmp_path / "c").mkdir(mode=0o700)
    shutil.copy2(key, tmp_path / "c" / "code.key")
    duplicate = run("add", "25", "--code", "--yes", input=CODE, env=machine["c"])
    assert duplicate.exit_code == 1
    assert "Error: claim code ****ZK2R was already logged on" in duplicate.stderr


@pytest.mark.postgres
def test_migrations_on_postgresql_build_exactly_the_models_schema(ok, db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from giftbalance.storage.models import Base

    ok("balance")  # the first command creates the schema
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_text_longer_than_its_column_is_refused_alike_on_both_databases(ok, refused):
    """PostgreSQL enforces VARCHAR lengths, SQLite does not: the ledger checks them itself."""
    ok("account", "add", "Family", "--store", "amazon.com", "--currency", "USD")
    refused("add", "5", "--yes", "--from", "g" * 201, code=2, match="giver is longer than 200")
    ok("add", "5", "--yes", "--from", "g" * 200)
