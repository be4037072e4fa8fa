"""What the page computed from the database (a plan, the needs list), kept until the data moves.

A plan over 1,000 needs takes tens of milliseconds to load and make; the page would spend all
its time on it. So each result is kept under the database's *data version*: today's date, the
``page_changes`` counter (raised by triggers on every write to the tables whose rows change in
place, whichever program writes) and the newest ids of the append-only ``entries`` and
``purchases``. Any write by the page or the command line moves the version, so the next load
computes afresh: a page never shows less than what was committed before it was asked for.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from giftbalance.values.dates import today

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from giftbalance.storage.db import Database

T = TypeVar("T")
Version = tuple[Any, ...]

_VERSION_SQL = (
    "SELECT (SELECT counter FROM page_changes WHERE id = 1), "
    "(SELECT max(id) FROM entries), (SELECT max(id) FROM purchases)"
)


def data_version(session: Session) -> Version:
    """The database's data version as seen by ``session``'s transaction."""
    from sqlalchemy import text

    counter, entry, purchase = session.execute(text(_VERSION_SQL)).one()
    return (today(), counter, entry, purchase)


class Snapshots:
    """Results of expensive reads, each kept under the data version it was read at.

    Thread-safe; one computation per name at a time, so a burst of requests after a write
    computes once and the others wait for it instead of doing the same work.
    """

    def __init__(self, db: Database, size: int = 64) -> None:
        self.db = db
        self.size = size
        self._kept: OrderedDict[tuple[Hashable, Version], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._file: tuple[int, int] | None = None

    def follow_file(self) -> None:
        """A SQLite file replaced under the server (``giftbalance restore``) is reopened: the
        pooled connections of the old file are dropped."""
        if self.db.path is None:
            return
        try:
            stat = os.stat(self.db.path)
        except OSError:
            return
        identity = (stat.st_dev, stat.st_ino)
        if self._file is not None and identity != self._file:
            self.db.engine.dispose()
            with self._lock:
                self._kept.clear()
        self._file = identity

    def _found(self, key: tuple[Hashable, Version]) -> tuple[bool, Any]:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return True, self._kept[key]
        return False, None

    def get(self, name: Hashable, version: Version, compute: Callable[[Session], T]) -> T:
        """``compute(session)``'s result for data version ``version`` (or newer), kept."""
        found, value = self._found((name, version))
        if found:
            kept: T = value
            return kept
        with self._lock:
            gate = self._computing.setdefault(name, threading.Lock())
        with gate:
            found, value = self._found((name, version))
            if found:
                again: T = value
                return again
            with self.db.read() as session:
                actual = data_version(session)
                result = compute(session)
            with self._lock:
                self._kept[(name, actual)] = result
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            return result
