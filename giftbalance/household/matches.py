"""Store-import matches still to confirm: an ordered item that may have bought an open need.

The store import (:mod:`giftbalance.io.store`) writes them; ``giftbalance need bought ID
--order ORDER_ID`` confirms one; ``giftbalance remind`` reminds of those still open.
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
    account_id: int
    account: str
    currency: str
    order_id: str
    item: str | None
    ordered_on: date | None
    #: What the item cost (its line of the order), or the need's price when the item is gone.
    amount: int
    #: How alike the names are, 0 to 100.
    score: int

    @property
    def command(self) -> str:
        """What confirms it."""
        return f"giftbalance need bought {self.need_id} --order {self.order_id}"


def pending_matches(session: Session) -> list[PendingMatch]:
    """Every store-import match still ``to confirm`` whose need is still open, oldest first."""
    from sqlalchemy import func, select

    from giftbalance.storage.models import Account, Need, NeedMatch, OrderItem

    rows = session.execute(
        select(
            NeedMatch.id,
            Need.id,
            Need.name,
            Account.id,
            Account.name,
            Account.currency,
            NeedMatch.order_id,
            OrderItem.name,
            OrderItem.ordered_on,
            func.coalesce(OrderItem.amount, Need.unit_price),
            NeedMatch.score,
        )
        .join(Need, Need.id == NeedMatch.need_id)
        .join(Account, Account.id == NeedMatch.account_id)
        .outerjoin(OrderItem, OrderItem.id == NeedMatch.item_id)
        .where(NeedMatch.status == "to confirm", Need.status == "open")
        .order_by(NeedMatch.id)
    )
    return [PendingMatch(*row) for row in rows]
