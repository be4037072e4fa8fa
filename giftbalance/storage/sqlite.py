"""SQLite files: the side files SQLite keeps, and consistent copies made while others write."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from giftbalance.storage.files import fsync_path, private_temp, publish_new, remove, side_files

__all__ = ["LOCK_WAIT_S", "backup_into", "connect", "copy_sqlite", "side_files"]

#: How long a copy waits for a writer to finish, in seconds.
LOCK_WAIT_S = 60


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection (none of giftbalance's pragmas, so no WAL switch)."""
    if read_only:
        uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_S, isolation_level=None)
    return sqlite3.connect(path, timeout=LOCK_WAIT_S, isolation_level=None)


def backup_into(source: Path, dest: Path, *, read_only: bool = False) -> None:
    """Copy ``source`` into the (new, empty) file ``dest`` with SQLite's online backup API and
    switch the copy to a rollback journal, so it is one self-contained file.

    Reading a WAL-mode ``source`` read-only makes SQLite create its ``-wal`` and ``-shm``, and
    a read-only connection cannot remove them on close: those it created (an empty ``-wal``,
    and the ``-shm`` beside it) are removed afterwards, so reading a file leaves none behind.
    """
    sides = side_files(source)[:2]
    there_before = {side for side in sides if side.exists()}
    src = connect(source, read_only=read_only)
    try:
        dst = connect(dest)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
        wal, shm = sides
        if read_only and not there_before and wal.exists() and wal.stat().st_size == 0:
            remove(wal)
            remove(shm)


def copy_sqlite(source: Path, target: Path, *, replace: bool = False) -> None:
    """Write a consistent copy of the SQLite database ``source`` to ``target``, mode 0600.

    The copy is one read transaction of SQLite's online backup API, so writers elsewhere carry
    on and the copy holds exactly the transactions committed when it started. It is written to
    a temporary file beside ``target``, switched to a rollback journal (one self-contained file,
    no ``-wal``), synced, and only then put in place: a crash leaves no half-written ``target``.

    Raises :class:`FileExistsError` when ``target`` exists and ``replace`` is false, and
    ``sqlite3.Error`` when ``source`` cannot be read.
    """
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.exists() and not replace:
        raise FileExistsError(target)
    temp = private_temp(target)
    try:
        backup_into(source, temp)
        fsync_path(temp)
        if replace:
            os.replace(temp, target)
        else:
            publish_new(temp, target)
        fsync_path(target.parent)
    finally:
        remove(temp)
