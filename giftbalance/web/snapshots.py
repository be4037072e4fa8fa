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


def without_ledger(version: Version) -> Version:
    """The part of a data version that results not read from the ledger depend on: the date
    and the counter of in-place writes (a purchase also changes its need, so it moves that)."""
    return version[:2]


def covers(kept: Version, wanted: Version) -> bool:
    """Whether a result read at data version ``kept`` shows everything committed by data version
    ``wanted``: the same day, and no counter or id behind (a newer result is as good)."""
    if len(kept) != len(wanted) or kept[:1] != wanted[:1]:
        return False
    return all((k or 0) >= (w or 0) for k, w in zip(kept[1:], wanted[1:], strict=True))


class Snapshots:
    """Results of expensive reads, each kept with the data version it was read at.

    A request is answered with a kept result when that result is at least as new as the data
    the request saw when it began (:func:`covers`), so while the command line writes in a loop,
    every request that arrived during one computation shares its result instead of starting
    another. Thread-safe; one computation per name at a time.
    """

    def __init__(self, db: Database, size: int = 64) -> None:
        self.db = db
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[Version, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._file: tuple[int, int] | None = None
        # Requests read the data version one at a time, so each reads a version at least as
        # new as the one before it; one that is older means the database went back (a restore
        # writes an older copy into the file): then nothing kept can be trusted.
        self._order = threading.Lock()
        self._newest: Version | None = None
        self._generation = 0

    def begin(self, read: Callable[[Session], T]) -> tuple[T, Version]:
        """``read(session)`` and the data version, in one transaction started after every
        earlier request's (the starting point of a request; see :meth:`get`)."""
        self.follow_file()
        with self._order, self.db.read() as session:
            version = data_version(session)
            result = read(session)
            newest = self._newest
            if newest is not None and newest[:1] == version[:1] and not covers(version, newest):
                self._forget()
            self._newest = version
        return result, version

    def _forget(self) -> None:
        with self._lock:
            self._kept.clear()
            self._generation += 1

    def follow_file(self) -> None:
        """A SQLite file replaced under the server (``giftbalance restore``) is reopened: the
        pooled connections of the old file are dropped, and everything kept from it."""
        if self.db.path is None:
            return
        try:
            stat = os.stat(self.db.path)
        except OSError:
            return
        identity = (stat.st_dev, stat.st_ino)
        if self._file is not None and identity != self._file:
            self.db.engine.dispose()
            self._forget()
        self._file = identity

    def _found(self, name: Hashable, wanted: Version) -> tuple[bool, Any]:
        with self._lock:
            entry = self._kept.get(name)
            if entry is not None and covers(entry[0], wanted):
                self._kept.move_to_end(name)
                return True, entry[1]
        return False, None

    def _keep(self, name: Hashable, version: Version, value: Any, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # read before the database went back: not to be kept
            entry = self._kept.get(name)
            if entry is None or covers(version, entry[0]):
                self._kept[name] = (version, value)
                self._kept.move_to_end(name)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def get(
        self,
        name: Hashable,
        version: Version,
        compute: Callable[[Session], T],
        *,
        ledger: bool = True,
    ) -> T:
        """``compute(session)``'s result for data version ``version`` (or newer), kept; with
        ``ledger=False`` the result does not read the ledger, and new entries keep it."""
        shape = (lambda v: v) if ledger else without_ledger
        found, value = self._found(name, shape(version))
        if found:
            kept: T = value
            return kept
        with self._lock:
            gate = self._computing.setdefault(name, threading.Lock())
        with gate:
            # Whoever held the gate may have read data newer than this request began with.
            found, value = self._found(name, shape(version))
            if found:
                shared: T = value
                return shared
            generation = self._generation
            with self.db.read() as session:
                actual = data_version(session)
                result = compute(session)
            self._keep(name, shape(actual), result, generation)
            return result

    def within(
        self,
        session: Session,
        name: Hashable,
        compute: Callable[[Session], T],
        *,
        ledger: bool = True,
    ) -> T:
        """Like :meth:`get`, inside a computation that already holds ``session``: what is
        kept is used only when it was read at exactly this transaction's data version, and
        otherwise it is read in this same transaction, so the parts of a page always come from
        one consistent state of the database."""
        shape = (lambda v: v) if ledger else without_ledger
        version = shape(data_version(session))
        with self._lock:
            entry = self._kept.get(name)
            generation = self._generation
        if entry is not None and entry[0] == version:
            exact: T = entry[1]
            return exact
        result = compute(session)
        self._keep(name, version, result, generation)
        return result
