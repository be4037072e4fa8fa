"""The needs list: things the household needs, bought with the gift balance.

Needs are not the ledger: they are edited in place. What was bought is recorded append-only
as a :class:`~giftbalance.models.Purchase` beside the ledger's spend entry.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from giftbalance.models import Entry, Need, Purchase


def on_reversed(session: Session, entry: Entry) -> str | None:
    """Reopen the need bought by ``entry`` after that spend was reversed.

    A one-off need gets its units back and is open again (unless it was removed since); a
    recurring need goes back to the occurrence that was bought, if that is earlier than the one
    it waits for now. Returns a line for the user, or ``None`` when the entry bought no need.
    """
    purchase = session.scalars(select(Purchase).where(Purchase.entry_id == entry.id)).first()
    if purchase is None:
        return None
    need = session.get(Need, purchase.need_id)
    if need is None or need.status == "removed":
        return None
    if need.rule is not None:
        if purchase.occurrence is not None and (
            need.next_date is None or purchase.occurrence < need.next_date
        ):
            need.next_date = purchase.occurrence
        need.status, need.closed_at = "open", None
        return f"Need {need.id} ({need.name}) is due again on {need.next_date}."
    if need.status == "bought":
        need.quantity = purchase.units
    else:
        need.quantity += purchase.units
    need.status, need.closed_at = "open", None
    return f"Need {need.id} ({need.name}) is open again ({need.quantity} wanted)."
