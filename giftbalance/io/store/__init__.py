"""Importing the store's own records: the gift-card activity and the order history.

:mod:`~giftbalance.io.store.activity` reads the activity a user pastes from the gift-card
balance page, :mod:`~giftbalance.io.store.orders` the order history of the store's data
download, :mod:`~giftbalance.io.store.matching` matches ordered items to needs and
:mod:`~giftbalance.io.store.importer` plans and writes the import. Heavy modules are imported
where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class PendingMatch:
    """An unconfirmed store-import match: an open need an order's item may have bought."""

    match_id: int
    need_id: int
    need: str
    account: str
    order_id: str
    item: str | None
    ordered_on: date | None
    score: int

    @property
    def command(self) -> str:
        """What confirms it."""
        return f"giftbalance need bought {self.need_id} --order {self.order_id}"


def pending_matches(session: Session) -> list[PendingMatch]:
    """Every store-import match still ``to confirm`` whose need is still open, oldest first
    (for reminders: each one is settled by :attr:`PendingMatch.command`)."""
    from sqlalchemy import select

    from giftbalance.storage.models import Account, Need, NeedMatch, OrderItem

    rows = session.execute(
        select(
            NeedMatch.id,
            Need.id,
            Need.name,
            Account.name,
            NeedMatch.order_id,
            OrderItem.name,
            OrderItem.ordered_on,
            NeedMatch.score,
        )
        .join(Need, Need.id == NeedMatch.need_id)
        .join(Account, Account.id == NeedMatch.account_id)
        .outerjoin(OrderItem, OrderItem.id == NeedMatch.item_id)
        .where(NeedMatch.status == "to confirm", Need.status == "open")
        .order_by(NeedMatch.id)
    )
    return [PendingMatch(*row) for row in rows]
