"""Whole numbers as users type them (ids, quantities, units, weeks, limits), and what a
database column can hold.

Python's ``int()`` reads far more than a person means by a number: ``"٥"`` (an Arabic-Indic
five), ``"1_000"``, ``"+5"``, and digit strings of any length. A number giftbalance reads is
plain ASCII digits and fits the column it is stored in or compared with, so an id the database
cannot hold is refused here instead of overflowing in the database driver.
"""

from __future__ import annotations

import re
import unicodedata

from giftbalance.errors import InputError

#: The largest value of a 64-bit signed integer column (SQLite INTEGER, PostgreSQL BIGINT).
INT64_MAX = 2**63 - 1
#: The largest value of a 32-bit signed integer column (PostgreSQL INTEGER: ids, quantities).
INT32_MAX = 2**31 - 1

_WHOLE = re.compile(r"[0-9]+")


def foreign_digit(text: str) -> str | None:
    """The first character of ``text`` that is a digit or number but not one of ``0``-``9``
    (``٥``, ``５``, ``²``, ``Ⅻ``), if any: numbers are read in ASCII digits only."""
    for ch in text:
        if not ch.isascii() and (ch.isdigit() or ch.isnumeric()):
            return ch
    return None


def digit_hint(text: str) -> str:
    """`` (type the digits 0-9, not 'X' U+...)`` when ``text`` holds a digit of another script,
    else an empty string: the end of a refusal message."""
    found = foreign_digit(text)
    if found is None:
        return ""
    name = unicodedata.name(found, "").lower() or "a digit of another script"
    return f" (type the digits 0-9, not {found!r}, {name})"


def parse_whole(text: str, what: str, *, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    """A whole number typed as ASCII digits (white space around it is fine), from ``minimum``
    to ``maximum``. Refuses signs, decimals, separators, digits of other scripts and numbers
    out of range, naming ``what``. Raises :class:`InputError`."""
    raw = text.strip() if isinstance(text, str) else ""
    if not _WHOLE.fullmatch(raw):
        shown = repr(text) if len(repr(text)) <= 42 else repr(text)[:38] + "...'"
        raise InputError(
            f"{what} {shown} is not a whole number"
            + (digit_hint(raw) or " (type it in the digits 0-9, no sign)")
        )
    # Checked on the digits first: int() refuses very long digit strings with its own error.
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or not minimum <= int(digits) <= maximum:
        raise InputError(f"{what} {_short(raw)} is not in the range {minimum:,} to {maximum:,}")
    return int(digits)


def _short(digits: str) -> str:
    return digits if len(digits) <= 24 else f"{digits[:20]}... ({len(digits)} digits)"
