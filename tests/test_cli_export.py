"""``giftbalance export`` (csv, json) and the round trip back through ``import``."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giftbalance.errors import NotFound, Refused
from giftbalance.io import export
from giftbalance.ledger import accounts, entries
from giftbalance.storage.db import Database
from giftbalance.values.money import Money, currency_digits, parse_stored_money
from giftbalance.values.text import BIDI_CONTROL_CHARACTERS as BIDI

TABLES = ["settings", "accounts", "members", "needs", "entries", "purchases", "contacts"]


def document_of(url: str) -> dict:
    """The export document of the database at ``url``, without its time stamp."""
    database = Database(url)
    try:
        with database.read() as session:
            document = export.build_document(session, exported_at=datetime(2026, 1, 1))
    finally:
        database.dispose()
    del document["exported_at"]
    return document


def make_household(run, url: str) -> None:
    """A ledger with three currencies, a reversal, adjustments, a claim code, and rows in every
    other table (written with plain SQLAlchemy, as the other commands would), at ``url``."""
    from giftbalance.storage import models

    def ok(*args: str, input: str | None = None) -> None:
        result = run("--db", url, *args, input=input)
        assert result.exit_code == 0, result.output

    ok("account", "add", "Personal", "--currency", "USD", "--tax-rate", "8.875", "--default")
    ok("account", "add", "Japan", "--store", "amazon.co.jp", "--currency", "JPY")
    ok("account", "add", "Kuwait", "--store", "xcite.com", "--currency", "KWD", "--note", "gift")
    ok(
        "add",
        "100",
        "--yes",
        "--from",
        "Aunt May",
        "--date",
        "2026-11-01",
        "--expires",
        "2027-11-01",
    )
    ok("add", "25", "--yes", "--code", input="ABCD-EFGH-JKLM\n")
    ok("spend", "12.34", "--date", "2026-11-02", "--note", 'paper towels, "soft"\nand more')
    ok("add", "5000", "--account", "Japan", "--yes")
    ok("add", "1.250", "--account", "Kuwait", "--yes")
    ok("undo", "--yes")
    ok("add", "2.125", "--account", "Kuwait", "--yes")
    ok("reconcile", "2.000", "--account", "Kuwait", "--yes")
    ok("reconcile", "113.00", "--yes")
    ok("config", "set", "week_start", "sunday")
    database = Database(url)
    try:
        with database.write() as session:
            stamp = datetime(2026, 11, 20, 9, 30)
            member = models.Member(name="Sam", name_key="sam", created_at=stamp)
            gone = models.Member(name="Sam", name_key="sam", created_at=stamp, removed_at=stamp)
            session.add_all([member, gone])
            session.flush()
            need = models.Need(
                name="Paper towels",
                unit_price=1234,
                currency="USD",
                quantity=2,
                priority="high",
                member_id=member.id,
                account_id=1,
                rule="FREQ=MONTHLY;BYMONTHDAY=1",
                first_date=date(2026, 11, 1),
                next_date=date(2026, 12, 1),
                status="open",
                created_at=stamp,
            )
            session.add(need)
            session.flush()
            session.add(
                models.Purchase(
                    entry_id=3,
                    need_id=need.id,
                    member_id=member.id,
                    units=1,
                    occurrence=date(2026, 11, 1),
                    created_at=stamp,
                )
            )
            session.add(
                models.Contact(
                    occurred_at=stamp,
                    channel="chat",
                    rep="Jo",
                    case_ref="123-456",
                    account_id=1,
                    summary="Card went to the wrong account",
                    outcome="pending",
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    finally:
        database.dispose()


@pytest.fixture
def household(run, db_url, monkeypatch) -> None:
    """:func:`make_household` in this test's database (SQLite, or PostgreSQL too)."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    make_household(run, db_url)


def test_json_export_shape(ok, household):
    document = json.loads(ok("export", "--format", "json").stdout)
    assert list(document) == ["format", "version", "schema", "exported_at", *TABLES]
    assert (document["format"], document["version"]) == ("giftbalance-export", 1)
    assert document["settings"] == [
        {"key": "default_account", "value": "1"},
        {"key": "week_start", "value": "sunday"},
    ]
    personal, japan, kuwait = document["accounts"]
    assert personal["tax_rate"] == "8.875" and personal["egift_minimum"] == "1.00"
    assert (japan["egift_minimum"], kuwait["egift_minimum"], kuwait["note"]) == (
        "1",
        "1.000",
        "gift",
    )
    assert "name_key" not in personal
    entries = document["entries"]
    assert [(e["id"], e["kind"], e["amount"], e["balance_after"]) for e in entries] == [
        (1, "redeem", "100.00", "100.00"),
        (2, "redeem", "25.00", "125.00"),
        (3, "spend", "-12.34", "112.66"),
        (4, "redeem", "5000", "5000"),
        (5, "redeem", "1.250", "1.250"),
        (6, "reversal", "-1.250", "0.000"),
        (7, "redeem", "2.125", "2.125"),
        (8, "adjust", "-0.125", "2.000"),
        (9, "adjust", "0.34", "113.00"),
    ]
    assert entries[0]["giver"] == "Aunt May" and entries[0]["expires_on"] == "2027-11-01"
    assert entries[1]["code_last4"] == "JKLM" and len(entries[1]["code_hmac"]) == 64
    assert entries[5]["reverses_id"] == 5
    assert entries[2]["note"] == 'paper towels, "soft"\nand more'
    assert document["needs"][0]["unit_price"] == "12.34"
    assert [m["removed_at"] for m in document["members"]] == [None, "2026-11-20T09:30:00"]
    assert document["purchases"][0]["entry_id"] == 3
    assert document["contacts"][0]["case_ref"] == "123-456"


def test_no_claim_code_ever_appears_in_an_export(ok, household, tmp_path):
    for fmt in ("json", "csv", "ledger", "beancount"):
        out = tmp_path / f"x.{fmt}"
        ok("export", "--format", fmt, "--output", str(out))
        data = out.read_bytes()
        if fmt == "csv":
            data = b"".join(zipfile.ZipFile(out).read(n) for n in zipfile.ZipFile(out).namelist())
        assert b"ABCDEFGHJKLM" not in data.upper().replace(b"-", b"")


def test_csv_export_is_a_zip_of_one_csv_per_table(ok, household, tmp_path):
    out = tmp_path / "all.zip"
    result = ok("export", "--format", "csv", "--output", str(out))
    assert result.stdout == (
        f"Exported 2 settings, 3 accounts, 2 members, 1 needs, 9 entries, 1 purchases, "
        f"1 contacts to {out} (csv).\n"
    )
    archive = zipfile.ZipFile(out)
    assert archive.namelist() == ["manifest.json", *(f"{t}.csv" for t in TABLES)]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "giftbalance-export"
    entries = list(csv.reader(io.StringIO(archive.read("entries.csv").decode())))
    assert entries[0][:7] == [
        "id",
        "account_id",
        "kind",
        "amount",
        "currency",
        "balance_after",
        "occurred_on",
    ]
    assert entries[3][:6] == ["3", "1", "spend", "-12.34", "USD", "112.66"]
    assert len(entries) == 10


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_gives_an_identical_database(ok, run, household, db_url, tmp_path, fmt):
    """The acceptance criterion: an export imported into an empty database gives identical
    balances, and here identical records of every table."""
    out = tmp_path / f"all.{'zip' if fmt == 'csv' else 'json'}"
    ok("export", "--format", fmt, "--output", str(out))
    target = "sqlite:///" + str(tmp_path / "target.db")
    result = run("--db", target, "import", str(out))
    assert result.exit_code == 0, result.output
    assert document_of(target) == document_of(db_url)
    shown = run("--db", target, "balance", "--json")
    assert json.loads(shown.stdout) == json.loads(ok("balance", "--json").stdout)


def test_restore_into_the_suites_database_and_carry_on(ok, run, sql, db_url, tmp_path, monkeypatch):
    """Restore into this test's backend (on PostgreSQL the id sequences must move past the
    restored ids), then keep using it: new rows get the next ids."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    source = "sqlite:///" + str(tmp_path / "source.db")
    make_household(run, source)
    out = tmp_path / "all.json"
    assert run("--db", source, "export", "--output", str(out)).exit_code == 0
    ok("import", str(out))
    assert document_of(db_url) == document_of(source)
    ok("spend", "1")
    ok("account", "add", "Later", "--currency", "EUR")
    assert sql("SELECT max(id) FROM entries") == [(10,)]
    assert sql("SELECT id FROM accounts WHERE name = 'Later'") == [(4,)]
    assert (
        json.loads(ok("balance", "--json", "--account", "Personal").stdout)["accounts"][0][
            "balance"
        ]
        == "112.00"
    )


def test_output_file_is_private_and_replaced_atomically(ok, household, tmp_path):
    out = tmp_path / "backup.json"
    out.write_text("old content")
    os.chmod(out, 0o644)
    ok("export", "--output", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["format"] == "giftbalance-export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_stdout_is_the_default_output(ok, household):
    assert json.loads(ok("export").stdout)["accounts"][0]["name"] == "Personal"
    assert json.loads(ok("export", "--output", "-").stdout)["entries"][0]["id"] == 1


@pytest.mark.parametrize(
    ("where", "match"), [("missing/x.json", "does not exist"), (".", "is a directory")]
)
def test_bad_output_paths(refused, household, tmp_path, where, match):
    refused("export", "--output", str(tmp_path / where), code=2, match=match)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_unwritable_folder_is_a_clean_error(refused, household):
    # /proc refuses new files even to root, unlike a folder with mode 0500
    refused(
        "export", "--output", "/proc/giftbalance-export.json", code=2, match="cannot write in /proc"
    )


def test_unknown_format(refused, household):
    refused("export", "--format", "xml", code=2, match="'xml' is not one of")


def test_csv_to_a_terminal_is_refused(refused, household, monkeypatch):
    import giftbalance.cli.transfer as transfer

    monkeypatch.setattr(transfer, "_stdout_is_terminal", lambda: True)
    refused("export", "--format", "csv", code=2, match="zip archive")


def test_empty_database_exports_and_restores(ok, run, tmp_path):
    out = tmp_path / "empty.json"
    ok("export", "--output", str(out))
    target = "sqlite:///" + str(tmp_path / "target.db")
    result = run("--db", target, "import", str(out))
    assert result.stdout.startswith("Restored nothing.")


# -- property: random ledgers survive the round trip --------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An empty, migrated SQLite database to copy for each example."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    Database("sqlite:///" + str(path)).dispose()
    return path


texts = st.text(
    # Control and text-direction characters are refused on the way in (tests/test_text.py).
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=BIDI)
    | st.sampled_from("\n\t,\"'"),
    min_size=1,
    max_size=12,
)
names = texts.filter(lambda t: " ".join(t.split()) != "")
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("redeem"),
            st.integers(0, 2),
            st.integers(1, 10**8),
            st.none() | texts,
            st.none() | texts,
            st.none() | st.integers(0, 800),
        ),
        st.tuples(st.just("spend"), st.integers(0, 2), st.integers(1, 100)),
        st.tuples(st.just("reconcile"), st.integers(0, 2), st.integers(0, 10**7)),
        st.tuples(st.just("undo"), st.integers(1, 40)),
    ),
    max_size=30,
)


def build(url: str, currencies: list[str], account_names: list[str], ops: list[tuple]) -> None:
    database = Database(url)
    try:
        with database.write() as session:
            made = []
            for index, (name, currency) in enumerate(zip(account_names, currencies, strict=False)):
                try:
                    made.append(
                        accounts.add_account(
                            session,
                            name,
                            store="amazon.com",
                            currency=currency,
                            tax_rate=Decimal("0"),
                            note=None,
                            make_default=index == 0,
                        )
                    )
                except Refused:  # a name equal to an earlier one, case aside
                    continue
            day = date(2026, 1, 1)
            for op in ops:
                day += timedelta(days=1)
                account = made[op[1] % len(made)] if op[0] != "undo" else None
                if op[0] == "redeem":
                    assert account is not None
                    _, _, amount, giver, note, expires = op
                    limit = 1_000_000 * 10 ** currency_digits(account.currency)
                    entries.redeem(
                        session,
                        account,
                        Money(min(amount, limit), account.currency),
                        occurred_on=day,
                        giver=giver,
                        note=note,
                        expires_on=None if expires is None else day + timedelta(days=expires),
                    )
                elif op[0] == "spend":
                    assert account is not None
                    left = entries.balance(session, account)
                    if left:
                        spent = max(1, left * op[2] // 100)
                        entries.spend(
                            session, account, Money(spent, account.currency), occurred_on=day
                        )
                elif op[0] == "reconcile":
                    assert account is not None
                    entries.reconcile(
                        session, account, Money(op[2], account.currency), occurred_on=day
                    )
                else:
                    with contextlib.suppress(Refused, NotFound):
                        entries.reverse(session, entries.undo_target(session, op[1]))
    finally:
        database.dispose()


@given(
    currencies=st.lists(st.sampled_from(["USD", "JPY", "KWD", "EUR"]), min_size=1, max_size=3),
    account_names=st.lists(names, min_size=3, max_size=3),
    ops=operations,
    fmt=st.sampled_from(["json", "csv"]),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_ledger_survives_export_and_import(template, currencies, account_names, ops, fmt):
    folder = Path(tempfile.mkdtemp(prefix="gb-roundtrip-"))
    try:
        source, target = folder / "source.db", folder / "target.db"
        shutil.copy(template, source)
        shutil.copy(template, target)
        build("sqlite:///" + str(source), currencies, account_names, ops)
        original = document_of("sqlite:///" + str(source))
        data = (
            export.to_zip(original | {"exported_at": "2026-01-01T00:00:00"})
            if fmt == "csv"
            else (export.to_json(original | {"exported_at": "2026-01-01T00:00:00"}))
        )
        database = Database("sqlite:///" + str(target))
        try:
            with database.write() as session:
                export.restore(session, export.read_export(data, f"x.{fmt}"))
            with database.read() as session:
                restored = {a.name: entries.balance(session, a) for a in accounts.accounts(session)}
        finally:
            database.dispose()
        expected = {}
        for account in original["accounts"]:
            own = [e for e in original["entries"] if e["account_id"] == account["id"]]
            expected[account["name"]] = (
                Money(0, account["currency"]).minor
                if not own
                else _minor(own[-1]["balance_after"], account["currency"])
            )
        assert restored == expected
        assert document_of("sqlite:///" + str(target)) == original
    finally:
        shutil.rmtree(folder)


def _minor(text: str, currency: str) -> int:
    return parse_stored_money(text, currency)


@given(
    minor=st.integers(-(2**63) + 1, 2**63 - 1),
    currency=st.sampled_from(["USD", "JPY", "KWD", "CLF"]),
)
def test_stored_money_is_the_exact_inverse_of_format_money(minor, currency):
    from giftbalance.values.money import format_money

    text = format_money(Money(minor, currency), code=False)
    assert parse_stored_money(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.3", "USD"),
        ("12", "USD"),
        ("1500.0", "JPY"),
        ("+1", "JPY"),
        ("1,000.00", "USD"),
        (" 1.00", "USD"),
        ("--1", "JPY"),
        ("1e3", "JPY"),
        ("", "USD"),
        ("$1.00", "USD"),
        ("9" * 20, "JPY"),
    ],
)
def test_stored_money_refuses_anything_an_export_does_not_write(text, currency):
    from giftbalance.values.money import MoneyError

    with pytest.raises(MoneyError, match="not an amount as exported"):
        parse_stored_money(text, currency)


def test_stored_money_beyond_64_bits_is_refused():
    from giftbalance.values.money import MoneyError

    with pytest.raises(MoneyError, match="too large to store"):
        parse_stored_money("9" * 19, "JPY")


def test_balances_over_the_typing_limit_round_trip(ok, run, tmp_path):
    """One typed amount is at most 1,000,000 units, but a balance can grow past it (yen)."""
    ok("account", "add", "Japan", "--currency", "JPY")
    for _ in range(3):
        ok("add", "900000", "--account", "Japan", "--yes")
    for fmt in ("json", "csv"):
        out = tmp_path / f"big.{fmt}"
        ok("export", "--format", fmt, "--output", str(out))
        target = "sqlite:///" + str(tmp_path / f"{fmt}.db")
        assert run("--db", target, "import", str(out)).exit_code == 0
        shown = json.loads(run("--db", target, "balance", "--json").stdout)
        assert shown["accounts"][0]["balance"] == "2700000"
