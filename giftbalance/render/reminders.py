"""Reminders as text lines, as JSON (``giftbalance remind --json``) and as a notification.

One line per reminder, ``[ID] text``: the id is what ``giftbalance remind --done ID`` takes.
The JSON shape is ``{"reminders": [{"id", "kind", "account", "amount", "currency", "date",
"text"}]}`` (documented in docs/json.md): money as a string with the currency's digits,
``date`` the ISO date the reminder is about, ``null`` where a field does not apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from giftbalance.values.money import data_money

if TYPE_CHECKING:
    from collections.abc import Sequence

    from giftbalance.report.reminder_state import Listed


def reminder_line(item: Listed) -> str:
    """``[3] Family: 25.00 USD expires in 7 days ...``."""
    return f"[{item.id}] {item.reminder.text}"


def reminders_text(items: Sequence[Listed]) -> str:
    """One line per reminder (an empty string for none, so nothing is printed)."""
    return "".join(reminder_line(item) + "\n" for item in items)


def reminder_dict(item: Listed) -> dict[str, Any]:
    reminder = item.reminder
    amount = (
        data_money(reminder.amount, reminder.currency)
        if reminder.amount is not None and reminder.currency is not None
        else None
    )
    return {
        "id": item.id,
        "kind": reminder.kind,
        "account": reminder.account,
        "amount": amount,
        "currency": reminder.currency if amount is not None else None,
        "date": reminder.day.isoformat() if reminder.day is not None else None,
        "text": reminder.text,
        "sent": item.sent,
    }


def reminders_json(items: Sequence[Listed]) -> dict[str, Any]:
    """The ``--json`` document."""
    return {"reminders": [reminder_dict(item) for item in items]}


def reminders_title(items: Sequence[Listed]) -> str:
    """A notification's title: how many reminders it carries."""
    if len(items) == 1:
        return "giftbalance: 1 reminder"
    return f"giftbalance: {len(items)} reminders"
