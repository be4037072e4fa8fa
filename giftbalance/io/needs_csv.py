"""Importing and exporting the needs list as CSV.

The header is ``name,price,quantity,priority,need_by,for,every,account,store,url,note``: any
order, any case, only ``name`` and ``price`` required, no other column allowed. Import is
all-or-nothing: every row is checked, and one bad row means nothing is written; the refusal
names every bad row by its line in the file. Export writes the same columns, so an exported
file imports back to the same needs.

Text cells are written spreadsheet-safe (:func:`~giftbalance.values.text.cell_out`: a name
``=SUM(1,1)`` is written ``'=SUM(1,1)``) and read back through
:func:`~giftbalance.values.text.cell_in`, which takes exactly that quote off again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from giftbalance.errors import BadRows, GiftbalanceError, InputError, Problem
from giftbalance.household import needs
from giftbalance.household.members import find_member
from giftbalance.household.reading import NeedData
from giftbalance.io.csvfiles import check_header
from giftbalance.ledger import accounts
from giftbalance.storage.models import Need
from giftbalance.values import recurrence
from giftbalance.values.dates import DateError, parse_date
from giftbalance.values.money import CURRENCY_DIGITS, Money, MoneyError, format_money, parse_money
from giftbalance.values.numbers import parse_whole
from giftbalance.values.text import cell_in, cell_out

HEADER = (
    "name",
    "price",
    "quantity",
    "priority",
    "need_by",
    "for",
    "every",
    "account",
    "store",
    "url",
    "note",
)
REQUIRED = ("name", "price")
#: The columns of people's text (the others are a price, a quantity and a date).
TEXT_COLUMNS = frozenset(HEADER) - {"price", "quantity", "need_by"}
_CODE = re.compile(r"\b([A-Za-z]{3})\b")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: the line it starts on and its values by (lower-case) column name."""

    line: int
    values: dict[str, str]
    extra: int = 0


def read_rows(data: bytes) -> list[Row]:
    """Split a CSV file into rows; blank lines are skipped.

    Raises :class:`InputError` for a file that is not UTF-8 text, is not CSV, has no header,
    or whose header has unknown or repeated columns or lacks ``name`` or ``price``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(f"line {line}: the file holds a NUL character; is it really CSV text?")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InputError(
                f"the file is empty; its first line must be the header: {','.join(HEADER)}"
            )
        columns = [cell.strip().lower() for cell in header]
        check_header(columns, HEADER, REQUIRED)
        rows: list[Row] = []
        ended = reader.line_num
        for cells in reader:
            start, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            values = {
                column: cell_in(cell.strip()) if column in TEXT_COLUMNS else cell.strip()
                for column, cell in zip(columns, cells, strict=False)
            }
            rows.append(Row(start, values, max(0, len(cells) - len(columns))))
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def _row_currency(price: str, account_currency: str | None, default: Callable[[], str]) -> str:
    # An unpinned need may name its currency ("12.50 EUR"); export writes one when the need's
    # currency is not the default, so such needs come back in their own currency.
    if account_currency is not None:
        return account_currency
    code = _CODE.search(price)
    if code and code[1].upper() in CURRENCY_DIGITS:
        return code[1].upper()
    return default()


def _row_need(session: Session, row: Row, default: Callable[[], str]) -> Need:
    """Check one row field by field; raises :class:`InputError` listing every bad field."""
    get = row.values.get
    problems: list[str] = []
    if row.extra:
        problems.append(f"{row.extra} value(s) more than the header has columns")

    def check(column: str, parse: Callable[[str], object]) -> None:
        value = get(column) or ""
        if not value:
            if column in REQUIRED:
                problems.append(f"{column}: missing")
            return
        try:
            parse(value)
        except (GiftbalanceError, MoneyError, DateError, ValueError) as exc:
            reason = str(exc)
            problems.append(reason if reason.startswith(column) else f"{column}: {reason}")

    account_currency: list[str] = []
    check("name", needs.clean_need_name)
    check(
        "account", lambda v: account_currency.append(accounts.resolve_account(session, v).currency)
    )
    price: list[Money] = []
    if not (get("account") and not account_currency):  # a bad account already says why
        price_text = get("price") or ""
        currency = _row_currency(price_text, next(iter(account_currency), None), default)
        check("price", lambda v: price.append(parse_money(v, currency)))
    check("quantity", lambda v: needs.check_quantity(_whole(v)))
    check("priority", needs.check_priority)
    by = []
    check("need_by", lambda v: by.append(parse_date(v)))
    check("for", lambda v: find_member(session, v))
    check("every", needs.parse_every)
    check("store", needs.clean_store)
    if problems:
        raise InputError("; ".join(problems))
    fields = needs.NeedFields(
        name=get("name"),
        price=price[0],
        quantity=_whole(get("quantity") or "1"),
        priority=get("priority") or None,
        by=by[0] if by else None,
        member=get("for") or None,
        every=get("every") or None,
        account=get("account") or None,
        store=get("store") or None,
        url=get("url") or None,
        note=get("note") or None,
    )
    return needs.build_need(session, fields)


def _whole(text: str) -> int:
    # Its range is the need's rule (needs.check_quantity), which words the refusal.
    return parse_whole(text, "quantity", minimum=0)


def import_needs(
    session: Session, data: bytes, *, source: str = "the file", dry_run: bool = False
) -> list[needs.NeedView]:
    """Check every row of a needs CSV file and add them all, or none.

    Returns the new needs (with ids) in file order, or for a ``dry_run`` the needs that would
    be added (without ids; nothing is written). Raises :class:`BadRows` naming every bad row, and
    :class:`InputError` for a file that cannot be read as a needs CSV at all.
    """
    rows = read_rows(data)
    if not rows:
        raise InputError("the file has a header but no needs")
    currency: list[str] = []

    def default() -> str:
        # Asked once, and only if some row needs it; its refusal refuses the whole file.
        if not currency:
            try:
                currency.append(needs.default_currency(session))
            except GiftbalanceError as exc:
                raise _FileRefused(exc) from None
        return currency[0]

    built: list[Need] = []
    bad: list[Problem] = []
    try:
        for row in rows:
            try:
                built.append(_row_need(session, row, default))
            except GiftbalanceError as exc:
                bad.append(Problem(f"line {row.line}", str(exc)))
    except _FileRefused as refused:
        raise refused.error from None
    if bad:
        raise BadRows(source, bad)
    if not dry_run:
        session.add_all(built)
        session.flush()
    return [needs.view_of(session, need) for need in built]


class _FileRefused(Exception):
    """Carries a refusal that concerns the whole file out of the per-row checks."""

    def __init__(self, error: GiftbalanceError) -> None:
        super().__init__(str(error))
        self.error = error


def export_needs(session: Session) -> tuple[str, int]:
    """The open needs, in list order, as CSV text (see :func:`write_csv`); and how many."""
    views = needs.list_needs(session)
    return write_csv(views, needs.default_currency_or_none(session)), len(views)


def _rule_from(need: NeedData, due: date | None) -> str:
    """The rule as it reads from the need's next date on (a ``COUNT`` counts what is left)."""
    if need.rule is None:
        return ""
    if due is None or need.first_date is None:
        return need.rule
    return recurrence.restated_from(need.rule, need.first_date, due)


def write_csv(views: Iterable[needs.NeedView], default_currency: str | None) -> str:
    """The needs as CSV text with :data:`HEADER`, text cells spreadsheet-safe (``cell_out``).

    Prices are bare numbers (``25.50``) in the need's currency; a need pinned to no account
    whose currency is not ``default_currency`` gets its code (``25.50 EUR``) so it imports
    back in its own currency. A recurring need's ``need_by`` is its next occurrence and
    ``every`` its RRULE.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for view in views:
        need = view.need
        price = Money(need.unit_price, need.currency)
        coded = view.account is None and need.currency != default_currency
        due = view.due
        writer.writerow(
            [
                cell_out(need.name),
                format_money(price, code=coded),
                need.quantity,
                cell_out(need.priority),
                due.isoformat() if due else "",
                cell_out(view.member or ""),
                cell_out(_rule_from(need, due)),
                cell_out(view.account or ""),
                cell_out(need.store or ""),
                cell_out(need.url or ""),
                cell_out(need.note or ""),
            ]
        )
    return out.getvalue()
