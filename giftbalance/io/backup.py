"""Backup and restore: keeping a giftbalance database safe.

``backup`` and ``restore`` work on SQLite files, through SQLite's online backup API, so they are
safe while other giftbalance processes read and write; a restore first passes the file through
``giftbalance check`` (:mod:`giftbalance.io.check`). On PostgreSQL, backups are the server's
business (``pg_dump`` and ``pg_restore``; docs/safety.md), and :func:`backup` and
:func:`restore` refuse with that hint.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from giftbalance.errors import DatabaseError, Problem, Refused
from giftbalance.io.check import session_problems
from giftbalance.storage.files import (
    check_path,
    copy_bytes,
    dated_name,
    fsync_path,
    guard_outputs,
    private_temp,
    remove,
    same_file,
)
from giftbalance.storage.sqlite import backup_into, connect, copy_sqlite, side_files

if TYPE_CHECKING:
    pass

PG_BACKUP_HINT = (
    "on PostgreSQL, back up with the server's tools: pg_dump -Fc -f FILE DBNAME "
    "(restore with: pg_restore --clean -d DBNAME FILE)"
)


# -- backup ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """What a giftbalance SQLite file holds, as shown before a restore and after a backup."""

    revision: str | None
    accounts: int
    entries: int
    latest: date | None
    size: int


def summarise(path: Path) -> Summary:
    """Read the schema revision and counts of a giftbalance SQLite file (read-only)."""
    conn = connect(path, read_only=True)
    try:
        return _summary(conn, path)
    finally:
        conn.close()


def _summary(conn: sqlite3.Connection, path: Path) -> Summary:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def scalar(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    revision = (
        scalar("SELECT version_num FROM alembic_version") if "alembic_version" in tables else None
    )
    accounts = scalar("SELECT count(*) FROM accounts") if "accounts" in tables else 0
    entries = scalar("SELECT count(*) FROM entries") if "entries" in tables else 0
    latest = scalar("SELECT max(occurred_on) FROM entries") if "entries" in tables else None
    return Summary(
        revision=revision,
        accounts=accounts,
        entries=entries,
        latest=date.fromisoformat(latest) if latest else None,
        size=path.stat().st_size,
    )


def _require_sqlite(db_path: Path | None, what: str) -> Path:
    if db_path is None:
        raise Refused(f"{what} works on SQLite files; {PG_BACKUP_HINT}")
    return db_path


def backup(db_path: Path | None, target: Path, *, replace: bool = False) -> Summary:
    """Copy the database at ``db_path`` to ``target`` (mode 0600) while others may write.

    ``db_path`` is ``None`` for a server database (refused: use pg_dump). Refuses an existing
    ``target`` unless ``replace``, a database that does not exist yet, and (exit 2) a
    ``target`` that is the database, one of its side files or a file of the config folder
    (:func:`~giftbalance.storage.files.guard_outputs`). Returns what the copy holds.
    """
    source = _require_sqlite(db_path, "backup")
    target = target.expanduser().absolute()
    guard_outputs([("", target)], database=source, replaces_databases=True)
    if not source.exists():
        raise Refused(f"there is no database at {source} yet; nothing to back up")
    if target.is_dir():
        raise Refused(f"{target} is a folder; give the backup a file name")
    try:
        copy_sqlite(source, target, replace=replace)
    except FileExistsError:
        raise Refused(f"{target} exists already; pass --yes to replace it") from None
    except sqlite3.Error as exc:  # a damaged database, or no room for the copy
        raise DatabaseError(f"cannot back up {source} to {target}: {exc}") from None
    except OSError as exc:
        raise Refused(f"cannot write {target}: {exc.strerror or exc}") from None
    return summarise(target)


# -- restore -----------------------------------------------------------------------------------


@dataclass
class StagedRestore:
    """A backup copied beside the database and checked, ready to be put in place."""

    source: Path
    target: Path
    staged: Path
    summary: Summary
    #: Where :func:`install` saved the database it replaced (``None``: there was none).
    previous: Path | None = field(default=None)


class BadBackup(Refused):
    """The file offered to restore is not a sound giftbalance database; ``problems`` says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@contextmanager
def staged_restore(db_path: Path | None, source: Path) -> Iterator[StagedRestore]:
    """Copy ``source`` beside the database at ``db_path`` and check the copy.

    The copy must open as SQLite, pass ``integrity_check`` and ``foreign_key_check``, carry a
    schema revision this giftbalance knows (an older one is upgraded on next use) and satisfy
    the ledger's invariants; otherwise :class:`BadBackup` is raised (exit 1) and nothing
    changes. The staged copy is removed when the block ends, unless :func:`install` used it.
    """
    from giftbalance.storage.schema import SCHEMA_HEAD, known_revisions

    target = _require_sqlite(db_path, "restore")
    source = check_path(source).expanduser().absolute()
    if not source.is_file():
        raise Refused(f"no backup file at {source}")
    if same_file(source, target):
        raise Refused(f"{source} is the database itself; nothing to restore")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staged = private_temp(target)
    try:
        try:
            backup_into(source, staged, read_only=True)
        except sqlite3.OperationalError as exc:  # no room beside the database, say
            raise DatabaseError(f"cannot copy {source} beside {target}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise BadBackup(f"{source} is not a readable SQLite database ({exc})") from None
        summary = summarise(staged)
        if summary.revision is None:
            raise BadBackup(f"{source} is not a giftbalance database (it has no schema version)")
        if summary.revision not in known_revisions():
            raise BadBackup(
                f"{source} has schema {summary.revision}, newer than this giftbalance "
                f"({SCHEMA_HEAD}); upgrade giftbalance first"
            )
        try:
            problems = _check_file(staged)
        except Exception as exc:  # tables of another shape than giftbalance's
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise BadBackup(f"{source} does not hold giftbalance's tables ({reason})") from None
        if problems:
            raise BadBackup(
                f"{source} fails the check ({len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''}); not restored",
                problems,
            )
        fsync_path(staged)
        yield StagedRestore(source, target, staged, summary)
    finally:
        remove(staged)


def _check_file(path: Path) -> list[Problem]:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    engine = create_engine("sqlite:///" + str(path), poolclass=NullPool)
    try:
        with Session(engine) as session:
            return session_problems(session)
    finally:
        engine.dispose()


def install(staged: StagedRestore, *, keep_previous: bool = True) -> None:
    """Make the staged backup the database; a crash at any moment leaves the old or the new one.

    When the database exists and opens, the staged copy is written INTO it with SQLite's backup
    API: one write transaction, committed atomically by SQLite's own journal, that waits for
    writers in progress and that other processes simply see as a newer version (no file is
    swapped under an open connection, so no stale ``-wal`` can ever meet the new file). The old
    content is first saved as ``NAME.before-restore-YYYYmmdd-HHMMSS.db`` unless
    ``keep_previous`` is false.

    When there is no database yet, or the file is damaged beyond opening, the staged file is
    renamed over it (``os.replace``, then the folder is synced), after removing the damaged
    file's ``-wal``/``-shm``/``-journal`` (before the rename: a stale WAL must never be replayed
    into the new file). The result is mode 0600 either way.
    """
    target = staged.target
    live = _open_live(target)
    if live is not None:
        try:
            _write_into(live, staged, keep_previous=keep_previous)
        except sqlite3.OperationalError:  # locked, full, read-only: nothing was written
            raise
        except sqlite3.DatabaseError:  # damaged pages: SQLite cannot write into it
            staged.previous = None
        else:
            os.chmod(target, 0o600)
            return
        finally:
            live.close()
    _replace_file(staged, keep_previous=keep_previous)


def _write_into(live: sqlite3.Connection, staged: StagedRestore, *, keep_previous: bool) -> None:
    if keep_previous:
        staged.previous = dated_name(staged.target, "before-restore")
        copy_sqlite(staged.target, staged.previous)
    src = connect(staged.staged)
    try:
        page_size = live.execute("PRAGMA page_size").fetchone()[0]
        if src.execute("PRAGMA page_size").fetchone()[0] != page_size:
            # A WAL database cannot change its page size; rebuild the copy to match.
            src.execute(f"PRAGMA page_size = {int(page_size)}")
            src.execute("VACUUM")
        src.backup(live)
    finally:
        src.close()
    with suppress(sqlite3.Error):  # housekeeping only, never waits: the restore is committed
        live.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _replace_file(staged: StagedRestore, *, keep_previous: bool) -> None:
    target = staged.target
    if keep_previous and target.exists():
        staged.previous = dated_name(target, "damaged")
        copy_bytes(target, staged.previous)
    # The side files go first: a crash after the rename but before their removal would
    # otherwise leave the old database's WAL to be replayed into the new one.
    for side in side_files(target):
        remove(side)
    os.replace(staged.staged, target)
    fsync_path(target.parent)
    os.chmod(target, 0o600)


def _open_live(target: Path) -> sqlite3.Connection | None:
    """A connection to the current database, or ``None`` when it is missing or is not a
    database at all (a locked or unreadable one raises)."""
    if not target.exists():
        return None
    conn = connect(target)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        raise
    except sqlite3.DatabaseError:
        conn.close()
        return None
    return conn
