"""Importing ledger entries from a CSV file (``giftbalance import FILE.csv``).

The file has a header row naming its columns, in any order and any case::

    date,account,kind,amount,currency,note

``date``, ``kind`` and ``amount`` are required. ``account`` may be left out when the import is
given ``--account NAME`` (or when there is a default or only account); ``currency`` and ``note``
may be left out. Two more columns are understood: ``giver`` (who gave the card) and
``expires_on`` (when the balance expires), both for redemptions only.

``kind`` is ``redeem``, ``spend`` or ``adjust``. Amounts of redemptions and spends are written
positive (the kind says which way the money goes); an adjustment is signed: ``-5.00`` lowers the
balance, ``5.00`` or ``+5.00`` raises it. Rows are recorded in file order, and each account's
running balance must stay at or above zero in that order.

The import is all or nothing: every row is checked first, every bad row is reported with its
line number and reason, and nothing is written while any row is bad. Good rows go in through
:func:`giftbalance.ledger.append_in_order`, the ledger's bulk path.

Text cells (account, note, giver) are read through :func:`~giftbalance.values.text.cell_in`,
like every CSV import: a ``'`` that a spreadsheet-safe export put before ``=``, ``+``, ``-``
or ``@`` is taken off.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from giftbalance.errors import BadRows, InputError, Problem
from giftbalance.io.csvfiles import check_header
from giftbalance.ledger.entries import check_redemption
from giftbalance.values.dates import DateError, parse_date
from giftbalance.values.money import MoneyError, parse_currency, parse_signed_money
from giftbalance.values.text import cell_in, note_text
from giftbalance.values.vocabulary import CSV_KINDS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from giftbalance.ledger.entries import AccountEntry
    from giftbalance.storage.models import Account

REQUIRED_COLUMNS = ("date", "kind", "amount")
OPTIONAL_COLUMNS = ("account", "currency", "note", "giver", "expires_on")
COLUMNS = ("date", "account", "kind", "amount", "currency", "note", "giver", "expires_on")
#: Files with more rows than this get a progress bar.
PROGRESS_ROWS = 5_000
_PROGRESS_EVERY = 5_000


Progress = Callable[[int], None]


# -- reading the file ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A CSV file split into cells: the header's column names (lower-cased) and every row with
    the number of the line it starts on."""

    source: str
    columns: tuple[str, ...]
    rows: list[tuple[int, list[str]]]


def decode(data: bytes, source: str) -> str:
    """The text of an import file: UTF-8, with or without the byte-order mark spreadsheets add."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} is not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8'"
        ) from None


def split_csv(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Split CSV ``text`` into its header cells and its rows, each with the line it starts on.

    Blank lines are skipped. Raises :class:`InputError` for an empty file or text the csv
    module cannot read (a NUL byte, an unterminated quote).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    line = 0
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells or not "".join(cells).strip():
                continue
            if header is None:
                header = cells
            else:
                rows.append((start, cells))
    except csv.Error as exc:
        raise InputError(f"{source} line {reader.line_num}: not readable as CSV ({exc})") from None
    if header is None:
        raise InputError(f"{source} is empty: expected a header such as {','.join(COLUMNS[:6])}")
    return header, rows


def read_table(data: bytes, source: str) -> CsvTable:
    """Read a ledger CSV file and check its header (names in any case and order).

    Raises :class:`InputError` for an unreadable file, an unknown, repeated or missing column.
    """
    header, rows = split_csv(decode(data, source), source)
    columns = tuple(name.strip().lower().replace(" ", "_") for name in header)
    try:
        check_header(columns, COLUMNS, REQUIRED_COLUMNS)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None
    return CsvTable(source, columns, rows)


# -- checking rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountChange:
    """What an import does to one account."""

    name: str
    currency: str
    before: int
    after: int
    rows: int


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The outcome of :func:`import_table`: rows imported (or, in a dry run, that would be)."""

    rows: int
    accounts: list[AccountChange]
    written: bool


def work_units(table: CsvTable, *, dry_run: bool) -> int:
    """How far :func:`import_table` advances its progress callback in total (check + write)."""
    return len(table.rows) * (1 if dry_run else 2)


class _Account(NamedTuple):
    id: int
    name: str
    currency: str
    archived: bool


# A parsed cell: its value, or None and the reason it is bad.
_Cell = tuple[Any, str | None]


class _Cells:
    """Each distinct cell text is parsed once: dates, accounts, kinds and amounts repeat a lot
    in a large file, and :func:`parse_date` (dateutil) is the slowest step of a row."""

    def __init__(self, accounts: Sequence[_Account], fallback: _Account | None) -> None:
        from giftbalance.ledger.accounts import name_key

        self.name_key = name_key
        self.by_key = {name_key(a.name): a for a in accounts}
        self.fallback = fallback
        self.dates: dict[str, _Cell] = {}
        self.accounts: dict[str, _Cell] = {}
        self.kinds: dict[str, _Cell] = {}
        self.currencies: dict[str, _Cell] = {}
        self.amounts: dict[tuple[str, str], _Cell] = {}

    def date(self, text: str) -> _Cell:
        found = self.dates.get(text)
        if found is None:
            try:
                found = (parse_date(text), None)
            except DateError as exc:
                found = (None, str(exc))
            self.dates[text] = found
        return found

    def account(self, text: str) -> _Cell:
        found = self.accounts.get(text)
        if found is None:
            found = self.accounts[text] = self._account(cell_in(text.strip()))
        return found

    def _account(self, named: str) -> _Cell:
        fallback = self.fallback
        if not named:
            if fallback is None:
                return None, "no account: the account cell is empty and no --account was given"
            return fallback, None
        account = self.by_key.get(self.name_key(named))
        if account is None:
            return None, f"unknown account {named!r}"
        if fallback is not None and account.id != fallback.id:
            return None, f"names account {named!r}, but --account is {fallback.name!r}"
        if account.archived:
            return None, f"account {account.name!r} is archived"
        return account, None

    def kind(self, text: str) -> _Cell:
        found = self.kinds.get(text)
        if found is None:
            kind = text.strip().lower()
            if kind in CSV_KINDS:
                found = (kind, None)
            elif kind == "reversal":
                found = (
                    None,
                    "kind 'reversal' cannot be imported (use giftbalance undo, or an adjust row)",
                )
            else:
                found = (
                    None,
                    f"unknown kind {text.strip()!r} (expected {', '.join(CSV_KINDS)})",
                )
            self.kinds[text] = found
        return found

    def currency(self, text: str) -> _Cell:
        found = self.currencies.get(text)
        if found is None:
            code = text.strip()
            try:
                found = (parse_currency(code) if code else "", None)
            except MoneyError as exc:
                found = (None, str(exc))
            self.currencies[text] = found
        return found

    def amount(self, text: str, currency: str) -> _Cell:
        key = (text, currency)
        found = self.amounts.get(key)
        if found is None:
            try:
                found = (parse_signed_money(text, currency).minor, None)
            except MoneyError as exc:
                found = (None, f"bad amount: {exc}")
            self.amounts[key] = found
        return found


def check_rows(
    table: CsvTable,
    accounts: Sequence[Account],
    balances: dict[int, int],
    *,
    fallback: Account | None,
    progress: Progress | None = None,
) -> tuple[list[AccountEntry], list[Problem]]:
    """Check every row of ``table``; pure (no database): returns the entries to write, in file
    order, and every bad row with the reasons it is bad.

    ``accounts`` are all accounts (to name archived ones precisely), ``balances`` their current
    balances by id, ``fallback`` the account for rows without one (``--account``). A row naming
    another account than ``fallback`` is bad, so ``--account`` never silently moves money. Rows
    are checked as if the bad rows before them were not there.
    """
    from giftbalance.ledger.entries import AccountEntry
    from giftbalance.ledger.rules import AccountFacts, EntryFacts, Replay

    plain = [_Account(a.id, a.name, a.currency, a.archived_at is not None) for a in accounts]
    chosen = next((a for a in plain if fallback is not None and a.id == fallback.id), None)
    cells = _Cells(plain, chosen)
    index = {name: position for position, name in enumerate(table.columns)}
    width = len(table.columns)
    i_date, i_kind, i_amount = index["date"], index["kind"], index["amount"]
    i_account = index.get("account")
    i_currency = index.get("currency")
    i_note = index.get("note")
    extras = "giver" in index or "expires_on" in index
    no_account: _Cell = cells.account("")
    # Bound look-ups: a row whose cells were all seen before costs a few dict hits.
    accounts_seen, account_of = cells.accounts.get, cells.account
    kinds_seen, kind_of = cells.kinds.get, cells.kind
    dates_seen, date_of = cells.dates.get, cells.date
    currencies_seen, currency_of = cells.currencies.get, cells.currency
    amounts_seen, amount_of = cells.amounts.get, cells.amount
    take = Replay((AccountFacts(a.id, a.name, a.currency) for a in plain), balances=balances).take
    entries: list[AccountEntry] = []
    problems: list[Problem] = []

    for count, (line, row) in enumerate(table.rows, 1):
        if progress is not None and count % _PROGRESS_EVERY == 0:
            progress(_PROGRESS_EVERY)
        if len(row) != width:
            problems.append(
                Problem(f"line {line}", f"{len(row)} cells, but the header has {width}")
            )
            continue
        if i_account is None:
            account, why_account = no_account
        else:
            text = row[i_account]
            account, why_account = accounts_seen(text) or account_of(text)
        text = row[i_kind]
        kind, why_kind = kinds_seen(text) or kind_of(text)
        text = row[i_date]
        occurred, why_date = dates_seen(text) or date_of(text)
        if i_currency is None:
            code, why_currency = "", None
        else:
            text = row[i_currency]
            code, why_currency = currencies_seen(text) or currency_of(text)
        currency = account.currency if account is not None else code or None
        if code and account is not None and code != account.currency:
            why_currency = (
                f"currency {code} differs from {account.currency}, the currency of account "
                f"{account.name!r}"
            )
            currency = None
        if currency is None:
            amount, why_amount = 0, None
        else:
            text = row[i_amount]
            amount, why_amount = amounts_seen((text, currency)) or amount_of(text, currency)
        if amount is not None and amount < 0 and kind != "adjust" and kind is not None:
            why_amount = (
                f"a {kind} amount is written without a sign (the kind says which way the money "
                f"goes): {row[i_amount].strip()!r}"
            )
        note, why_note = None, None
        if i_note is not None:
            try:
                note = note_text(cell_in(row[i_note].strip()))
            except InputError as exc:
                why_note = str(exc)
        giver, expires, why_extras = (
            _extras(row, index, kind, occurred, cells) if extras else (None, None, None)
        )
        reasons = [
            r
            for r in (
                why_account,
                why_kind,
                why_date and f"bad date: {why_date}",
                why_currency,
                why_amount,
                why_extras,
                why_note,
            )
            if r is not None
        ]
        if reasons or account is None:
            problems.append(Problem(f"line {line}", "; ".join(reasons) or "bad row"))
            continue
        if kind == "spend":
            amount = -amount
        found = take(
            EntryFacts(
                account.id,
                kind,
                amount,
                account.currency,
                occurred_on=occurred,
                expires_on=expires,
                giver=giver,
            )
        )
        if found:
            problems.append(Problem(f"line {line}", "; ".join(found)))
            continue
        entries.append(
            AccountEntry(account.id, account.currency, kind, amount, occurred, note, giver, expires)
        )
    if progress is not None and len(table.rows) % _PROGRESS_EVERY:
        progress(len(table.rows) % _PROGRESS_EVERY)
    return entries, problems


def _extras(
    row: list[str], index: dict[str, int], kind: str | None, occurred: date | None, cells: _Cells
) -> tuple[str | None, date | None, str | None]:
    """The optional ``giver`` and ``expires_on`` cells of a row, and what is wrong with them."""
    giver = cell_in(row[index["giver"]].strip()) or None if "giver" in index else None
    text = row[index["expires_on"]].strip() if "expires_on" in index else ""
    reasons = []
    expires: date | None = None
    if text:
        expires, why = cells.date(text)
        if why is not None:
            reasons.append(f"bad expires_on: {why}")
    if kind == "redeem" and occurred is not None:
        try:
            giver = check_redemption(occurred, giver=giver, expires_on=expires)
        except InputError as exc:
            reasons.insert(0, str(exc))
    return giver, expires, "; ".join(reasons) or None


def import_table(
    session: Session,
    table: CsvTable,
    *,
    account: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of ``table`` and, unless ``dry_run``, append them all to the ledger.

    ``account`` (``--account``) is the account for rows without one; without it, a file that
    has no account column goes to the default (or only) account. Runs inside the caller's
    transaction (a write transaction unless ``dry_run``). Raises :class:`BadRows` listing every
    bad row, or :class:`InputError`/:class:`~giftbalance.errors.NotFound` when no account can be
    chosen; in every failure nothing is written.
    """
    from giftbalance.ledger import accounts, entries

    if not table.rows:
        raise InputError(f"{table.source} has a header but no rows; nothing to import")
    fallback: Account | None = None
    if account is not None:
        fallback = accounts.resolve_account(session, account)
    elif "account" not in table.columns:
        fallback = accounts.resolve_account(session, None)
    every = accounts.accounts(session, include_archived=True)
    balances = {a.id: entries.balance(session, a) for a in every}
    rows, problems = check_rows(table, every, balances, fallback=fallback, progress=progress)
    if problems:
        raise BadRows(table.source, problems)
    if dry_run:
        finals = dict(balances)
        for entry in rows:
            finals[entry.account_id] += entry.amount
    else:
        finals = {**balances, **entries.append_in_order(session, rows, progress=progress)}
    touched: dict[int, int] = {}
    for entry in rows:
        touched[entry.account_id] = touched.get(entry.account_id, 0) + 1
    changes = [
        AccountChange(a.name, a.currency, balances[a.id], finals[a.id], touched[a.id])
        for a in every
        if a.id in touched
    ]
    return ImportResult(rows=len(rows), accounts=changes, written=not dry_run)
