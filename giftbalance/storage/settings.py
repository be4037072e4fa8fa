"""User settings kept in the database: ``week_start``, ``default_account`` and ``page_url``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from giftbalance.errors import InputError
from giftbalance.storage import queries
from giftbalance.storage.reader import SessionReader
from giftbalance.values.dates import WEEKDAYS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from giftbalance.storage.reader import Reader

DEFAULTS: dict[str, str] = {"week_start": "monday", "default_account": "", "page_url": ""}
_MAX_ID = 2**31 - 1  # ids are INTEGER columns (32-bit on PostgreSQL)
DESCRIPTIONS = {
    "week_start": "first day of the week for plans and reports (monday or sunday)",
    "default_account": "account used when a command is given no --account",
    "page_url": "the household page's address that member sign-in links start with",
}


def check_key(key: str) -> str:
    if key not in DEFAULTS:
        # notify_urls is a setting too, kept outside the database (storage/notify_urls.py).
        known = ", ".join([*DEFAULTS, "notify_urls"])
        raise InputError(f"unknown setting {key!r} (known: {known})")
    return key


def value(reader: Reader, key: str) -> str:
    """The stored value of ``key``, or its default."""
    stored = queries.setting(reader, check_key(key))
    return DEFAULTS[key] if stored is None else stored


def get(session: Session, key: str) -> str:
    """:func:`value` inside a session (it sees what the session has not committed yet)."""
    return value(SessionReader(session), key)


def all_settings(reader: Reader) -> dict[str, str]:
    """Every setting's value (stored, or its default)."""
    return {key: value(reader, key) for key in DEFAULTS}


def put(session: Session, key: str, value: str) -> None:
    """Store ``value`` (already validated by :func:`validate`)."""
    from giftbalance.storage.models import Setting

    row = session.get(Setting, check_key(key))
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def stored_problem(key: str, value: object) -> str | None:
    """What is wrong with a stored setting (from a restored file), or ``None``: an unknown key,
    a ``week_start`` other than monday or sunday, a ``default_account`` that is not empty or an
    account id in digits 0-9. Whether that account exists is the caller's question."""
    if key not in DEFAULTS:
        return f"unknown setting {key!r} (known: {', '.join(DEFAULTS)})"
    if not isinstance(value, str):
        return f"{key} must be text"
    if key == "week_start" and value not in WEEKDAYS:
        return f"week_start must be one of {', '.join(WEEKDAYS)}, not {value[:40]!r}"
    if (
        key == "default_account"
        and value
        and not (value.isascii() and value.isdigit() and int(value[:11]) <= _MAX_ID)
    ):
        return f"default_account must be an account id, not {value[:40]!r}"
    return None


def validate_week_start(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in WEEKDAYS:
        raise InputError(f"week_start must be one of {', '.join(WEEKDAYS)}, not {value!r}")
    return lowered
