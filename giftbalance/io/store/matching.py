"""Which open needs an order's items bought. Pure: plain facts in, matches out.

An item matches a need when their names are alike (rapidfuzz's token-set ratio, after its
default clean-up: case, punctuation), its unit price is within 10 % of the need's, and it was
ordered on or after the day the need was added. A need and an item are each matched at most
once, best score first. A score of :data:`CONFIDENT` or more records the need as bought; from
:data:`UNSURE` up to it the need is listed as ``to confirm``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

CONFIDENT = 90
UNSURE = 50
#: How far an item's unit price may be from the need's: 10 %.
PRICE_TOLERANCE_PERCENT = 10


@dataclass(frozen=True, slots=True)
class NeedFacts:
    id: int
    name: str
    unit_price: int
    quantity: int
    added_on: date


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """An item of an order paid from the gift balance; ``ref`` is the caller's handle on it."""

    ref: int
    order_id: str
    ordered_on: date
    name: str
    unit_price: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Match:
    need: NeedFacts
    item: ItemFacts
    score: int

    @property
    def confident(self) -> bool:
        return self.score >= CONFIDENT


def price_close(item_price: int, need_price: int) -> bool:
    """Whether ``item_price`` is within 10 % of ``need_price`` (exact integer arithmetic)."""
    return 100 * abs(item_price - need_price) <= PRICE_TOLERANCE_PERCENT * need_price


def match_needs(items: Sequence[ItemFacts], needs: Sequence[NeedFacts]) -> list[Match]:
    """The matches between ``items`` and ``needs``, best first (see the module doc)."""
    from rapidfuzz import fuzz, process, utils

    # Items by unit price: each need scores only those within 10 % of its price, in one C call.
    by_price = sorted(items, key=lambda item: item.unit_price)
    prices = [item.unit_price for item in by_price]
    texts = [utils.default_process(item.name) for item in by_price]
    candidates: list[Match] = []
    for need in needs:
        low = bisect.bisect_left(prices, need.unit_price - need.unit_price // 10 - 1)
        high = bisect.bisect_right(prices, need.unit_price + need.unit_price // 10 + 1)
        if low >= high:
            continue
        found = process.extract(
            utils.default_process(need.name),
            texts[low:high],
            scorer=fuzz.token_set_ratio,
            processor=None,
            score_cutoff=UNSURE,
            limit=None,
        )
        for _, score, at in found:
            item = by_price[low + at]
            if item.ordered_on >= need.added_on and price_close(item.unit_price, need.unit_price):
                candidates.append(Match(need, item, int(score)))
    candidates.sort(key=lambda m: (-m.score, m.item.ordered_on, m.need.id, m.item.ref))
    taken_needs: set[int] = set()
    taken_items: set[int] = set()
    chosen = []
    for match in candidates:
        if match.need.id in taken_needs or match.item.ref in taken_items:
            continue
        taken_needs.add(match.need.id)
        taken_items.add(match.item.ref)
        chosen.append(match)
    return chosen
