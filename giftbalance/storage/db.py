"""Where the database is, how to connect to it, and keeping its schema current.

SQLite connections get foreign keys, WAL, a busy timeout, and write transactions that start
with ``BEGIN IMMEDIATE`` (so writers queue instead of failing half-way). On PostgreSQL a write
transaction takes a transaction-scoped advisory lock, which serialises writers the same way.

The schema is created and upgraded only through Alembic; alembic is imported only when the
stored revision differs from :data:`SCHEMA_HEAD`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from giftbalance.errors import DatabaseError, InputError
from giftbalance.storage.files import create_private, private_temp, publish_new, remove
from giftbalance.storage.paths import SIDE_SUFFIXES, default_db_path, side_files
from giftbalance.storage.paths import SUPPORTED_DATABASES as SUPPORTED_DATABASES
from giftbalance.storage.paths import resolve_url as resolve_url
from giftbalance.storage.paths import sqlite_path as sqlite_path
from giftbalance.storage.reader import BUSY_TIMEOUT_S as BUSY_TIMEOUT_S
from giftbalance.storage.reader import SessionReader, configure_sqlite, warn_if_shared
from giftbalance.storage.schema import SCHEMA_HEAD, alembic_config, known_revisions

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session

_WRITE_LOCK_KEY = 0x6769667462  # "giftb": the PostgreSQL advisory lock writers take


def _create_sqlite(path: Path) -> None:
    """Create a new SQLite database at ``path``, already in WAL mode with the schema at head.

    It is built under a private name beside ``path`` and linked into place only when complete,
    so a process that finds ``path`` never sees a half-made database, and several processes
    making it at once cannot get in each other's way: the first link wins and the others use
    that one. Raises :class:`OSError` when the folder cannot be written.
    """
    staged = private_temp(path, "new")
    try:
        staging = Database("sqlite:///" + str(staged), migrate=False)
        try:
            staging.upgrade()
        finally:
            staging.dispose()
        with suppress(FileExistsError):  # another process made it first: use theirs
            publish_new(staged, path)
    finally:
        for leftover in (staged, *side_files(staged)):
            remove(leftover)


def _disk_full(path: Path | None) -> bool:
    """Whether the file system holding ``path`` has (almost) no room left.

    SQLite reports a full disk as "disk I/O error" when it cannot even map its -shm file, so
    errors on opening are checked against the free space.
    """
    if path is None:
        return False
    try:
        info = os.statvfs(path.parent)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024


def _refuse_side_file(path: Path) -> None:
    """Refuse to open SQLite's ``-wal``, ``-shm`` or ``-journal`` file of another database as a
    database: creating one there would later be taken for that database's journal."""
    for suffix in SIDE_SUFFIXES:
        base = path.with_name(path.name.removesuffix(suffix))
        if path.name.endswith(suffix) and base != path and base.is_file():
            raise InputError(
                f"--db {path} is the {suffix} file of the database {base}, not a database; "
                f"use --db {base}"
            )


def _make_folder(path: Path) -> None:
    """Make the default database's folder (0700) when it is missing. Any other missing folder
    is refused: a typo in ``--db`` should not create folders and an empty database."""
    if path.parent.is_dir():
        return
    if path != default_db_path():
        raise DatabaseError(
            f"cannot create database {path}: the folder {path.parent} does not exist "
            "(check the path, or create the folder first)"
        )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot create the folder {path.parent}: {exc.strerror}") from None


class Database:
    """One database: an engine plus read and write transactions over it.

    ``pooled`` keeps SQLite connections open between transactions (for a server); commands
    open one connection and close it.
    """

    def __init__(self, url: str, *, migrate: bool = True, pooled: bool = False) -> None:
        from sqlalchemy import create_engine, event
        from sqlalchemy.pool import NullPool

        self.url = url
        self.path = sqlite_path(url)
        self.is_sqlite = url.startswith("sqlite")
        if self.path is not None:
            if self.path.is_dir():
                raise DatabaseError(f"cannot open database {self.path}: it is a folder")
            _refuse_side_file(self.path)
            _make_folder(self.path)
            try:
                if migrate and not self.path.exists():
                    _create_sqlite(self.path)
                else:
                    create_private(self.path)
            except FileExistsError:  # the usual case (or another process just created it)
                warn_if_shared(self.path)
            except OSError as exc:
                raise DatabaseError(f"cannot create database {self.path}: {exc.strerror}") from None
        kwargs: dict[str, Any] = {}
        if self.is_sqlite and pooled:
            # A long-running server (giftbalance serve) keeps its connections between requests;
            # each request still runs its own transactions.
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        elif self.is_sqlite:
            # One connection per command; NullPool keeps no file handle open between commands.
            kwargs["poolclass"] = NullPool
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        if migrate:
            self.ensure_schema()

    # -- schema -------------------------------------------------------------------------------

    def stored_revision(self) -> str | None:
        """The Alembic revision recorded in the database (``None`` for an empty database)."""
        with self.engine.connect() as conn:
            return _revision(conn)

    def ensure_schema(self) -> None:
        """Create the schema at head, or upgrade an older one after backing up the SQLite file.

        Several processes may find the same new (or old) database at once: the upgrade runs
        under the writers' lock and looks at the stored revision again once it holds it.
        """
        try:
            current = self.stored_revision()
        except Exception as exc:  # a file that is not a database, a server that is down
            raise DatabaseError(self._open_error(exc)) from None
        if current == SCHEMA_HEAD:
            return
        self._check_known(current)
        try:
            self.upgrade()
        except DatabaseError:
            raise
        except Exception as exc:
            raise DatabaseError(self._open_error(exc)) from None

    def _check_known(self, current: str | None) -> None:
        if current is not None and current not in known_revisions():
            raise DatabaseError(
                f"database {self.display} has schema {current}, newer than this giftbalance "
                f"({SCHEMA_HEAD}); upgrade giftbalance"
            )

    def _open_error(self, exc: BaseException) -> str:
        if _disk_full(self.path):
            return f"cannot open database {self.display}: the disk holding it is full"
        return f"cannot open database {self.display}: {_reason(exc)}"

    def upgrade(self, revision: str = "head") -> None:
        """Run the packaged Alembic migrations up to ``revision`` (imports alembic).

        Holds the writers' lock throughout; an older SQLite file is first copied to
        ``NAME.backup-YYYYmmdd-HHMMSS.db`` beside it.
        """
        from alembic import command
        from sqlalchemy import text

        config = alembic_config(self.url)
        with self.engine.connect() as conn:
            if self.is_sqlite:
                # A migration may rebuild a table (copy, drop, rename), which SQLite allows only
                # with foreign keys off; they cannot be switched inside a transaction, so they
                # go off before it begins and every reference is checked before the commit.
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            with conn.execution_options(giftbalance_write=True).begin():
                if self.engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
                current = _revision(conn)
                if revision == "head" and current == SCHEMA_HEAD:
                    return  # another process upgraded it while this one waited for the lock
                self._check_known(current)
                if current is not None and self.path is not None:
                    from giftbalance.storage.files import dated_name

                    backup = dated_name(self.path, "backup")
                    self.copy_sqlite_file(backup)
                    print(
                        f"Upgrading database schema {current} -> {SCHEMA_HEAD}; backup: {backup}",
                        file=sys.stderr,
                    )
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                if self.is_sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise DatabaseError(
                        f"upgrading {self.display} would leave a reference to a missing row; "
                        "nothing was changed (run giftbalance check with the older giftbalance)"
                    )

    def copy_sqlite_file(self, target: Path, *, replace: bool = False) -> None:
        """A consistent copy of the SQLite database (online backup API), mode 0600.

        See :func:`giftbalance.storage.sqlite.copy_sqlite`; raises :class:`FileExistsError` when
        ``target`` exists and ``replace`` is false.
        """
        from giftbalance.storage.sqlite import copy_sqlite

        assert self.path is not None
        copy_sqlite(self.path, target, replace=replace)

    # -- transactions -------------------------------------------------------------------------

    @property
    def display(self) -> str:
        """The database as shown to the user (a path, or the URL without its password)."""
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading, on one consistent snapshot; nothing it does is committed."""
        from sqlalchemy.orm import Session

        bind = self.engine
        if self.engine.dialect.name == "postgresql":
            # One snapshot for the whole command, as SQLite's read transaction gives: a report or
            # a check never mixes data from before and after another member's write.
            bind = self.engine.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: everything the block does is committed together, or nothing.

        On SQLite it starts with ``BEGIN IMMEDIATE``; on PostgreSQL it first takes the writers'
        advisory lock, so concurrent commands run one after another and see each other's effects.
        """
        from sqlalchemy import text
        from sqlalchemy.orm import Session

        bind = self.engine.execution_options(giftbalance_write=True)
        with Session(bind, expire_on_commit=False) as session, session.begin():
            if not self.is_sqlite and self.engine.dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
    configure_sqlite(dbapi_connection, BUSY_TIMEOUT_S)


def _revision(conn: Connection) -> str | None:
    """The stored revision, read with the fast path's query on SQLite (no reflection)."""
    from giftbalance.storage.queries import SCHEMA_REVISION, sqlite_schema_revision

    reader = SessionReader(conn)
    if reader.dialect == "sqlite":
        return sqlite_schema_revision(reader)
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return None
    revision = reader.scalar(SCHEMA_REVISION)
    return None if revision is None else str(revision)


def _sqlite_on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("giftbalance_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]
