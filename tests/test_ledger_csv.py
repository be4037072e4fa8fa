"""The ledger-CSV reader and row checker, without a database (giftbalance.ledger_csv)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from giftbalance.errors import BadRows, InputError, Problem
from giftbalance.io.ledger_csv import check_rows, read_table
from giftbalance.storage.models import Account
from giftbalance.values.money import (
    Money,
    MoneyError,
    currency_digits,
    format_money,
    parse_signed_money,
)

CURRENCIES = ("USD", "JPY", "KWD")


def account(id: int, name: str, currency: str, *, archived: bool = False) -> Account:
    return Account(
        id=id,
        name=name,
        currency=currency,
        archived_at=datetime(2026, 1, 1) if archived else None,
    )


ACCOUNTS = [account(1, "Personal", "USD"), account(2, "Japan", "JPY"), account(3, "Kuwait", "KWD")]


def csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or ["date", "account", "kind", "amount", "currency", "note"])
    writer.writerows(rows)
    return out.getvalue().encode()


def check(data: bytes, *, balances: dict[int, int] | None = None, fallback: Account | None = None):
    table = read_table(data, "t.csv")
    start = balances or {a.id: 0 for a in ACCOUNTS}
    return check_rows(table, ACCOUNTS, start, fallback=fallback)


def only_problem(data: bytes, **kwargs) -> Problem:
    _, problems = check(data, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# -- signed amounts -----------------------------------------------------------------------------


@given(
    minor=st.integers(min_value=-(10**9), max_value=10**9).filter(bool),
    currency=st.sampled_from(CURRENCIES),
)
def test_signed_amount_round_trips_through_format_money(minor, currency):
    digits = currency_digits(currency)
    if abs(minor) > 1_000_000 * 10**digits:
        return
    text = format_money(Money(minor, currency), code=False)
    assert parse_signed_money(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "minor"),
    [("-5.00", -500), ("+5.00", 500), ("5", 500), ("−0.25", -25), (" -1,234.56 ", -123456)],
)
def test_signed_amount_spellings(text, minor):
    assert parse_signed_money(text, "USD").minor == minor


@pytest.mark.parametrize("text", ["--5", "-+5", "+-5", "-0", "-", "5-", "-$-5", "-5.001", "abc"])
def test_signed_amount_refusals(text):
    with pytest.raises(MoneyError):
        parse_signed_money(text, "USD")


# -- reading the file ---------------------------------------------------------------------------


def test_header_in_any_case_and_order_with_byte_order_mark():
    data = "\ufeffNote , AMOUNT,Kind,date,Account\nhi,5.00,redeem,2026-11-02,personal\n".encode()
    entries, problems = check(data)
    assert problems == []
    assert [(e.account_id, e.kind, e.amount, e.note) for e in entries] == [(1, "redeem", 500, "hi")]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("date,account,kind,amount,amonut", "unknown column 'amonut'"),
        ("date,account,kind,amount,Amount", "column 'amount' appears more than once"),
        ("date,account,amount", "lacks the column kind"),
        ("account,note", "lacks the column date and kind and amount"),
    ],
)
def test_bad_headers(header, message):
    with pytest.raises(InputError, match=message):
        read_table(f"{header}\n".encode(), "t.csv")


def test_empty_and_unreadable_files():
    with pytest.raises(InputError, match=r"t\.csv is empty"):
        read_table(b"\n\n", "t.csv")
    with pytest.raises(InputError, match="not UTF-8"):
        read_table("date,kind,amount\n2026-01-01,redeem,5,café\n".encode("latin-1"), "t.csv")
    with pytest.raises(InputError, match="line 2: not readable as CSV"):
        read_table(b'date,kind,amount\n2026-01-01,"redeem,5\n', "t.csv")


def test_line_numbers_count_blank_lines_and_multi_line_cells():
    data = (
        b"date,account,kind,amount,note\n"
        b"\n"
        b'2026-11-02,Personal,redeem,5,"two\nlines"\n'
        b"2026-11-03,Personal,spend,1,\n"
        b"\n"
        b"2026-11-04,Nobody,spend,1,\n"
    )
    table = read_table(data, "t.csv")
    assert [line for line, _ in table.rows] == [3, 5, 7]
    assert only_problem(data) == Problem("line 7", "unknown account 'Nobody'")


# -- one bad row at a time ----------------------------------------------------------------------

GOOD = ["2026-11-02", "Personal", "redeem", "50.00", "USD", "card"]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (0, "2026-13-45", "bad date: not a date: '2026-13-45'"),
        (0, "", "bad date"),
        (1, "Nobody", "unknown account 'Nobody'"),
        (1, "", "no account: the account cell is empty and no --account was given"),
        (2, "refund", "unknown kind 'refund' (expected redeem, spend, adjust)"),
        (2, "reversal", "kind 'reversal' cannot be imported"),
        (3, "50.001", "bad amount: USD has 2 decimal places"),
        (3, "0", "bad amount: amount must be more than zero"),
        (3, "-50", "a redeem amount is written without a sign"),
        (3, "50 EUR", "bad amount: amount is in EUR but the account is in USD"),
        (3, "1,000,001", "over the limit"),
        (4, "EUR", "currency EUR differs from USD, the currency of account 'Personal'"),
        (4, "XYZ", "unknown currency 'XYZ'"),
    ],
)
def test_each_kind_of_bad_row_names_its_reason(column, value, reason):
    row = list(GOOD)
    row[column] = value
    problem = only_problem(csv_bytes([GOOD, row]))
    assert problem.where == "line 3"
    assert reason in problem.reason


def test_a_row_with_several_faults_lists_them_all():
    problem = only_problem(csv_bytes([["someday", "Nobody", "gift", "1.5", "USD", ""]]))
    assert problem.reason.split("; ") == [
        "unknown account 'Nobody'",
        "unknown kind 'gift' (expected redeem, spend, adjust)",
        "bad date: not a date: 'someday' (expected e.g. 2026-11-25)",
    ]


def test_wrong_number_of_cells():
    data = b"date,account,kind,amount\n2026-11-02,Personal,redeem\n2026-11-02,Personal,redeem,5,x\n"
    _, problems = check(data)
    assert [str(p) for p in problems] == [
        "line 2: 3 cells, but the header has 4",
        "line 3: 5 cells, but the header has 4",
    ]


def test_archived_account_is_refused():
    accounts = [*ACCOUNTS, account(4, "Old", "USD", archived=True)]
    table = read_table(csv_bytes([["2026-11-02", "old", "redeem", "5", "", ""]]), "t.csv")
    _, problems = check_rows(table, accounts, {a.id: 0 for a in accounts}, fallback=None)
    assert [p.reason for p in problems] == ["account 'Old' is archived"]


# -- signs, currencies and the running balance --------------------------------------------------


def test_amount_signs_follow_the_kind_and_adjustments_carry_their_own():
    rows = [
        ["2026-11-02", "Kuwait", "redeem", "10.000", "KWD", ""],
        ["2026-11-03", "Kuwait", "spend", "2.500", "", ""],
        ["2026-11-04", "Kuwait", "adjust", "-0.125", "kwd", ""],
        ["2026-11-05", "Kuwait", "adjust", "+1.000", "KWD", ""],
        ["2026-11-06", "Japan", "redeem", "¥1,500", "", ""],
    ]
    entries, problems = check(csv_bytes(rows))
    assert problems == []
    assert [(e.kind, e.amount, e.currency) for e in entries] == [
        ("redeem", 10000, "KWD"),
        ("spend", -2500, "KWD"),
        ("adjust", -125, "KWD"),
        ("adjust", 1000, "KWD"),
        ("redeem", 1500, "JPY"),
    ]


def test_overdraft_is_judged_in_file_order_from_the_current_balance():
    rows = [
        ["2026-11-02", "Personal", "spend", "30.00", "", "before the card"],
        ["2026-11-03", "Personal", "redeem", "50.00", "", ""],
        ["2026-11-04", "Personal", "spend", "60.00", "", ""],
        ["2026-11-05", "Personal", "adjust", "-70.01", "", ""],
    ]
    entries, problems = check(csv_bytes(rows), balances={1: 2000, 2: 0, 3: 0})
    assert [str(p) for p in problems] == [
        "line 2: the balance of Personal is 20.00 USD; cannot take 30.00 USD from it",
        "line 5: the balance of Personal is 10.00 USD; cannot take 70.01 USD from it",
    ]
    assert [e.amount for e in entries] == [5000, -6000]


def test_fallback_account_fills_empty_cells_and_refuses_others():
    rows = [
        ["2026-11-02", "", "redeem", "5", "", ""],
        ["2026-11-02", "JAPAN", "redeem", "5", "", ""],
        ["2026-11-02", "Personal", "redeem", "5", "", ""],
    ]
    entries, problems = check(csv_bytes(rows), fallback=ACCOUNTS[1])
    assert [(e.account_id, e.amount) for e in entries] == [(2, 5), (2, 5)]
    assert [str(p) for p in problems] == [
        "line 4: names account 'Personal', but --account is 'Japan'"
    ]


def test_giver_and_expiry_columns():
    header = ["date", "account", "kind", "amount", "giver", "expires_on"]
    rows = [
        ["2026-11-02", "Personal", "redeem", "5", "Aunt May", "2027-11-02"],
        ["2026-11-02", "Personal", "spend", "1", "Aunt May", ""],
        ["2026-11-02", "Personal", "redeem", "5", "", "2026-11-01"],
        ["2026-11-02", "Personal", "spend", "1", "", "2027-01-01"],
        ["2026-11-02", "Personal", "redeem", "5", "x" * 201, "soon"],
    ]
    entries, problems = check(csv_bytes(rows, header))
    assert [(e.giver, e.expires_on) for e in entries] == [("Aunt May", date(2027, 11, 2))]
    assert [str(p) for p in problems] == [
        "line 3: a giver belongs to a redeem, not a spend",
        "line 4: the expiry date 2026-11-01 is before the redemption date 2026-11-02",
        "line 5: an expiry date belongs to a redeem, not a spend",
        "line 6: the giver is longer than 200 characters; bad expires_on: not a date: 'soon' "
        "(expected e.g. 2026-11-25)",
    ]


def test_bad_rows_error_summarises_and_keeps_every_problem():
    problems = [Problem("line 2", "x"), Problem("line 9", "y")]
    error = BadRows("t.csv", problems)
    assert str(error) == "2 bad rows in t.csv; nothing was imported"
    assert error.problems == problems
    assert error.exit_code == 2


# -- properties ---------------------------------------------------------------------------------


@st.composite
def valid_rows(draw):
    """Rows that are valid on their own, with the balances they should leave."""
    balances = {a.id: 0 for a in ACCOUNTS}
    rows, expected = [], []
    for _ in range(draw(st.integers(0, 40))):
        chosen = draw(st.sampled_from(ACCOUNTS))
        unit = 10 ** currency_digits(chosen.currency)
        kind = draw(st.sampled_from(["redeem", "spend", "adjust"]))
        if kind == "spend" and balances[chosen.id] == 0:
            kind = "redeem"
        if kind == "redeem":
            amount = draw(st.integers(1, 500 * unit))
        elif kind == "spend":
            amount = -draw(st.integers(1, balances[chosen.id]))
        else:
            amount = draw(st.integers(-balances[chosen.id], 50 * unit).filter(bool))
        balances[chosen.id] += amount
        text = format_money(Money(abs(amount), chosen.currency), code=False)
        if kind == "adjust" and amount < 0:
            text = "-" + text
        name = draw(st.sampled_from([chosen.name, chosen.name.upper(), f" {chosen.name} "]))
        currency = draw(st.sampled_from([chosen.currency, "", chosen.currency.lower()]))
        day = draw(st.dates(date(1990, 1, 1), date(2100, 12, 31))).isoformat()
        rows.append([day, name, kind, text, currency, draw(st.sampled_from(["", 'a, "b"']))])
        expected.append((chosen.id, kind, amount))
    return rows, expected, balances


@given(valid_rows())
@settings(max_examples=60, deadline=None)
def test_valid_rows_are_all_accepted_with_exact_signed_amounts(case):
    rows, expected, balances = case
    entries, problems = check(csv_bytes(rows))
    assert problems == []
    assert [(e.account_id, e.kind, e.amount) for e in entries] == expected
    running = {a.id: 0 for a in ACCOUNTS}
    for entry in entries:
        running[entry.account_id] += entry.amount
        assert running[entry.account_id] >= 0
    assert running == balances


BAD_CELLS = {
    0: ["2026-02-30", "tomorrow-ish", "32/13/2026"],
    1: ["Nobody", "Personal2"],
    2: ["reversal", "purchase", "REDEEMED"],
    3: ["1.2345", "NaN", "1e3", "--1"],
    4: ["EUR", "US"],
}


@given(valid_rows(), st.data())
@settings(max_examples=60, deadline=None)
def test_mixed_good_and_bad_rows_report_exactly_the_bad_lines(case, data):
    rows, expected, _ = case
    mixed, bad_lines = [], []
    for row in rows:
        if data.draw(st.booleans()):
            column = data.draw(st.sampled_from(sorted(BAD_CELLS)))
            bad = list(row)
            bad[column] = data.draw(st.sampled_from(BAD_CELLS[column]))
            mixed.append(bad)
            bad_lines.append(f"line {len(mixed) + 1}")
        mixed.append(row)
    entries, problems = check(csv_bytes(mixed))
    assert [p.where for p in problems] == bad_lines
    assert [(e.account_id, e.kind, e.amount) for e in entries] == expected
