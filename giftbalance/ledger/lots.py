"""Expiring money: what is left of each redemption that carries an expiry date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giftbalance.ledger.rules import Lots
from giftbalance.storage.models import Account, Entry


@dataclass(frozen=True, slots=True)
class Lot:
    """Part of a balance that expires: ``amount`` minor units unspent, gone on ``expires_on``."""

    amount: int
    expires_on: date
    entry_id: int


def expiring_lots(session: Session, account: Account) -> list[Lot]:
    """What is left of each redemption that has an expiry date, soonest first (the rules of
    :class:`giftbalance.ledger.rules.Lots`).

    The cost does not follow the length of the ledger: the replay starts at the first expiring
    redemption, and whenever every lot is used up it jumps to the next entry that can change
    that (another expiring redemption, or the undo of a spend that took from a lot, or of a
    lot). An account that never had an expiring redemption costs a single lookup.
    """
    cursor = _next_lot_event(session, account, 0, ())
    lots = Lots()
    while cursor is not None:
        rows = session.execute(
            select(Entry.id, Entry.kind, Entry.amount, Entry.expires_on, Entry.reverses_id)
            .where(Entry.account_id == account.id, Entry.id >= cursor)
            .order_by(Entry.id)
            .limit(_LOT_BATCH)
        ).all()
        cursor = rows[-1][0] + 1 if len(rows) == _LOT_BATCH else None
        for entry_id, kind, amount, expires_on, reverses_id in rows:
            lots.apply(entry_id, kind, amount, expires_on, reverses_id)
            if lots.empty():
                cursor = _next_lot_event(session, account, entry_id, lots.watched())
                break
    return [Lot(amount, expires_on, entry_id) for amount, expires_on, entry_id in lots.remaining()]


_LOT_BATCH = 2_000


def _next_lot_event(
    session: Session, account: Account, after: int, watched: Iterable[int]
) -> int | None:
    """The first entry after ``after`` that can change the lots once they are used up: an
    expiring redemption, or the reversal of one of the ``watched`` entries (the spends that took
    from a lot, and the lots). ``None`` when there is none."""
    found = session.scalar(
        select(func.min(Entry.id)).where(
            Entry.account_id == account.id, Entry.expires_on.is_not(None), Entry.id > after
        )
    )
    ids = list(watched)
    for start in range(0, len(ids), 500):  # reverses_id is unique, so each is an index lookup
        undo = session.scalar(
            select(func.min(Entry.id)).where(
                Entry.reverses_id.in_(ids[start : start + 500]), Entry.id > after
            )
        )
        if undo is not None and (found is None or undo < found):
            found = undo
    return found
