"""The order history from the store's data download ("Request My Data"). Pure.

The download is a zip holding ``Retail.OrderHistory.1/Retail.OrderHistory.1.csv`` (newer ones:
``Order History.csv``): one row per item and shipment, UTF-8 with a byte-order mark, ISO 8601
dates with a time and ``Z``, empty cells written ``Not Available`` or ``Not Applicable``. Newer
downloads rename some columns; both namings are read (:data:`COLUMNS`).

Only what the import keeps is read out of a row: the order id and date, the item's name, its
unit price, quantity and what the row cost. The payment column is read only to know whether the
gift balance paid (alone, or with a card); addresses, payment instruments, gift messages and
tracking numbers are never read into a record.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from giftbalance.errors import BadRows, InputError, Problem
from giftbalance.io.ledger_csv import split_csv
from giftbalance.io.store.activity import source_key
from giftbalance.values.money import MoneyError, parse_signed_money

#: Each field the import reads, and the column names that hold it (old naming first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("order id",),
    "order_date": ("order date",),
    "currency": ("currency",),
    "unit_price": ("unit price",),
    "total": ("total owed", "total amount"),
    "quantity": ("quantity", "original quantity"),
    "payment": ("payment instrument type", "payment method type"),
    "product": ("product name",),
}
OPTIONAL = {"order_status": ("order status",), "ship_date": ("ship date",), "asin": ("asin",)}
EMPTY = frozenset({"", "not available", "not applicable", "n/a"})
#: The payment column's words for the gift balance (the data download is in English; a few
#: stores' own words too).
GIFT_PAYMENT = re.compile(
    r"gift\s*certificate\s*/\s*card|gift\s*card|geschenkgutschein|ギフト券|chèque[- ]cadeau",
    re.IGNORECASE,
)
_ZIP_MEMBER = re.compile(r"(?:^|/)(?:Retail\.OrderHistory\.\d+\.csv|Order History\.csv)$")
#: The largest order-history CSV read out of a zip (a zip bomb stops here).
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_NAME = 500


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One item row of the order history. ``payment`` is ``gift`` (the gift balance alone),
    ``mixed`` (the gift balance and a card) or ``other``: a fact read from the payment column,
    which itself is never kept."""

    line: int
    order_id: str
    ordered_on: date
    name: str
    unit_price: int
    quantity: int
    amount: int
    payment: str
    cancelled: bool
    key: str


@dataclass(frozen=True, slots=True)
class Order:
    """An order: its item rows (every shipment), what it cost, and how it was paid."""

    order_id: str
    ordered_on: date
    items: tuple[OrderRow, ...]
    total: int
    payment: str


def is_order_history(text: str) -> bool:
    """Whether ``text`` (a CSV) starts with the order history's header."""
    first = next((line for line in text.splitlines() if line.strip()), "").casefold()
    return "order id" in first and "order date" in first


def payment_kind(cell: str) -> str:
    """``gift``, ``mixed`` or ``other`` for a payment cell such as ``Gift Certificate/Card and
    Visa - 1234``."""
    if not GIFT_PAYMENT.search(cell):
        return "other"
    rest = GIFT_PAYMENT.sub(" ", cell)
    rest = re.sub(r"\b(and|und|et)\b|[,&+;/]", " ", rest, flags=re.IGNORECASE)
    return "gift" if not rest.strip() else "mixed"


def zip_members(data: bytes, source: str) -> list[tuple[str, bytes]]:
    """The order-history CSV files inside the store's zip, by name, each read with a size cap.
    Raises :class:`InputError` for a damaged zip or one without an order history."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        found = []
        for info in archive.infolist():
            if not _ZIP_MEMBER.search(info.filename):
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                raise InputError(
                    f"{source}: {info.filename} is larger than "
                    f"{MAX_MEMBER_BYTES // 1024 // 1024} MiB"
                )
            with archive.open(info) as member:
                content = member.read(MAX_MEMBER_BYTES + 1)
            if len(content) > MAX_MEMBER_BYTES:
                raise InputError(f"{source}: {info.filename} is larger than it says")
            found.append((info.filename, content))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{source} is not a readable zip ({exc})") from None
    if not found:
        raise InputError(
            f"{source} is a zip without an order history (Retail.OrderHistory.1.csv or "
            "Order History.csv); see giftbalance store import --help"
        )
    return found


def _field_index(header: Sequence[str], source: str) -> dict[str, int]:
    names = [cell.strip().strip("\ufeff").casefold() for cell in header]
    index: dict[str, int] = {}
    missing = []
    for field, spellings in {**COLUMNS, **OPTIONAL}.items():
        at = next((names.index(s) for s in spellings if s in names), None)
        if at is not None:
            index[field] = at
        elif field in COLUMNS:
            missing.append(" or ".join(repr(s.title()) for s in spellings))
    if missing:
        raise InputError(f"{source}: the order history lacks the column {', '.join(missing)}")
    return index


def _cell(cells: list[str], at: int | None) -> str | None:
    if at is None:
        return None
    value = cells[at].strip().strip("'").strip()
    return None if value.casefold() in EMPTY else value


def _day(text: str) -> date:
    """``2026-11-25T18:22:11Z`` (or ``.000Z``, or a date alone) to its date (UTC)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def read_order_rows(text: str, source: str, currency: str) -> list[OrderRow]:
    """The item rows of an order-history CSV that the gift balance paid (alone or with a card),
    in file order: the rows of orders paid by card alone are only checked for their currency.

    Rows in another currency than ``currency``, and paid rows with an unreadable date or amount,
    are bad rows: raises :class:`BadRows` naming every one, and :class:`InputError` for a
    missing column. Rows of cancelled orders are read (``cancelled``) but never logged.
    """
    header, rows = split_csv(text, source)
    index = _field_index(header, source)
    problems: list[Problem] = []
    result: list[OrderRow] = []
    seen: dict[tuple[object, ...], int] = {}
    known_amounts: dict[str, int] = {}  # amounts repeat: each text is read once
    known_days: dict[str, date] = {}
    width = len(header)
    for line, cells in rows:
        where = f"line {line}"
        if len(cells) != width:
            problems.append(Problem(where, f"{len(cells)} cells, but the header has {width}"))
            continue
        row_currency = _cell(cells, index["currency"])
        if row_currency is not None and row_currency.upper() != currency:
            problems.append(
                Problem(where, f"currency {row_currency}, but the account is in {currency}")
            )
            continue
        payment = payment_kind(cells[index["payment"]])
        if payment == "other":
            continue  # paid by card alone: nothing of it is logged, kept or matched
        reasons: list[str] = []
        order_id = _cell(cells, index["order_id"])
        if order_id is None:
            reasons.append("no order id")
        day: date | None = None
        raw_day = _cell(cells, index["order_date"])
        day = known_days.get(raw_day or "")
        if day is None:
            try:
                day = known_days[raw_day or ""] = _day(raw_day or "")
            except ValueError:
                reasons.append(f"bad order date: {raw_day!r}")
        amounts: list[int] = []
        for field in ("unit_price", "total"):
            raw = _cell(cells, index[field]) or "0"
            minor = known_amounts.get(raw)
            if minor is None:
                try:
                    minor = known_amounts[raw] = parse_signed_money(
                        raw, currency, allow_zero=True
                    ).minor
                except MoneyError as exc:
                    reasons.append(f"bad {field.replace('_', ' ')}: {exc}")
                    continue
            amounts.append(minor)
        raw_quantity = _cell(cells, index["quantity"]) or "1"
        quantity = int(raw_quantity) if raw_quantity.isdigit() else 0
        status = (_cell(cells, index.get("order_status")) or "").casefold()
        cancelled = "cancel" in status or quantity == 0
        if not raw_quantity.isdigit():
            reasons.append(f"bad quantity: {raw_quantity!r}")
        if reasons or order_id is None or day is None:
            problems.append(Problem(where, "; ".join(reasons)))
            continue
        name = " ".join((_cell(cells, index["product"]) or "(no name)").split())[:MAX_NAME]
        identity = (
            "item",
            order_id,
            _cell(cells, index.get("asin")) or "",
            name,
            amounts[0],
            quantity,
            _cell(cells, index.get("ship_date")) or "",
        )
        count = seen[identity] = seen.get(identity, -1) + 1
        result.append(
            OrderRow(
                line,
                order_id,
                day,
                name,
                amounts[0],
                max(quantity, 1),
                amounts[1],
                payment,
                cancelled,
                source_key(*identity, count),
            )
        )
    if problems:
        raise BadRows(source, problems)
    return result


def orders_of(rows: Sequence[OrderRow]) -> list[Order]:
    """The orders of ``rows`` (cancelled items left out), oldest first. An order is paid by the
    gift balance alone only when every item row says so."""
    grouped: dict[str, list[OrderRow]] = {}
    for row in rows:
        if not row.cancelled:
            grouped.setdefault(row.order_id, []).append(row)
    orders = []
    for order_id, items in grouped.items():
        kinds = {item.payment for item in items}
        payment = "gift" if kinds == {"gift"} else "other" if kinds == {"other"} else "mixed"
        orders.append(
            Order(
                order_id,
                min(item.ordered_on for item in items),
                tuple(items),
                sum(item.amount for item in items),
                payment,
            )
        )
    return sorted(orders, key=lambda o: (o.ordered_on, o.order_id))
