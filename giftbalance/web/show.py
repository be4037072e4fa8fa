"""Template filters: values shown the way the command line shows them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from giftbalance.values.money import show_money


def money(minor: int, currency: str) -> str:
    """``1,234.50 USD``, as every command prints money."""
    return show_money(minor, currency)


def every(rule: str | None) -> str:
    """A recurrence rule in words (``every 2 weeks``), or ``""``."""
    if not rule:
        return ""
    from giftbalance.values.recurrence import describe

    return describe(rule)


def web_link(url: str | None) -> str | None:
    """``url`` when it is an ``http`` or ``https`` address (shown as a link), else ``None``
    (shown as plain text: a ``javascript:`` or ``data:`` URL must never be clickable)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def day(value: date | None) -> str:
    """``2026-11-30`` (ISO, as every command prints dates), or ``""``."""
    return value.isoformat() if value is not None else ""


def choices(names: list[str], empty: str | None = None) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a ``<select>``: ``empty`` first (value ``""``), if given."""
    return ([("", empty)] if empty is not None else []) + [(name, name) for name in names]


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money,
    "every": every,
    "web_link": web_link,
    "day": day,
    "choices": choices,
}
