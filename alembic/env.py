"""Alembic environment: runs on the connection giftbalance already holds when there is one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, engine_from_config, pool

from giftbalance.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if isinstance(connectable, Connection):  # giftbalance passes the connection it holds
        _run(connectable)
        return
    if isinstance(connectable, Engine):  # pytest-alembic passes an engine
        with connectable.connect() as conn:
            _run(conn)
            conn.commit()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        _run(conn)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("giftbalance migrations run online only")
run_migrations_online()
