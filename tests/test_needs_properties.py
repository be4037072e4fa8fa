"""Properties of the needs list, through the command line, on random input.

Each example runs on its own copy of a small prepared SQLite database (copying is much faster
than migrating a new one), so examples never see each other's writes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sqlite3
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giftbalance.cli import cli
from giftbalance.values.recurrence import RuleError, parse_rule
from giftbalance.values.text import BIDI_CONTROL_CHARACTERS as BIDI
from giftbalance.values.text import cell_in

TODAY = "2026-11-25"
SETTINGS = settings(
    max_examples=int(os.environ.get("GIFTBALANCE_TEST_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PLURAL = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
ADVERBS = {
    "daily": ("day", 1),
    "weekly": ("week", 1),
    "fortnightly": ("week", 2),
    "monthly": ("month", 1),
    "quarterly": ("month", 3),
    "yearly": ("year", 1),
    "annually": ("year", 1),
}


class Gb:
    """The CLI on one database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {"GIFTBALANCE_TODAY": TODAY, "GIFTBALANCE_CONFIG_DIR": str(path.parent / "cfg")}

    def __call__(self, *args: str, code: int | None = 0) -> Result:
        result = CliRunner().invoke(cli, ["--db", str(self.path), *args], env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{args} raised {result.exception!r}") from result.exception
        if code is not None:
            assert result.exit_code == code, (args, result.output)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def balance(self) -> str:
        return str(self.json("balance")["accounts"][0]["balance"])

    def dump(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as conn:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return [
                (table, *row)
                for table in sorted(tables)
                for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            ]


class Databases:
    """Copies of a prepared database, one per example."""

    def __init__(self, folder: Path, *setup: tuple[str, ...]) -> None:
        self.folder = folder
        self.numbers = itertools.count()
        self.template = folder / "template.db"
        prepare = Gb(self.template)
        prepare("config", "list")  # creates the schema, also when there is nothing else to do
        for args in setup:
            prepare(*args)

    def new(self) -> Gb:
        target = self.folder / f"example-{next(self.numbers)}.db"
        src, dst = sqlite3.connect(self.template), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        target.chmod(0o600)
        return Gb(target)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Databases]:
    """``prepared(*commands)``: the copies of a database those commands prepared (made once
    per module; hypothesis runs each test's examples against copies of it)."""
    made: dict[tuple[tuple[str, ...], ...], Databases] = {}

    def get(*setup: tuple[str, ...]) -> Databases:
        if setup not in made:
            made[setup] = Databases(tmp_path_factory.mktemp("needs-properties"), *setup)
        return made[setup]

    return get


def plus(start: date, unit: str, steps: int) -> date:
    """``start`` moved by ``steps`` units: the oracle for simple rules (days up to 28, where
    month arithmetic and rrule agree)."""
    return start + relativedelta(**{PLURAL[unit]: steps})


# -- recurrence phrases and RRULEs through need add ----------------------------------------


@st.composite
def recurrences(draw: st.DrawFn) -> tuple[str, str, int]:
    """(text the user types, unit, interval) for the ways of saying a simple recurrence."""
    if draw(st.booleans()):
        word = draw(st.sampled_from(sorted(ADVERBS)))
        unit, interval = ADVERBS[word]
        text = draw(st.sampled_from([word, word.upper(), word.title()]))
        return text, unit, interval
    unit = draw(st.sampled_from(sorted(PLURAL)))
    interval = draw(st.integers(1, 30))
    noun = PLURAL[unit] if interval > 1 else unit
    forms = [
        f"{interval} {noun}",
        f"every {interval} {noun}",
        f"  Every   {interval}   {noun.upper()} ",
        f"{interval}{noun}",
        f"FREQ={FREQ[unit]};INTERVAL={interval}",
        f"RRULE:FREQ={FREQ[unit]};INTERVAL={interval}",
        f"freq={FREQ[unit].lower()};interval={interval}",
    ]
    if interval == 1:
        forms += [unit, f"every {unit}", f"FREQ={FREQ[unit]}"]
    return draw(st.sampled_from(forms)), unit, interval


START_DATES = st.dates(date(2020, 1, 1), date(2035, 12, 28)).filter(lambda d: d.day <= 28)


@SETTINGS
@given(recurrence=recurrences(), start=START_DATES)
def test_recurrence_through_need_add_and_bought(prepared, recurrence, start):
    text, unit, interval = recurrence
    gb = prepared(("account", "add", "P", "--currency", "USD"), ("add", "100", "--yes")).new()
    gb("need", "add", "Coffee", "--price", "1", f"--every={text}", "--by", start.isoformat())
    need = gb.json("need", "show", "1")
    expected = f"every {unit}" if interval == 1 else f"every {interval} {PLURAL[unit]}"
    assert need["every_text"] == expected
    assert need["every"] == f"FREQ={FREQ[unit]}" + (f";INTERVAL={interval}" if interval > 1 else "")
    assert need["first_date"] == need["next_date"] == start.isoformat()
    assert need["need_by"] is None
    gb("need", "bought", "1")
    gb("need", "bought", "1")
    need = gb.json("need", "show", "1")
    assert need["next_date"] == plus(start, unit, 2 * interval).isoformat()
    assert [p["occurrence"] for p in need["purchases"]] == [
        start.isoformat(),
        plus(start, unit, interval).isoformat(),
    ]
    gb("undo", "--yes")
    assert gb.json("need", "show", "1")["next_date"] == plus(start, unit, interval).isoformat()


@SETTINGS
@given(
    text=st.one_of(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 =;,-", max_size=25),
        st.sampled_from(
            [
                "0 weeks",
                "1001 days",
                "weeks",
                "hourly",
                "FREQ=HOURLY",
                "FREQ=SECONDLY;INTERVAL=5",
                "FREQ=WEEKLY;INTERVAL=0",
                "FREQ=WEEKLY;BYDAY=XX",
                "FREQ=MONTHLY;BYMONTHDAY=40",
                "DTSTART:20260101T000000\nRRULE:FREQ=DAILY",
                "FREQ=WEEKLY;COUNT=0",
                "every other week",
            ]
        ),
    )
)
def test_every_either_adds_the_parsed_rule_or_writes_nothing(prepared, text):
    gb = prepared(("account", "add", "P", "--currency", "USD")).new()
    before = gb.dump()
    result = gb("need", "add", "Tea", "--price", "1", f"--every={text}", code=None)
    try:
        rule: str | None = parse_rule(text)
    except RuleError:
        rule = None
    if result.exit_code == 0:
        assert rule is not None
        assert gb.json("need", "show", "1")["every"] == rule
    else:
        # A bad rule, or a good one that never occurs (COUNT=0): bad input, nothing written.
        assert result.exit_code == 2, result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1
        assert gb.dump() == before


# -- CSV: export, then import, gives the same needs ----------------------------------------

TEXT = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=BIDI)
# Text a spreadsheet would run as a formula (=, +, -, @), with and without the quote that
# neutralises it, so the export (cell_out) and the import (cell_in) meet it every run.
FORMULA_LIKE = st.sampled_from(["=", "+", "-", "@", "'=", "''-", "'", "'@"])
NAMES = st.one_of(
    st.text(TEXT, min_size=1, max_size=30),
    st.tuples(FORMULA_LIKE, st.text(TEXT, min_size=1, max_size=20)).map("".join),
).filter(lambda s: cell_in(s.strip()).strip())
NOTES = st.one_of(
    st.text(st.one_of(TEXT, st.sampled_from(['"', ",", "\n", ";"])), max_size=40),
    st.tuples(FORMULA_LIKE, st.text(TEXT, max_size=20)).map("".join),
)
RULES = [
    "week",
    "2 weeks",
    "month",
    "3 months",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=DAILY;INTERVAL=10;COUNT=5",
]


@st.composite
def csv_rows(draw: st.DrawFn) -> dict[str, str]:
    account = draw(st.sampled_from(["", "Personal", "euro"]))
    row = {
        "name": draw(NAMES),
        "price": money(draw(st.integers(1, 99_999))),
        "quantity": str(draw(st.integers(1, 10_000))),
        "priority": draw(st.sampled_from(["", "must", "HIGH", "normal", "Low"])),
        "need_by": draw(
            st.one_of(st.just(""), st.dates(date(2025, 1, 1), date(2100, 12, 31)).map(str))
        ),
        "for": draw(st.sampled_from(["", "Ann", "bob"])),
        "every": draw(st.sampled_from(["", "", *RULES])),
        "account": account,
        "store": draw(st.sampled_from(["", "amazon.com", "Corner shop, Main St."])),
        "url": draw(st.sampled_from(["", "https://example.com/item?id=1&x=2"])),
        "note": draw(NOTES),
    }
    return row


def to_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return out.getvalue()


def comparable(gb: Gb) -> list[dict[str, Any]]:
    needs = gb.json("need", "list")["needs"]
    return [{k: v for k, v in n.items() if k not in ("id", "created_at")} for n in needs]


@SETTINGS
@given(rows=st.lists(csv_rows(), min_size=1, max_size=6), order=st.randoms())
def test_csv_export_then_import_gives_the_same_needs(prepared, rows, order):
    databases = prepared(
        ("account", "add", "Personal", "--currency", "USD", "--default"),
        ("account", "add", "Euro", "--currency", "EUR"),
        ("member", "add", "Ann"),
        ("member", "add", "Bob"),
    )
    folder = databases.folder
    columns = ["name", "price", "quantity", "priority", "need_by", "for", "every"]
    columns += ["account", "store", "url", "note"]
    order.shuffle(columns)
    first, second = databases.new(), databases.new()
    source = folder / "source.csv"
    source.write_text(to_csv(rows, columns), encoding="utf-8", newline="")
    first("need", "import", str(source))
    imported = sorted(first.json("need", "list")["needs"], key=lambda n: n["id"])
    for row, need in zip(rows, imported, strict=True):
        # A quote before a formula character is how CSV files say "text"; import takes it off.
        assert need["name"] == " ".join(cell_in(row["name"].strip()).split())
        assert need["unit_price"] == row["price"]
        assert need["currency"] == ("EUR" if row["account"] == "euro" else "USD")
        assert need["quantity"] == int(row["quantity"])
        assert need["priority"] == (row["priority"].lower() or "normal")
        assert (need["for"] or "").lower() == row["for"].lower()
        assert need["note"] == (cell_in(row["note"].strip()).strip() or None)
        if row["every"]:
            assert need["every"] == parse_rule(row["every"])
            assert need["next_date"] >= (row["need_by"] or TODAY)
        else:
            assert need["need_by"] == (row["need_by"] or None)
    exported = folder / "exported.csv"
    first("need", "export", "--output", str(exported))
    second("need", "import", str(exported))
    assert comparable(second) == comparable(first)
    again = folder / "again.csv"
    second("need", "export", "--output", str(again))
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


# -- need bought on random quantities never overspends -------------------------------------


def with_tax(price: int, rate: Decimal) -> int:
    return price + int((Decimal(price) * rate / 100).quantize(Decimal(1), ROUND_HALF_UP))


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


@SETTINGS
@given(
    funds=st.integers(1, 50_000),
    price=st.integers(1, 5_000),
    quantity=st.integers(1, 12),
    rate=st.sampled_from(["0", "5", "7.25", "8.875", "10.5"]),
    steps=st.lists(
        st.tuples(st.integers(1, 13), st.one_of(st.none(), st.integers(1, 20_000))),
        min_size=1,
        max_size=5,
    ),
)
def test_bought_never_overspends(prepared, funds, price, quantity, rate, steps):
    gb = prepared().new()
    gb("account", "add", "P", "--currency", "USD", "--tax-rate", rate)
    gb("add", money(funds), "--yes")
    gb("need", "add", "Thing", "--price", money(price), "--qty", str(quantity))
    held, wanted, status = funds, quantity, "open"
    for units, paid in steps:
        args = ["need", "bought", "1", "--units", str(units)]
        if paid is not None:
            args += ["--paid", money(paid)]
        cost = paid if paid is not None else units * with_tax(price, Decimal(rate))
        before = gb.dump()
        result = gb(*args, code=None)
        if status != "open":
            assert result.exit_code == 1 and "is bought" in result.stderr
        elif units > wanted:
            assert result.exit_code == 2 and f"wants {wanted} unit(s)" in result.stderr
        elif cost > held:
            assert result.exit_code == 1 and "cannot take" in result.stderr
        else:
            assert result.exit_code == 0, result.output
            held -= cost
            if units == wanted:
                status = "bought"
            else:
                wanted -= units
        if result.exit_code != 0:
            assert gb.dump() == before
        need = gb.json("need", "show", "1")
        assert gb.balance() == money(held)
        assert (need["status"], need["quantity"]) == (status, wanted)
        spent = sum(Decimal(p["paid"]) for p in need["purchases"])
        assert spent == Decimal(money(funds - held))
        assert sum(p["units"] for p in need["purchases"]) == quantity - (
            0 if status == "bought" else wanted
        )
