"""Expiring money: what is left of each redemption that carries an expiry date.

It reads through :mod:`giftbalance.storage.queries` (a command's reader, or a session), and
imports no SQLAlchemy itself, so ``giftbalance balance`` can show it without loading SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from giftbalance.ledger.rules import Lots
from giftbalance.storage import queries
from giftbalance.storage.reader import Reader, as_reader

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from giftbalance.storage.models import Account
    from giftbalance.storage.queries import AccountRow


@dataclass(frozen=True, slots=True)
class Lot:
    """Part of a balance that expires: ``amount`` minor units unspent, gone on ``expires_on``."""

    amount: int
    expires_on: date
    entry_id: int


def expiring_lots(source: Session | Reader, account: Account | AccountRow) -> list[Lot]:
    """What is left of each redemption that has an expiry date, soonest first (the rules of
    :class:`giftbalance.ledger.rules.Lots`).

    The cost does not follow the length of the ledger: the replay starts at the first expiring
    redemption, and whenever every lot is used up it jumps to the next entry that can change
    that (another expiring redemption, or the undo of a spend that took from a lot, or of a
    lot). An account that never had an expiring redemption costs a single lookup.
    """
    reader = as_reader(source)
    cursor = _next_lot_event(reader, account.id, 0, ())
    lots = Lots()
    while cursor is not None:
        rows = queries.lot_events(reader, account.id, cursor, _LOT_BATCH)
        cursor = rows[-1].id + 1 if len(rows) == _LOT_BATCH else None
        for entry_id, kind, amount, expires_on, reverses_id in rows:
            lots.apply(entry_id, kind, amount, expires_on, reverses_id)
            if lots.empty():
                cursor = _next_lot_event(reader, account.id, entry_id, lots.watched())
                break
    return [Lot(amount, expires_on, entry_id) for amount, expires_on, entry_id in lots.remaining()]


_LOT_BATCH = 2_000


def _next_lot_event(
    reader: Reader, account_id: int, after: int, watched: Sequence[int]
) -> int | None:
    """The first entry after ``after`` that can change the lots once they are used up: an
    expiring redemption, or the reversal of one of the ``watched`` entries (the spends that took
    from a lot, and the lots). ``None`` when there is none."""
    found = queries.next_expiring(reader, account_id, after)
    for start in range(0, len(watched), 500):  # reverses_id is unique: each is an index lookup
        undo = queries.next_reversal(reader, watched[start : start + 500], after)
        if undo is not None and (found is None or undo < found):
            found = undo
    return found
