"""The ``--json`` shapes of ``balance``, ``log`` and ``account list`` (docs/json.md).

Plain dictionaries and lists, ready for ``json.dumps``; amounts are decimal strings in the
account's currency (:func:`~giftbalance.values.money.data_money`), dates ISO 8601.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from giftbalance.ledger.codes import mask
from giftbalance.ledger.lots import Lot
from giftbalance.ledger.reading import LogLine
from giftbalance.storage.queries import AccountRow
from giftbalance.values.dates import iso
from giftbalance.values.money import data_money


def balance_json(
    pairs: Sequence[tuple[AccountRow, int]],
    soonest: Mapping[int, Lot | None],
    totals: Mapping[str, int],
) -> dict[str, Any]:
    """Each account's balance and the part of it that expires first, and the totals per
    currency."""
    return {
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "store": a.store,
                "currency": a.currency,
                "balance": data_money(amount, a.currency),
                "expiring": (
                    {
                        "amount": data_money(lot.amount, a.currency),
                        "currency": a.currency,
                        "expires_on": iso(lot.expires_on),
                    }
                    if (lot := soonest[a.id])
                    else None
                ),
            }
            for a, amount in pairs
        ],
        "totals": [
            {"currency": currency, "balance": data_money(amount, currency)}
            for currency, amount in totals.items()
        ],
    }


def log_json(lines: Sequence[LogLine]) -> list[dict[str, Any]]:
    """The entries of the log, oldest first (a claim code only as ``****ABCD``)."""
    return [
        {
            "id": e.id,
            "date": iso(e.occurred_on),
            "account": line.account,
            "kind": e.kind,
            "amount": data_money(e.amount, e.currency),
            "currency": e.currency,
            "balance": data_money(e.balance_after, e.currency),
            "note": e.note,
            "from": e.giver,
            "expires": iso(e.expires_on),
            "code": mask(e.code_last4) or None,
            "reverses": e.reverses_id,
            "recorded_at": iso(e.recorded_at),
        }
        for line in lines
        for e in [line.entry]
    ]


def accounts_json(
    rows: Sequence[AccountRow], balances: Mapping[int, int], default_id: int | None
) -> list[dict[str, Any]]:
    """The accounts with their balances; ``default`` marks the default account."""
    return [
        {
            "id": a.id,
            "name": a.name,
            "store": a.store,
            "currency": a.currency,
            "balance": data_money(balances[a.id], a.currency),
            "tax_rate": a.tax_rate,
            "note": a.note,
            "default": a.id == default_id,
            "archived": a.archived_at is not None,
            "created_at": iso(a.created_at),
        }
        for a in rows
    ]
