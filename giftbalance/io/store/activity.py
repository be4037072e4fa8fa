"""The gift-card activity a user pastes from the store's gift-card balance page. Pure.

The page lists every change of the gift balance, newest first, with four columns: Date,
Description, Amount and the closing Balance. There is no download: users select the table and
paste it into a text file (tab-separated; a CSV with the same four columns is read too). Dates
and amounts are written the store's way (:data:`~giftbalance.values.vocabulary.STORE_LOCALES`).

Each row becomes an :class:`ActivityRow` with its kind (a row naming an order is a spend when
money left, a refund when it came back; a row naming none is a redemption, or an adjustment
when money left) and a stable source key, so the same row pasted again is recognised.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from giftbalance.errors import BadRows, InputError, Problem
from giftbalance.values.dates import DateError, parse_local_date
from giftbalance.values.money import MoneyError, parse_local_money, show_money
from giftbalance.values.text import ORDER_ID

COLUMNS = ("date", "description", "amount", "balance")


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One row of the activity: ``amount`` is signed (money in positive), ``balance`` is the
    closing balance shown beside it, both in minor units; ``line`` is its line in the file."""

    line: int
    occurred_on: date
    description: str
    amount: int
    balance: int
    order_id: str | None
    kind: str
    key: str


def kind_of(amount: int, order_id: str | None) -> str:
    """The ledger kind of an activity row: money back from an order is a refund, money towards
    one a spend; money in without an order is a redemption (a card claimed, a reload), money
    out without one an adjustment."""
    if order_id is not None:
        return "refund" if amount > 0 else "spend"
    return "redeem" if amount > 0 else "adjust"


def source_key(*parts: object) -> str:
    """A stable key for a store's row: SHA-256 of its parts (64 hex digits)."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank lines of a paste as cells with their line numbers: tab-separated when the
    text holds a tab, else read as CSV."""
    if "\t" in text:
        return [
            (number, [cell.strip() for cell in line.rstrip("\t").split("\t")])
            for number, line in enumerate(text.splitlines(), 1)
            if line.strip()
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if "".join(cells).strip():
                rows.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: not readable as CSV ({exc})") from None
    return rows


def looks_like_activity(rows: Sequence[tuple[int, list[str]]], locale: str) -> bool:
    """Whether any row starts with a date written the ``locale`` way and has four cells."""
    for _, cells in rows[:20]:
        if len(cells) == len(COLUMNS):
            try:
                parse_local_date(cells[0], locale)
            except DateError:
                continue
            return True
    return False


def parse_activity(text: str, source: str, currency: str, locale: str) -> list[ActivityRow]:
    """Every row of a pasted activity, oldest first.

    A header line (the column names, in any language) is skipped. The rows must chain: each
    closing balance is the one before it plus the amount, so a row missing from the middle of a
    paste is caught. Raises :class:`BadRows` naming every bad line (a date or amount that
    cannot be read, an amount of another currency, a broken chain) and :class:`InputError` for a
    paste without rows.
    """
    rows = split_rows(text)
    problems: list[Problem] = []
    parsed: list[tuple[int, date, str, int, int]] = []
    for position, (line, cells) in enumerate(rows):
        if position == 0 and not any(ch.isdigit() for ch in "".join(cells)):
            continue  # the header
        where = f"line {line}"
        if len(cells) != len(COLUMNS):
            problems.append(
                Problem(
                    where,
                    f"{len(cells)} cells; expected {len(COLUMNS)}: date, description, amount, "
                    "balance",
                )
            )
            continue
        reasons = []
        day: date | None = None
        try:
            day = parse_local_date(cells[0], locale)
        except DateError as exc:
            reasons.append(f"bad date: {exc}")
        values: list[int] = []
        for name, cell in (("amount", cells[2]), ("balance", cells[3])):
            try:
                values.append(parse_local_money(cell, currency, locale).minor)
            except MoneyError as exc:
                if name == "balance" and _is_zero(cell):
                    values.append(0)
                else:
                    reasons.append(f"bad {name}: {exc}")
        if reasons or day is None:
            problems.append(Problem(where, "; ".join(reasons)))
            continue
        parsed.append((line, day, " ".join(cells[1].split()), values[0], values[1]))
    if problems:
        raise BadRows(source, problems)
    if not parsed:
        raise InputError(f"{source} has no activity rows; nothing to import")
    ordered = _oldest_first(parsed)
    problems = _chain_problems(ordered, currency)
    if problems:
        raise BadRows(source, problems)
    seen: dict[tuple[object, ...], int] = {}
    result: list[ActivityRow] = []
    for line, day, description, amount, balance in ordered:
        identity = (currency, day.isoformat(), description.casefold(), amount, balance)
        count = seen[identity] = seen.get(identity, -1) + 1
        found = ORDER_ID.search(description)
        order_id = found[1] if found else None
        result.append(
            ActivityRow(
                line,
                day,
                description,
                amount,
                balance,
                order_id,
                kind_of(amount, order_id),
                source_key("activity", *identity, count),
            )
        )
    return result


def _is_zero(cell: str) -> bool:
    """A balance of zero (``$0.00``): money rules refuse a zero amount, a balance may be one."""
    return bool(re.fullmatch(r"\D*0+(?:[.,]0+)?\D*", cell.strip()))


def _oldest_first(
    rows: list[tuple[int, date, str, int, int]],
) -> list[tuple[int, date, str, int, int]]:
    """The rows oldest first: the page lists the newest first, a file may have been sorted the
    other way. Rows of one day are put in the order their closing balances chain."""
    if rows[0][1] != rows[-1][1]:
        return list(reversed(rows)) if rows[0][1] > rows[-1][1] else rows
    backwards = list(reversed(rows))
    return rows if _breaks(rows) < _breaks(backwards) else backwards


def _breaks(rows: Sequence[tuple[int, date, str, int, int]]) -> int:
    return sum(1 for a, b in itertools.pairwise(rows) if a[4] + b[3] != b[4])


def _chain_problems(
    rows: Sequence[tuple[int, date, str, int, int]], currency: str
) -> list[Problem]:
    problems = []
    for before, row in itertools.pairwise(rows):
        line, day, _, amount, balance = row
        if day < before[1]:
            problems.append(
                Problem(f"line {line}", f"dated {day}, before the row on line {before[0]}")
            )
        elif before[4] + amount != balance:
            expected = before[4] + amount
            problems.append(
                Problem(
                    f"line {line}",
                    f"the balance {show_money(balance, currency)} does not follow from line "
                    f"{before[0]} ({show_money(before[4], currency)} + "
                    f"{show_money(amount, currency)} = {show_money(expected, currency)}): "
                    "is a row missing from the paste?",
                )
            )
    return problems
