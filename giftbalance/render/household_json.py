"""The ``--json`` shapes of ``need list``, ``need show`` and ``member list`` (docs/json.md).

Plain dictionaries and lists, ready for ``json.dumps``; amounts are decimal strings in the
need's currency (:func:`~giftbalance.values.money.data_money`), dates ISO 8601.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from giftbalance.household.reading import NeedView
from giftbalance.storage.queries import MemberRow
from giftbalance.values.dates import iso
from giftbalance.values.money import data_money

if TYPE_CHECKING:
    from giftbalance.household.needs import PurchaseView


def need_json(view: NeedView) -> dict[str, Any]:
    """One need, with its member's and account's names, its total and its due date."""
    from giftbalance.values.recurrence import describe

    need = view.need
    return {
        "id": need.id,
        "name": need.name,
        "status": need.status,
        "priority": need.priority,
        "unit_price": data_money(need.unit_price, need.currency),
        "currency": need.currency,
        "quantity": need.quantity,
        "total": data_money(view.total, need.currency),
        "need_by": iso(need.need_by),
        "every": need.rule,
        "every_text": describe(need.rule) if need.rule else None,
        "first_date": iso(need.first_date),
        "next_date": iso(need.next_date),
        "due": iso(view.due),
        "for": view.member,
        "account": view.account,
        "store": need.store,
        "url": need.url,
        "note": need.note,
        "created_at": iso(need.created_at),
        "closed_at": iso(need.closed_at),
    }


def purchase_json(view: PurchaseView) -> dict[str, Any]:
    """One purchase of a need: its spend entry, units, member, and whether it was undone."""
    entry = view.entry
    return {
        "id": view.purchase.id,
        "entry_id": entry.id,
        "date": iso(entry.occurred_on),
        "units": view.purchase.units,
        "paid": data_money(-entry.amount, entry.currency),
        "currency": entry.currency,
        "account": view.account,
        "for": view.member,
        "occurrence": iso(view.purchase.occurrence),
        "undone": view.undone,
    }


def needs_json(views: Sequence[NeedView], totals: Mapping[str, int]) -> dict[str, Any]:
    """The needs list and the open needs' total per currency."""
    return {
        "needs": [need_json(v) for v in views],
        "totals": [
            {"currency": c, "amount": data_money(amount, c)} for c, amount in totals.items()
        ],
    }


def members_json(rows: Sequence[MemberRow], open_needs: Mapping[int, int]) -> list[dict[str, Any]]:
    """The members with how many open needs each has."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "note": m.note,
            "open_needs": open_needs.get(m.id, 0),
            "created_at": iso(m.created_at),
            "removed_at": iso(m.removed_at),
        }
        for m in rows
    ]
