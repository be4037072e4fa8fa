"""Reading on the fast path: plain SQL on one read snapshot, without SQLAlchemy on SQLite.

The everyday commands (``balance``, ``log``, the lists, ``config get``, ``checklist``,
``plan``, ``report``) ask a few questions, written once as plain SQL with named parameters
(``:name``) in :mod:`giftbalance.storage.queries`. A :class:`Reader` runs them: on a SQLite
file through the standard library's ``sqlite3`` (:class:`SqliteReader`), so the command starts
without importing SQLAlchemy, which alone costs more than the whole command; on a server URL,
and wherever a command already holds a session, through SQLAlchemy's ``text()``
(:class:`SessionReader`). SQLAlchemy's models and Alembic's migrations still own the schema and
every write.

The SQLite connection is set up exactly like SQLAlchemy's (:func:`configure_sqlite`: busy
timeout, foreign keys, WAL), and a command reads inside one transaction, so it sees one
snapshot, as :meth:`giftbalance.storage.db.Database.read` gives. Anything out of the ordinary
(a missing file, a schema at another revision, a file that is not a database) is left to
:class:`~giftbalance.storage.db.Database`, which creates, upgrades or explains it as before.

This module is imported on the start-up of every read command: it imports nothing heavy.
"""

from __future__ import annotations

import sqlite3
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from giftbalance.storage.paths import side_files, sqlite_path
from giftbalance.storage.schema import SCHEMA_HEAD

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from giftbalance.storage.db import Database

#: How long a command waits for another one's write to finish, in seconds.
BUSY_TIMEOUT_S = 60

Params = Mapping[str, object]
Row = tuple[Any, ...]


class Reader:
    """Runs plain SQL with named parameters (``:name``) inside one read transaction.

    Values come back as the driver gives them: on SQLite, dates and times are ISO text (see
    :func:`giftbalance.storage.queries.to_date`); on PostgreSQL, ``date`` and ``datetime``.
    """

    #: ``sqlite`` or ``postgresql``: the SQL is the same; parameters may need converting.
    dialect: str

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        raise NotImplementedError

    def one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row, or ``None``."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or ``None``."""
        row = self.one(sql, params)
        return None if row is None else row[0]


def _sqlite_params(params: Params | None) -> dict[str, object]:
    """Parameters as SQLite stores them: a date as ISO text (what SQLAlchemy writes)."""
    if not params:
        return {}
    converted: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, datetime):
            # SQLAlchemy stores date-times as "YYYY-MM-DD HH:MM:SS.ffffff" on SQLite; no hot
            # query compares one, so refuse rather than compare differently formatted text.
            raise TypeError(f"parameter {key}: date-times are not compared on the fast path")
        converted[key] = value.isoformat() if isinstance(value, date) else value
    return converted


class SqliteReader(Reader):
    """A read snapshot of a SQLite file through the standard library's ``sqlite3``."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        return self.connection.execute(sql, _sqlite_params(params)).fetchall()

    def close(self) -> None:
        """End the read transaction (nothing was written) and close the connection."""
        try:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
        finally:
            self.connection.close()


class SessionReader(Reader):
    """The same SQL through SQLAlchemy (``text()``), in a session or connection's transaction:
    on a server, and for domain code that already holds a session."""

    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        bind = session.get_bind() if hasattr(session, "get_bind") else session
        self.dialect = bind.dialect.name

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        from sqlalchemy import text

        values = _sqlite_params(params) if self.dialect == "sqlite" else dict(params or {})
        return [tuple(row) for row in self.session.execute(text(sql), values)]


def as_reader(source: Session | Reader) -> Reader:
    """``source`` itself when it is a :class:`Reader`, else a :class:`SessionReader` on it, so
    domain functions take either a command's reader or a session inside a write."""
    return source if isinstance(source, Reader) else SessionReader(source)


def configure_sqlite(connection: sqlite3.Connection, busy_timeout_s: int = BUSY_TIMEOUT_S) -> None:
    """Set up a new SQLite connection the way every giftbalance connection is: transactions
    begun by the caller, a busy timeout, foreign keys on, WAL (switched on once, by the first
    connection that finds it off) and ``synchronous = NORMAL`` (safe with WAL)."""
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def shared_file(path: Path) -> tuple[Path, int] | None:
    """The database, or the first of its side files, that other users can read, with its
    mode (SQLite gives the side files the database's mode when it opens them, but an old
    copy may differ: look before opening)."""
    for candidate in (path, *side_files(path)):
        try:
            mode = candidate.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            return candidate, stat.S_IMODE(mode)
    return None


def warn_shared(found: tuple[Path, int] | None) -> None:
    """Say on stderr how to make the file :func:`shared_file` found private."""
    if found is not None:
        candidate, mode = found
        print(
            f"Warning: {candidate} can be read by other users (mode {mode:o}); "
            f"run: chmod 600 {candidate}",
            file=sys.stderr,
        )


def warn_if_shared(path: Path) -> None:
    """:func:`warn_shared` about :func:`shared_file`."""
    warn_shared(shared_file(path))


def open_snapshot(path: Path) -> SqliteReader | None:
    """A read snapshot of the giftbalance database in the SQLite file ``path``, or ``None``
    when opening it takes :class:`~giftbalance.storage.db.Database`: the file is missing (it
    is created there, or its folder refused), its schema is at another revision (upgraded, or
    refused when newer), or it cannot be opened or read (the error is explained there)."""
    from giftbalance.storage.queries import sqlite_schema_revision

    shared = shared_file(path)  # before SQLite opens the side files (and changes their mode)
    try:
        # mode=rw: never create the file here (Database creates it whole, at head).
        connection = sqlite3.connect(
            "file:" + quote(str(path)) + "?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return None
    reader = SqliteReader(connection)
    try:
        configure_sqlite(connection)
        connection.execute("BEGIN")  # deferred: the snapshot starts at the first read
        revision = sqlite_schema_revision(reader)
    except sqlite3.Error:
        revision = None
    if revision == SCHEMA_HEAD:
        warn_shared(shared)
        return reader
    reader.close()
    # Database warns about the file itself; a side file SQLite has made private since, it
    # can no longer see.
    if shared is not None and shared[0] != path:
        warn_shared(shared)
    return None


@contextmanager
def snapshot(url: str, database: Callable[[], Database]) -> Iterator[Reader]:
    """One read snapshot of the database at ``url`` for a command: through ``sqlite3`` for a
    SQLite file at the current schema, else through ``database()``'s session (which creates,
    upgrades or refuses the database as every command does). A SQLite URL with options
    (``?...``) goes through SQLAlchemy too, which understands them."""
    path = sqlite_path(url) if "?" not in url else None
    fast = open_snapshot(path) if path is not None else None
    if fast is not None:
        try:
            yield fast
        finally:
            fast.close()
        return
    with database().read() as session:
        yield SessionReader(session)
