"""The JSON shapes of the commands' ``--json`` output, built here and nowhere else.

Each function takes the domain's plain results and returns JSON-ready data (money as text with
the currency's exact digits, dates as ISO 8601); the commands only print it. The shapes are
documented in docs/json.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from giftbalance.values.dates import iso

if TYPE_CHECKING:
    from giftbalance.errors import Problem
    from giftbalance.household.contacts import ContactView


def contacts_json(rows: Sequence[ContactView]) -> list[dict[str, Any]]:
    """``giftbalance contact list --json``."""
    return [
        {
            "id": c.id,
            "when": iso(c.occurred_at),
            "channel": c.channel,
            "rep": c.rep,
            "case": c.case_ref,
            "account": view.account,
            "summary": c.summary,
            "outcome": c.outcome,
            "note": c.note,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
        }
        for view in rows
        for c in [view.contact]
    ]


def check_json(database: str, problems: Sequence[Problem]) -> dict[str, Any]:
    """``giftbalance check --json``."""
    return {
        "database": database,
        "clean": not problems,
        "problems": [{"table": p.table, "id": p.row_id, "problem": p.reason} for p in problems],
    }
