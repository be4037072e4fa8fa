"""Aligned plain-text tables for the terminal (no colour, so output pipes cleanly)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from giftbalance.values.money import Money, format_money


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """Columns padded to their widest cell; ``align`` has one ``l`` or ``r`` per column
    (missing letters mean left). ``None`` cells print empty; a cell with line breaks or tabs
    (a multi-line note) is put on one line."""
    cells = [[_one_line(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))
    sides = align.ljust(len(headers), "l")

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(widths[i]) if sides[i] == "r" else value.ljust(widths[i])
            for i, value in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def _one_line(value: object) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.split()) if "\n" in text or "\t" in text else text


def bare(minor: int, currency: str) -> str:
    """An amount in a table whose currency is said above it: ``1,234.50``."""
    return format_money(Money(minor, currency), code=False, grouping=True)


def dates_span(dates: Sequence[date]) -> str:
    """The dates of a recurring need's occurrences, short: ``2027-02-09``, or
    ``2026-11-30 to 2027-02-08, 6 dates``; empty for none."""
    if not dates:
        return ""
    if len(dates) == 1:
        return dates[0].isoformat()
    return f"{min(dates)} to {max(dates)}, {len(dates)} dates"
