"""Plain-text-accounting journals: the exported files load in hledger, ledger-cli and beancount
unchanged, and those programs report giftbalance's balances.

The programs are looked for on PATH (bean-check also beside this Python, in the venv). A test
that needs one is skipped, naming it, only when it is not installed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from giftbalance.io.journals import (
    JournalAccount,
    JournalData,
    JournalEntry,
    beancount_component,
    beancount_text,
    ledger_component,
    ledger_text,
)


def program(name: str) -> str:
    """The path of ``name``, or skip the test saying it is not installed."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(
            f"{name} is not installed (apt-get install hledger ledger; pip install beancount)"
        )
    return found


def tool(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# -- a realistic ledger with awkward names ------------------------------------------------------


@pytest.fixture
def ledger_db(run, db_url, monkeypatch) -> dict[str, str]:
    """Accounts in USD, JPY and KWD (names and stores with colons, semicolons, brackets, double
    spaces, accents, CJK, a leading digit, names that clean to the same component), redemptions
    from awkward givers, spends (one buying a need), adjustments both ways and reversals.
    Returns giftbalance's balances by account name."""
    from datetime import datetime

    from giftbalance.storage import models
    from giftbalance.storage.db import Database

    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")

    def ok(*args: str) -> None:
        result = run(*args)
        assert result.exit_code == 0, result.output

    ok("account", "add", "Personal", "--currency", "USD")
    ok("account", "add", "Work: expenses; (old)", "--store", "amazon.com", "--currency", "USD")
    ok("account", "add", "Work expenses old", "--store", "amazon.com", "--currency", "USD")
    ok("account", "add", "東京", "--store", "amazon.co.jp", "--currency", "JPY")
    ok("account", "add", "Kuwait  [Home]", "--store", "7-Eleven  KW", "--currency", "KWD")
    ok("add", "100", "--account", "Personal", "--yes", "--from", "Aunt May", "--date", "2026-01-05")
    ok(
        "add",
        "50",
        "--account",
        "Personal",
        "--yes",
        "--from",
        'Émile "Ed"; Jr.',
        "--date",
        "2026-01-06",
    )
    ok(
        "spend",
        "12.34",
        "--account",
        "Personal",
        "--date",
        "2026-01-07",
        "--note",
        "towels; soft [x]",
    )
    ok("spend", "7.66", "--account", "Personal", "--date", "2026-01-08")
    ok("undo", "--yes")  # a reversed spend
    ok("add", "40", "--account", "Work: expenses; (old)", "--yes", "--from", "Boss: Inc")
    ok("add", "15", "--account", "Work expenses old", "--yes", "--from", "山田")
    ok("add", "3000", "--account", "東京", "--yes", "--date", "2026-02-01")
    ok("add", "1200", "--account", "東京", "--yes", "--date", "2026-02-02")
    ok("undo", "--yes")  # a reversed redemption
    ok("spend", "999", "--account", "東京", "--date", "2026-02-03")
    ok("add", "12.345", "--account", "Kuwait [Home]", "--yes", "--date", "2025-12-31")
    ok("reconcile", "12.000", "--account", "Kuwait [Home]", "--yes")
    ok("reconcile", "12.500", "--account", "Kuwait [Home]", "--yes")
    ok(
        "spend",
        "0.001",
        "--account",
        "Kuwait [Home]",
        "--date",
        "2026-03-01",
        "--note",
        "tab\there  two  spaces",
    )
    ok("reconcile", "130.00", "--account", "Personal", "--yes")
    database = Database(db_url)
    try:
        with database.write() as session:
            stamp = datetime(2026, 1, 7, 12)
            need = models.Need(
                name="Paper: towels", unit_price=1234, currency="USD", created_at=stamp
            )
            session.add(need)
            session.flush()
            session.add(models.Purchase(entry_id=3, need_id=need.id, units=1, created_at=stamp))
    finally:
        database.dispose()
    shown = json.loads(run("balance", "--json").stdout)
    return {a["name"]: f"{a['balance']} {a['currency']}" for a in shown["accounts"]}


def exported(run, fmt: str, path: Path) -> Path:
    result = run("export", "--format", fmt, "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def asset_balances(pairs: list[tuple[str, str]]) -> list[str]:
    """Sorted ``"amount COMMODITY"`` strings of the asset accounts, amounts normalised."""
    out = []
    for account, amount in pairs:
        if account.startswith("Assets:"):
            number, commodity = amount.split()
            out.append(f"{Decimal(number.replace(',', ''))} {commodity}")
    return sorted(out)


def expected(balances: dict[str, str]) -> list[str]:
    return sorted(f"{Decimal(b.split()[0])} {b.split()[1]}" for b in balances.values())


def test_hledger_loads_the_journal_and_reports_our_balances(run, ledger_db, tmp_path):
    hledger = program("hledger")
    journal = exported(run, "ledger", tmp_path / "gifts.journal")
    out = tool(
        hledger, "-f", str(journal), "balance", "Assets", "--flat", "--no-total", "-O", "csv"
    )
    rows = list(csv.reader(io.StringIO(out)))[1:]
    assert len(rows) == len(ledger_db)  # no two accounts merged
    assert asset_balances([(a, b) for a, b in rows]) == expected(ledger_db)
    tool(hledger, "-f", str(journal), "check", "accounts")  # every account is declared


def test_ledger_cli_loads_the_journal_and_reports_our_balances(run, ledger_db, tmp_path):
    ledger_cli = program("ledger")
    journal = exported(run, "ledger", tmp_path / "gifts.journal")
    out = tool(
        ledger_cli,
        "-f",
        str(journal),
        "--pedantic",
        "balance",
        "Assets",
        "--flat",
        "--no-total",
        "--format",
        "%(account)\t%(display_total)\n",
    )
    rows = [tuple(line.split("\t")) for line in out.splitlines() if line.strip()]
    assert len(rows) == len(ledger_db)
    assert asset_balances(rows) == expected(ledger_db)


def test_beancount_file_passes_bean_check_and_sums_to_our_balances(run, ledger_db, tmp_path):
    bean_check = program("bean-check")
    path = exported(run, "beancount", tmp_path / "gifts.beancount")
    tool(bean_check, str(path))
    loader = pytest.importorskip(
        "beancount.loader", reason="beancount's Python API is not installed"
    )
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    totals: dict[str, Decimal] = {}
    units: dict[str, str] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", []):
            account = posting.account
            totals[account] = totals.get(account, Decimal(0)) + posting.units.number
            units[account] = posting.units.currency
    assets = {a: t for a, t in totals.items() if a.startswith("Assets:")}
    assert len(assets) == len(ledger_db)  # every account has entries here; none merged
    assert sorted(f"{t} {units[a]}" for a, t in assets.items()) == expected(ledger_db)


def tamper(path: Path) -> None:
    """Change one recorded balance in the closing assertions by one minor unit."""
    text = path.read_text()
    changed = re.sub(r"(= |balance \S+\s+)130\.00 ", r"\g<1>130.01 ", text, count=1)
    assert changed != text
    path.write_text(changed)


@pytest.mark.parametrize(
    ("fmt", "name"), [("ledger", "hledger"), ("ledger", "ledger"), ("beancount", "bean-check")]
)
def test_the_tools_check_our_balance_assertions(run, ledger_db, tmp_path, fmt, name):
    """The journals end with giftbalance's balances as assertions, and the tools verify them:
    a file whose postings disagree with an assertion is refused."""
    path = exported(run, fmt, tmp_path / f"gifts.{fmt}")
    executable = program(name)
    args = {"hledger": ["-f", str(path), "balance"], "ledger": ["-f", str(path), "balance"]}.get(
        name, [str(path)]
    )
    assert subprocess.run([executable, *args], capture_output=True).returncode == 0
    tamper(path)
    assert subprocess.run([executable, *args], capture_output=True).returncode != 0


def test_empty_database_journals_load(run, db_url, tmp_path):
    for fmt, name in (("ledger", "hledger"), ("ledger", "ledger"), ("beancount", "bean-check")):
        path = exported(run, fmt, tmp_path / f"empty.{fmt}")
        executable = program(name)
        args = [str(path)] if name == "bean-check" else ["-f", str(path), "balance"]
        tool(executable, *args)


# -- the text, without the tools ----------------------------------------------------------------

DATA = JournalData(
    accounts=[
        JournalAccount(1, "Personal", "amazon.com", "USD", date(2026, 1, 1), 8766),
        JournalAccount(2, "Japan", "amazon.co.jp", "JPY", date(2026, 1, 2), 0),
    ],
    entries=[
        JournalEntry(1, 1, "redeem", 10000, "USD", date(2026, 1, 5), giver="Aunt May"),
        JournalEntry(2, 1, "spend", -1234, "USD", date(2026, 1, 6), note="towels", need="Towels"),
        JournalEntry(3, 2, "redeem", 1500, "JPY", date(2026, 1, 7)),
        JournalEntry(4, 2, "reversal", -1500, "JPY", date(2026, 1, 7), reverses_id=3),
    ],
)


def test_ledger_text_books_each_kind_against_its_counterpart():
    text = ledger_text(DATA)
    assert "2026-01-05 * (1) Gift card from Aunt May\n" in text
    assert re.search(
        r"Assets:GiftCards:amazon\.com:Personal +100\.00 USD\n +Income:Gifts:Aunt May +-100\.00 USD",
        text,
    )
    assert re.search(
        r"\(2\) Bought Towels - towels\n.*-12\.34 USD\n +Expenses:GiftCards:Needs:Towels +12\.34 USD",
        text,
    )
    # the reversal mirrors its original: back to the same income account
    assert re.search(
        r"\(4\) Reversal of entry 3\n +Assets:GiftCards:amazon\.co\.jp:Japan +-1500 JPY\n +Income:Gifts:Unknown +1500 JPY",
        text,
    )
    assert "2026-01-08 * Balances recorded by giftbalance" in text
    assert re.search(r"Personal +0\.00 USD = 87\.66 USD", text)


def test_beancount_text_opens_accounts_before_use_and_asserts_balances():
    text = beancount_text(DATA)
    assert 'option "operating_currency" "JPY"\noption "operating_currency" "USD"' in text
    assert "2026-01-01 open Assets:GiftCards:Amazon-com:Personal USD" in text
    assert "2026-01-02 open Assets:GiftCards:Amazon-co-jp:Japan JPY" in text
    assert "2026-01-05 open Income:Gifts:Aunt-May\n" in text
    assert "2026-01-06 open Expenses:GiftCards:Needs:Towels\n" in text
    assert "  entry: 4\n  reverses: 3\n" in text
    assert "2026-01-08 balance Assets:GiftCards:Amazon-com:Personal  87.66 ~ 0.00 USD" in text
    assert "2026-01-08 balance Assets:GiftCards:Amazon-co-jp:Japan  0 ~ 0 JPY" in text


@given(st.text(max_size=40))
def test_any_text_makes_a_valid_ledger_component(text):
    name = ledger_component(text)
    assert name and name == name.strip()
    assert "  " not in name and not re.search(r"[\t\n\r:;\[\]()@*!|\"]", name)


BEANCOUNT_COMPONENT = re.compile(r"[A-Z0-9][^\W_]*(-[^\W_]+)*", re.UNICODE)


@given(st.text(max_size=40))
@example("፩")  # Ethiopic digit one: str.isdigit() says yes, bean-check says no (CI found it)
@example("々 ⅻ")  # a letter without case and a letter-number cannot start a component either
def test_any_text_makes_a_valid_beancount_component(text):
    name = beancount_component(text)
    assert BEANCOUNT_COMPONENT.fullmatch(name), name


def test_components_that_would_merge_get_the_account_id():
    from giftbalance.io.journals import asset_names

    accounts = [
        JournalAccount(1, "Work: old", "amazon.com", "USD", date(2026, 1, 1), 0),
        JournalAccount(2, "Work old", "amazon.com", "USD", date(2026, 1, 1), 0),
    ]
    assert asset_names(accounts, ledger_component) == {
        1: "Assets:GiftCards:amazon.com:Work old",
        2: "Assets:GiftCards:amazon.com:Work old-2",
    }
