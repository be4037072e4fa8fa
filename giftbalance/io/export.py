"""The whole database as one export file, and back (``giftbalance export`` / ``import``).

Two containers carry the same records:

* ``json``: one document ``{"format": "giftbalance-export", "version": 1, "schema": ...,
  "exported_at": ..., "settings": [...], "accounts": [...], "members": [...], "needs": [...],
  "entries": [...], "purchases": [...], "contacts": [...]}``;
* ``csv``: a zip archive holding ``manifest.json`` (the same header fields) and one CSV file per
  table (``accounts.csv``, ``entries.csv``, ...), for spreadsheets. An empty cell is NULL. Text
  cells are spreadsheet-safe (:func:`~giftbalance.values.text.cell_out`) and read back through
  :func:`~giftbalance.values.text.cell_in`.

A record has one field per column of its table, named like the column, except the derived
``name_key`` columns. Money is text with the currency's exact digits (``"25.50"``,
``"-12.34"``, ``"1500"`` for JPY) beside the record's ``currency``; dates and times are ISO 8601.

:func:`restore` loads an export into an empty database, keeping every id (so ``undo of entry
12`` and the default account still point at the right rows). It checks every record first and
reports each bad one; ``balance_after`` is derived again by the ledger and must match the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from giftbalance.errors import BadRows, InputError, Problem, Refused
from giftbalance.io.ledger_csv import split_csv
from giftbalance.io.text_check import MULTI_LINE_COLUMNS
from giftbalance.values.money import (
    MoneyError,
    currency_digits,
    data_money,
    parse_rate,
    parse_stored_money,
)
from giftbalance.values.numbers import INT32_MAX, INT64_MAX, foreign_digit
from giftbalance.values.text import cell_in, cell_out, unsafe_character
from giftbalance.values.vocabulary import (
    CHANNELS,
    MATCH_STATUSES,
    NEED_STATUSES,
    OUTCOMES,
    PRIORITIES,
)

if TYPE_CHECKING:
    from sqlalchemy import Column
    from sqlalchemy.orm import Session

FORMAT = "giftbalance-export"
VERSION = 1
#: Tables in the order a restore inserts them (every reference points backwards).
TABLES = (
    "settings",
    "accounts",
    "members",
    "needs",
    "entries",
    "order_items",
    "purchases",
    "need_matches",
    "contacts",
)
#: Tables an export written before the store import (schema 0002) does not have.
LATER_TABLES = frozenset({"order_items", "need_matches"})
#: Columns an export leaves out because they are derived from others.
DERIVED = frozenset({("accounts", "name_key"), ("members", "name_key")})
#: Integer columns that hold money, in minor units of the record's ``currency``.
MONEY_COLUMNS = frozenset(
    {
        ("accounts", "egift_minimum"),
        ("entries", "amount"),
        ("entries", "balance_after"),
        ("needs", "unit_price"),
        ("order_items", "unit_price"),
        ("order_items", "amount"),
    }
)
MANIFEST = "manifest.json"
_ZIP_MAGIC = b"PK\x03\x04"

Progress = Callable[[int], None]
Document = dict[str, Any]


def _models() -> dict[str, Any]:
    from giftbalance.storage import models

    return {
        "settings": models.Setting,
        "accounts": models.Account,
        "members": models.Member,
        "needs": models.Need,
        "entries": models.Entry,
        "order_items": models.OrderItem,
        "purchases": models.Purchase,
        "need_matches": models.NeedMatch,
        "contacts": models.Contact,
    }


def columns(table: str) -> list[Column[Any]]:
    """The exported columns of ``table``, in the model's order."""
    model = _models()[table]
    return [c for c in model.__table__.columns if (table, c.name) not in DERIVED]


# -- writing ------------------------------------------------------------------------------------


def _out(table: str, column: Column[Any], value: Any, currency: str | None) -> Any:
    if value is None:
        return None
    if (table, column.name) in MONEY_COLUMNS:
        assert currency is not None
        return data_money(value, currency)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def build_document(session: Session, *, exported_at: datetime) -> Document:
    """Every row of every table as JSON-ready records, oldest first (see the module doc).

    ``session`` comes from :meth:`giftbalance.storage.db.Database.read`: one snapshot of the
    database, so a concurrent writer cannot make the export disagree with itself."""
    from sqlalchemy import select

    from giftbalance.storage.schema import SCHEMA_HEAD

    document: Document = {
        "format": FORMAT,
        "version": VERSION,
        "schema": SCHEMA_HEAD,
        "exported_at": exported_at.isoformat(),
    }
    for table in TABLES:
        cols = columns(table)
        model = _models()[table]
        key = model.__table__.primary_key.columns[0]
        rows = session.execute(select(*cols).order_by(key)).all()
        money = [c for c in cols if (table, c.name) in MONEY_COLUMNS]
        records = []
        for row in rows:
            mapping = row._mapping
            currency = mapping["currency"] if money else None
            records.append({c.name: _out(table, c, mapping[c.name], currency) for c in cols})
        document[table] = records
    return document


def counts(document: Document) -> dict[str, int]:
    """How many records of each table ``document`` holds."""
    return {table: len(document.get(table) or []) for table in TABLES}


def to_json(document: Document) -> bytes:
    """The ``json`` export: one UTF-8 JSON document."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def _is_text(table: str, column: Column[Any]) -> bool:
    """Whether ``column`` holds text (a name, a note), as opposed to money, a number or a date."""
    from sqlalchemy import String

    return isinstance(column.type, String) and (table, column.name) not in MONEY_COLUMNS


def _csv_text(table: str, records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    cols = columns(table)
    names = [c.name for c in cols]
    text = {c.name for c in cols if _is_text(table, c)}
    writer.writerow(names)
    for record in records:
        writer.writerow(
            [
                "" if record[n] is None else cell_out(record[n]) if n in text else record[n]
                for n in names
            ]
        )
    return buffer.getvalue()


def to_zip(document: Document) -> bytes:
    """The ``csv`` export: a zip of ``manifest.json`` and one CSV file per table."""
    stamp = datetime.fromisoformat(document["exported_at"])
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    manifest = {k: document[k] for k in ("format", "version", "schema", "exported_at")}
    manifest["tables"] = [f"{t}.csv" for t in TABLES]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        members = [(MANIFEST, json.dumps(manifest, indent=2) + "\n")]
        members += [(f"{t}.csv", _csv_text(t, document[t])) for t in TABLES]
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, text.encode())
    return buffer.getvalue()


# -- reading ------------------------------------------------------------------------------------


def is_export(data: bytes) -> bool:
    """Whether ``data`` looks like a csv (zip) or json export rather than a ledger CSV."""
    if data.startswith(_ZIP_MAGIC):
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


@dataclass(frozen=True, slots=True)
class Record:
    """One record of an export file as read, with where it came from (for messages)."""

    where: str
    values: dict[str, Any]
    from_text: bool


@dataclass
class ExportFile:
    """An export file read back: its header fields and its records per table."""

    source: str
    schema: str | None
    records: dict[str, list[Record]] = field(default_factory=dict)


def _check_header(header: Any, source: str) -> str | None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InputError(f'{source} is not a giftbalance export (no "format": "{FORMAT}")')
    if header.get("version") != VERSION:
        raise InputError(
            f"{source} is export version {header.get('version')!r}; this giftbalance reads "
            f"version {VERSION}"
        )
    schema = header.get("schema")
    return schema if isinstance(schema, str) else None


def read_export(data: bytes, source: str) -> ExportFile:
    """Read a ``json`` or ``csv`` (zip) export. Raises :class:`InputError` for a file that is
    not one (the records themselves are checked by :func:`restore`)."""
    if data.startswith(_ZIP_MAGIC):
        return _read_zip(data, source)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: an int of 4,300+ digits too
        raise InputError(f"{source} is not valid JSON ({exc})") from None
    except RecursionError:  # "[[[[..." nested deeper than Python's stack
        raise InputError(f"{source} is not an export: its JSON is nested too deeply") from None
    result = ExportFile(source, _check_header(document, source))
    for table in TABLES:
        rows = document.get(table, [])
        if not isinstance(rows, list):
            raise InputError(f'{source}: "{table}" must be a list of records')
        result.records[table] = [
            Record(f"{table}[{i}]", row if isinstance(row, dict) else {"": row}, False)
            for i, row in enumerate(rows)
        ]
    unknown = sorted(set(document) - set(TABLES) - {"format", "version", "schema", "exported_at"})
    if unknown:
        raise InputError(f"{source}: unknown section {unknown[0]!r}")
    return result


def _read_zip(data: bytes, source: str) -> ExportFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if MANIFEST not in names:
            raise InputError(f"{source} is a zip but not a giftbalance export (no {MANIFEST})")
        _check_unpacked_size(archive, source)
        result = ExportFile(source, _check_header(json.loads(archive.read(MANIFEST)), source))
        for table in TABLES:
            name = f"{table}.csv"
            if name not in names and table in LATER_TABLES:
                result.records[table] = []
                continue
            if name not in names:
                raise InputError(f"{source}: {name} is missing")
            text = archive.read(name).decode("utf-8-sig")
            header, rows = split_csv(text, f"{source}:{name}")
            records = []
            for line, cells in rows:
                where = f"{name} line {line}"
                if len(cells) != len(header):
                    values: dict[str, Any] = {"": f"{len(cells)} cells, header has {len(header)}"}
                else:
                    values = dict(zip(header, cells, strict=True))
                records.append(Record(where, values, True))
            result.records[table] = records
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # a compression method zipfile does not have
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        RecursionError,
        EOFError,
        OSError,
    ) as exc:
        raise InputError(f"{source} is a damaged export ({type(exc).__name__}: {exc})") from None
    return result


def _check_unpacked_size(archive: zipfile.ZipFile, source: str) -> None:
    """Refuse a zip whose members unpack to more than an import may read (a zip bomb): the
    sizes are the archive's own, and zipfile stops reading a member at its stated size."""
    from giftbalance.io import inputs
    from giftbalance.io.inputs import describe_limit

    total = sum(info.file_size for info in archive.infolist())
    if total > inputs.MAX_INPUT_BYTES:
        raise InputError(
            f"{source} unpacks to {total:,} bytes, over the import limit of {describe_limit()}"
        )


# -- checking -----------------------------------------------------------------------------------

_INT = re.compile(r"-?[0-9]{1,19}")


class _Bad(Exception):
    pass


def _shown(raw: object) -> str:
    """A value of the file for a message: its repr, cut short so the message stays one line."""
    try:
        shown = repr(raw)
    except ValueError:  # an int too long for Python to print
        return "a number of more than 4,300 digits"
    return shown if len(shown) <= 42 else shown[:38] + "...'"


def _convert(table: str, column: Column[Any], raw: Any, currency: str | None, text: bool) -> Any:
    """One field of a record to its column's Python value; raises :class:`_Bad`."""
    from sqlalchemy import BigInteger, Date, DateTime, Integer, String

    if raw is None or (text and raw == "" and column.nullable):
        if not column.nullable:
            raise _Bad("is missing")
        return None
    if (table, column.name) in MONEY_COLUMNS:
        if currency is None:
            raise _Bad("has no valid currency beside it")
        if not isinstance(raw, str):
            raise _Bad(f'must be text such as "25.50", not {_shown(raw)}')
        try:
            return parse_stored_money(raw, currency)
        except MoneyError as exc:
            raise _Bad(str(exc)) from None
    kind = column.type
    if isinstance(kind, Integer):
        number: int | None = None
        if text and isinstance(raw, str) and _INT.fullmatch(raw):
            number = int(raw)
        elif isinstance(raw, int) and not isinstance(raw, bool):
            number = raw
        if number is None:
            hint = " (digits 0-9 only)" if isinstance(raw, str) and foreign_digit(raw) else ""
            raise _Bad(f"must be a whole number, not {_shown(raw)}{hint}")
        # What the column holds on every supported database (PostgreSQL's INTEGER is 32-bit).
        limit = INT64_MAX if isinstance(kind, BigInteger) else INT32_MAX
        if not -limit - 1 <= number <= limit:
            raise _Bad(f"is too large for the database: {_shown(raw)} (at most {limit:,})")
        return number
    if not isinstance(raw, str):
        raise _Bad(f"must be text, not {_shown(raw)}")
    if isinstance(kind, DateTime):
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise _Bad(f"is not an ISO date and time: {_shown(raw)}") from None
        if value.tzinfo is not None:
            raise _Bad(f"must be a local time without a zone: {_shown(raw)}")
        return value
    if isinstance(kind, Date):
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise _Bad(f"is not an ISO date (YYYY-MM-DD): {_shown(raw)}")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise _Bad(f"is not a date: {_shown(raw)}") from None
    if text and isinstance(kind, String):
        raw = cell_in(raw)
    length = getattr(kind, "length", None) if isinstance(kind, String) else None
    if length is not None and len(raw) > length:
        raise _Bad(f"is longer than {length} characters")
    unsafe = unsafe_character(raw, note=column.name in MULTI_LINE_COLUMNS)
    if unsafe is not None:
        raise _Bad(f"has a control or text-direction character ({unsafe!r})")
    return raw


@dataclass
class _Checked:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _records(export: ExportFile, checked: _Checked) -> Iterator[tuple[str, Record, dict[str, Any]]]:
    """Convert every record field by field; yields (table, record, values) for whole ones."""
    for table in TABLES:
        cols = {c.name: c for c in columns(table)}
        for record in export.records.get(table, []):
            if "" in record.values:
                checked.problems.append(
                    Problem(record.where, f"not a record: {record.values['']!r}")
                )
                continue
            unknown = sorted(set(record.values) - set(cols))
            if unknown:
                checked.problems.append(Problem(record.where, f"unknown field {unknown[0]!r}"))
                continue
            currency: str | None = None
            raw_currency = record.values.get("currency")
            if "currency" in cols and isinstance(raw_currency, str):
                try:
                    currency_digits(raw_currency)
                    currency = raw_currency
                except MoneyError:
                    pass
            values: dict[str, Any] = {}
            reasons = []
            for name, column in cols.items():
                try:
                    values[name] = _convert(
                        table, column, record.values.get(name), currency, record.from_text
                    )
                except _Bad as exc:
                    reasons.append(f"{name} {exc}")
            if "currency" in cols and currency is None:
                reasons.append(f"currency is not an ISO 4217 code: {raw_currency!r}")
            if reasons:
                checked.problems.append(Problem(record.where, "; ".join(reasons)))
                continue
            yield table, record, values


def check_export(export: ExportFile) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """Check every record of ``export`` and every reference between them. Pure.

    Returns the rows to insert per table (entries in id order, without ``balance_after``) and
    every problem found, each naming its record.
    """
    from giftbalance.household.needs import MAX_QUANTITY
    from giftbalance.ledger.accounts import name_key
    from giftbalance.storage.settings import stored_problem

    checked = _Checked({table: [] for table in TABLES})
    seen: dict[str, set[Any]] = {table: set() for table in TABLES}
    where: dict[tuple[str, Any], str] = {}
    bad = checked.problems.append
    for table, record, values in _records(export, checked):
        key = values["key"] if table == "settings" else values["id"]
        if table != "settings" and key <= 0:
            bad(Problem(record.where, f"id must be positive, not {key}"))
            continue
        if key in seen[table]:
            bad(Problem(record.where, f"{'key' if table == 'settings' else 'id'} {key} repeated"))
            continue
        seen[table].add(key)
        where[(table, key)] = record.where
        values["_where"] = record.where
        checked.rows[table].append(values)

    def refers(table: str, values: dict[str, Any], column: str, target: str) -> bool:
        value = values[column]
        if value is not None and value not in seen[target]:
            bad(Problem(values["_where"], f"{column} {value} names no record of {target}"))
            return False
        return True

    def one_of(values: dict[str, Any], column: str, allowed: tuple[str, ...]) -> None:
        if values[column] not in allowed:
            bad(
                Problem(
                    values["_where"],
                    f"{column} {values[column]!r} is not one of {', '.join(allowed)}",
                )
            )

    names: set[str] = set()
    accounts: dict[int, dict[str, Any]] = {}
    for row in checked.rows["accounts"]:
        key = name_key(row["name"])
        if not row["name"].strip():
            bad(Problem(row["_where"], "name is empty"))
        elif key in names:
            bad(Problem(row["_where"], f"a second account called {row['name']!r}"))
        names.add(key)
        row["name_key"] = key
        try:
            parse_rate(row["tax_rate"])
        except MoneyError as exc:
            bad(Problem(row["_where"], f"tax_rate: {exc}"))
        if row["egift_minimum"] < 0:
            bad(Problem(row["_where"], "egift_minimum is negative"))
        accounts[row["id"]] = row
    current: set[str] = set()
    for row in checked.rows["members"]:
        row["name_key"] = key = name_key(row["name"])
        if row["removed_at"] is None:
            if key in current:
                bad(Problem(row["_where"], f"a second current member called {row['name']!r}"))
            current.add(key)
    for row in checked.rows["settings"]:
        why = stored_problem(row["key"], row["value"])
        if (
            why is None
            and row["key"] == "default_account"
            and row["value"]
            and int(row["value"]) not in seen["accounts"]
        ):
            why = f"default_account {row['value']} names no record of accounts"
        if why is not None:
            bad(Problem(row["_where"], why))
    for row in checked.rows["needs"]:
        refers("needs", row, "member_id", "members")
        refers("needs", row, "account_id", "accounts")
        one_of(row, "priority", PRIORITIES)
        one_of(row, "status", NEED_STATUSES)
        if row["unit_price"] <= 0 or row["quantity"] <= 0:
            bad(Problem(row["_where"], "unit_price and quantity must be more than zero"))
        elif row["quantity"] > MAX_QUANTITY:
            bad(Problem(row["_where"], f"quantity is over the limit of {MAX_QUANTITY:,}"))
    _check_entries(checked, accounts)
    for row in checked.rows["order_items"]:
        refers("order_items", row, "account_id", "accounts")
        if row["quantity"] <= 0:
            bad(Problem(row["_where"], "quantity must be more than zero"))
    purchased: set[tuple[int, int]] = set()
    for row in checked.rows["purchases"]:
        refers("purchases", row, "entry_id", "entries")
        refers("purchases", row, "need_id", "needs")
        refers("purchases", row, "member_id", "members")
        refers("purchases", row, "item_id", "order_items")
        pair = (row["entry_id"], row["need_id"])
        if pair in purchased:
            bad(
                Problem(
                    row["_where"],
                    f"a second purchase of need {pair[1]} by entry {pair[0]}",
                )
            )
        purchased.add(pair)
        if row["units"] <= 0:
            bad(Problem(row["_where"], "units must be more than zero"))
    for row in checked.rows["need_matches"]:
        refers("need_matches", row, "need_id", "needs")
        refers("need_matches", row, "account_id", "accounts")
        refers("need_matches", row, "item_id", "order_items")
        one_of(row, "status", MATCH_STATUSES)
    _check_source_keys(checked)
    for row in checked.rows["contacts"]:
        refers("contacts", row, "account_id", "accounts")
        one_of(row, "channel", CHANNELS)
        one_of(row, "outcome", OUTCOMES)
    checked.problems.sort(key=lambda p: _order(p.where))
    return checked.rows, checked.problems


def _order(where: str) -> tuple[int, int]:
    table = where.split("[", 1)[0].split(".csv", 1)[0]
    numbers = re.findall(r"\d+", where)
    return (
        TABLES.index(table) if table in TABLES else len(TABLES),
        int(numbers[-1]) if numbers else 0,
    )


def _check_source_keys(checked: _Checked) -> None:
    """Two entries, or two order items, never share a store import's source key."""
    for table in ("entries", "order_items"):
        seen: set[str] = set()
        for row in checked.rows[table]:
            key = row["source_key"]
            if key is not None and key in seen:
                checked.problems.append(Problem(row["_where"], "source_key repeated"))
            if key is not None:
                seen.add(key)


def _check_entries(checked: _Checked, accounts: dict[int, dict[str, Any]]) -> None:
    """The ledger's rules (:mod:`giftbalance.ledger.rules`) over the entries, in id order,
    exactly as ``giftbalance check`` applies them to a database."""
    from giftbalance.ledger.rules import AccountFacts, EntryFacts, Replay

    bad = checked.problems.append
    rows = sorted(checked.rows["entries"], key=lambda r: r["id"])
    checked.rows["entries"] = rows
    replay = Replay(
        (AccountFacts(key, a["name"], a["currency"]) for key, a in accounts.items()),
        remember=True,
    )
    for row in rows:
        record = EntryFacts(
            row["account_id"],
            row["kind"],
            row["amount"],
            row["currency"],
            id=row["id"],
            reverses_id=row["reverses_id"],
            balance_after=row["balance_after"],
            occurred_on=row["occurred_on"],
            expires_on=row["expires_on"],
            giver=row["giver"],
        )
        problems = replay.problems(record)
        replay.apply(record)
        if problems:
            bad(Problem(row["_where"], "; ".join(problems)))


# -- restoring ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What :func:`restore` wrote (or, in a dry run, would write): records per table and the
    balance of every account."""

    counts: dict[str, int]
    balances: list[tuple[str, int, str]]
    written: bool


def _nonempty_tables(session: Session) -> list[str]:
    from sqlalchemy import func, select

    models = _models()
    return [
        table
        for table in TABLES
        if table != "settings" and session.scalar(select(func.count()).select_from(models[table]))
    ]


def restore(
    session: Session,
    export: ExportFile,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Load ``export`` into the (empty) database of ``session``, keeping every id.

    Settings in the file replace the database's. Raises :class:`Refused` when the database
    already holds accounts, entries, members, needs, purchases or contacts, and
    :class:`~giftbalance.ledger_csv.BadRows` listing every bad record; then nothing is written.
    ``progress`` advances once per entry written.
    """
    from sqlalchemy import delete, insert, text

    from giftbalance.ledger import entries
    from giftbalance.storage.models import Setting

    filled = _nonempty_tables(session)
    if filled:
        raise Refused(
            f"the database already holds {', '.join(filled)}; a full export is imported only "
            "into an empty database (e.g. giftbalance --db new.db import FILE)"
        )
    rows, problems = check_export(export)
    if problems:
        raise BadRows(export.source, problems)
    for table_rows in rows.values():
        for row in table_rows:
            del row["_where"]
    balances: dict[int, int] = {}
    for row in rows["entries"]:
        balances[row["account_id"]] = row["balance_after"]
    result = RestoreResult(
        counts={table: len(rows[table]) for table in TABLES},
        balances=[
            (a["name"], balances.get(a["id"], 0), a["currency"])
            for a in sorted(rows["accounts"], key=lambda a: a["name_key"])
        ],
        written=not dry_run,
    )
    if dry_run:
        return result
    models = _models()
    session.execute(delete(Setting))
    for table in TABLES:
        if table == "entries":
            entries.append_in_order(
                session,
                [
                    entries.AccountEntry(
                        account_id=r["account_id"],
                        currency=r["currency"],
                        kind=r["kind"],
                        amount=r["amount"],
                        occurred_on=r["occurred_on"],
                        note=r["note"],
                        giver=r["giver"],
                        expires_on=r["expires_on"],
                        order_id=r["order_id"],
                        source_key=r["source_key"],
                        kept=entries.Kept(
                            r["id"],
                            r["recorded_at"],
                            r["reverses_id"],
                            r["code_last4"],
                            r["code_hmac"],
                        ),
                    )
                    for r in rows["entries"]
                ],
                progress=progress,
            )
        elif rows[table]:
            session.execute(insert(models[table]), rows[table])
    if session.get_bind().dialect.name == "postgresql":
        # Rows came in with their ids, which a sequence does not notice: move each past them.
        for table in TABLES:
            if table != "settings" and rows[table]:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    return result
