"""Expiring money: what is left of each redemption that carries an expiry date.

It reads through :mod:`giftbalance.storage.queries` (a command's reader, or a session), and
imports no SQLAlchemy itself, so ``giftbalance balance`` can show it without loading SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

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
    """What is left of each redemption that has an expiry date, soonest first.

    Money leaving the account is taken from the soonest-expiring lot first (the careful
    assumption, and what a plan spends first); money arriving without an expiry date does not
    refill lots, but undoing a spend puts back what it took. Reversing a redemption removes its
    lot.

    The cost does not follow the length of the ledger: the replay starts at the first expiring
    redemption, and whenever every lot is used up it jumps to the next entry that can change
    that (another expiring redemption, or the undo of a spend that took from a lot, or of a
    lot). An account that never had an expiring redemption costs a single lookup.
    """
    reader = as_reader(source)
    cursor = _next_lot_event(reader, account.id, 0, ())
    left: dict[int, int] = {}
    due: dict[int, date] = {}
    took: dict[int, list[tuple[int, int]]] = {}  # outflow entry -> (lot, amount) it took
    while cursor is not None:
        rows = queries.lot_events(reader, account.id, cursor, _LOT_BATCH)
        cursor = rows[-1].id + 1 if len(rows) == _LOT_BATCH else None
        for entry_id, kind, amount, expires_on, reverses_id in rows:
            _replay(left, due, took, entry_id, kind, amount, expires_on, reverses_id)
            if not any(left.values()):
                cursor = _next_lot_event(reader, account.id, entry_id, [*took, *left])
                break
    lots = [Lot(amount, due[i], i) for i, amount in left.items() if amount > 0]
    return sorted(lots, key=lambda lot: (lot.expires_on, lot.entry_id))


_LOT_BATCH = 2_000


def _replay(
    left: dict[int, int],
    due: dict[int, date],
    took: dict[int, list[tuple[int, int]]],
    entry_id: int,
    kind: str,
    amount: int,
    expires_on: date | None,
    reverses_id: int | None,
) -> None:
    """Apply one entry to the lots (``left``: what each still holds), in ledger order."""
    if kind == "redeem" and expires_on is not None:
        left[entry_id], due[entry_id] = amount, expires_on
        return
    if kind == "reversal" and reverses_id in took:
        # Undoing a spend puts back what it took from each lot still there.
        for lot_id, taken in took.pop(reverses_id):
            if lot_id in left:
                left[lot_id] += taken
                amount -= taken
    if kind == "reversal" and reverses_id in left:
        # The reversal takes back what is left of the lot; the rest came from other money.
        amount += left.pop(reverses_id)
    owed = -amount
    takes: list[tuple[int, int]] = []
    for lot_id in sorted(left, key=lambda i: (due[i], i)):
        if owed <= 0:
            break
        take = min(owed, left[lot_id])
        if take:
            left[lot_id] -= take
            takes.append((lot_id, take))
        owed -= take
    if takes:
        took[entry_id] = takes


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
