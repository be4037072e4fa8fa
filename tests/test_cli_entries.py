"""Writing the ledger: ``add`` (a redemption), ``spend``, ``undo`` and ``reconcile``."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import click
import pytest

import giftbalance.cli.common


def log_json(ok) -> list[dict[str, Any]]:
    return json.loads(ok("log", "--json").stdout)


def balances(ok) -> dict[str, str]:
    data = json.loads(ok("balance", "--json").stdout)
    return {a["name"]: a["balance"] for a in data["accounts"]}


@pytest.fixture
def two_accounts(ok) -> None:
    ok("account", "add", "Personal", "--store", "amazon.com", "--note", "mine")
    ok("account", "add", "Work", "--store", "amazon.com", "--note", "work: expenses only")


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(giftbalance.cli.common, "stdin_is_terminal", lambda: True)


# -- add --------------------------------------------------------------------------------------


def test_add_shows_the_account_and_asks_before_writing(ok, two_accounts) -> None:
    result = ok("add", "25.50", "--account", "work", input="y\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "Account:  Work at amazon.com (work: expenses only)"
    assert lines[1] == "Redeem:   25.50 USD"
    assert lines[2] == "Balance:  0.00 USD -> 25.50 USD"
    assert lines[3].startswith("Is this the right account? [y/N]")
    assert lines[-1] == "Logged entry 1: redeemed 25.50 USD to Work. Balance: 25.50 USD."
    assert balances(ok) == {"Personal": "0.00", "Work": "25.50"}


@pytest.mark.parametrize("answer", ["n\n", "\n", "no\n", ""])
def test_add_answering_no_writes_nothing(refused, two_accounts, answer: str) -> None:
    result = refused("add", "25", "--account", "Work", input=answer, match="aborted")
    assert "Is this the right account?" in result.stdout
    assert "Logged entry" not in result.stdout


def test_add_yes_skips_the_question(ok, personal) -> None:
    result = ok("add", "25", "--yes")
    assert "Is this the right account?" not in result.stdout
    assert "Balance:  100.00 USD -> 125.00 USD" in result.stdout
    assert balances(ok) == {"Personal": "125.00"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("25", "25.00"),
        ("25.5", "25.50"),
        ("25.50", "25.50"),
        ("$25.50", "25.50"),
        ("1,234.56", "1234.56"),
        ("25.50 USD", "25.50"),
        ("USD 25.50", "25.50"),
        ("0.01", "0.01"),
        ("1000000", "1000000.00"),
    ],
)
def test_add_accepts_the_usual_amount_spellings(ok, personal, typed: str, stored: str) -> None:
    ok("add", typed, "--yes")
    assert log_json(ok)[-1]["amount"] == stored


@pytest.mark.parametrize(
    ("typed", "match"),
    [
        ("-5", "positive"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("25.555", "2 decimal places"),
        ("twenty", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("1e3", "not an amount"),
        ("1000000.01", "over the limit"),
        ("25 EUR", "in EUR but the account is in USD"),
        ("€25", "does not denote USD"),
    ],
)
def test_add_refuses_bad_amounts(refused, personal, typed: str, match: str) -> None:
    # "--" lets a leading minus through to the amount parser instead of click's options.
    refused("add", "--yes", "--", typed, code=2, match=match)


def test_add_in_currencies_with_zero_and_three_digits(ok, refused) -> None:
    ok("account", "add", "Tokyo", "--currency", "JPY", "--store", "amazon.co.jp")
    ok("account", "add", "Kuwait", "--currency", "KWD", "--store", "amazon.ae")
    assert "Balance: 1,000 JPY." in ok("add", "¥1,000", "-a", "Tokyo", "--yes").stdout
    refused("add", "1000.5", "-a", "Tokyo", "--yes", code=2, match="JPY has no decimal places")
    assert "Balance: 1.234 KWD." in ok("add", "1.234", "-a", "Kuwait", "--yes").stdout
    refused("add", "1.2345", "-a", "Kuwait", "--yes", code=2, match="KWD has 3 decimal places")
    refused("add", "$5", "-a", "Tokyo", "--yes", code=2, match="does not denote JPY")
    assert balances(ok) == {"Kuwait": "1.234", "Tokyo": "1000"}
    ok("spend", "0.234", "-a", "Kuwait")
    assert balances(ok)["Kuwait"] == "1.000"


def test_add_with_no_account_explains_how_to_create_one(refused) -> None:
    refused("add", "25", "--yes", match="giftbalance account add Personal --store amazon.com")


def test_add_to_an_unknown_account_lists_the_known_ones(refused, two_accounts) -> None:
    refused(
        "add",
        "25",
        "--account",
        "Family",
        "--yes",
        match="no account called 'Family' (accounts: Personal, Work)",
    )


def test_add_with_several_accounts_and_no_terminal_is_refused(refused, two_accounts) -> None:
    refused(
        "add",
        "25",
        "--yes",
        code=2,
        match="several accounts (Personal, Work) and no terminal to ask: pass --account NAME",
    )


def test_add_with_several_accounts_asks_which_on_a_terminal(ok, two_accounts, tty) -> None:
    result = ok("add", "25", input="work\ny\n")
    assert "Which account? (Personal, Work)" in result.stdout
    assert "Account:  Work at amazon.com" in result.stdout
    assert balances(ok) == {"Personal": "0.00", "Work": "25.00"}


def test_which_account_asks_again_after_a_wrong_name(ok, two_accounts, tty) -> None:
    result = ok("add", "25", "--yes", input="Family\n personal \n")
    assert result.stdout.count("Which account?") == 2
    assert "no account called 'Family'; type one of: Personal, Work" in result.output
    assert balances(ok) == {"Personal": "25.00", "Work": "0.00"}


def test_which_account_then_no_writes_nothing(refused, two_accounts, tty) -> None:
    refused("add", "25", input="Work\nn\n", match="aborted")


def test_default_account_is_used_without_asking(ok, two_accounts, tty) -> None:
    ok("config", "set", "default_account", "work")
    result = ok("add", "25", "--yes")
    assert "Which account?" not in result.stdout
    assert balances(ok) == {"Personal": "0.00", "Work": "25.00"}
    # --account still wins over the default.
    ok("add", "5", "--account", "Personal", "--yes")
    assert balances(ok) == {"Personal": "5.00", "Work": "25.00"}


def test_add_records_date_giver_note_and_expiry(ok, personal, monkeypatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    ok(
        "add",
        "30",
        "--date",
        "yesterday",
        "--from",
        "Aunt May",
        "--note",
        "birthday",
        "--expires",
        "Dec 31 2027",
        "--yes",
    )
    entry = log_json(ok)[-1]
    assert entry["date"] == "2026-11-24"
    assert entry["from"] == "Aunt May"
    assert entry["note"] == "birthday"
    assert entry["expires"] == "2027-12-31"
    assert entry["kind"] == "redeem"
    assert entry["code"] is None


def test_add_date_defaults_to_today(ok, personal, monkeypatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    ok("add", "5", "--yes")
    assert log_json(ok)[-1]["date"] == "2026-11-25"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--date", "someday"], "Invalid value for '--date': not a date"),
        (["--date", "2026-02-30"], "not a date"),
        (["--expires", "never"], "Invalid value for '--expires'"),
        (["--date", "2026-11-25", "--expires", "2026-11-24"], "before the redemption date"),
    ],
)
def test_add_refuses_bad_dates(refused, personal, args: list[str], match: str) -> None:
    refused("add", "5", "--yes", *args, code=2, match=match)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--date", "2026-11-25", "--expires", "2026-11-24"], "before the redemption date"),
        (["--from", "g" * 201], "giver is longer than 200"),
    ],
)
def test_add_refuses_bad_details_before_asking_anything(refused, personal, args, match) -> None:
    # Checked before the claim-code prompt and the summary: nothing is asked, nothing shown.
    result = refused("add", "5", "--code", *args, code=2, match=match, input="ABCD-EFGH-1234\n")
    assert result.stdout == ""


def test_add_missing_amount_is_a_usage_error(refused, personal) -> None:
    refused("add", code=2, match="Missing argument 'AMOUNT'")


@pytest.mark.parametrize(
    ("command", "amount"),
    [("add", "-5"), ("spend", "-5.00"), ("spend", "-1,000"), ("reconcile", "-.5")],
)
def test_a_negative_amount_is_refused_as_such(refused, personal, command, amount) -> None:
    # Without "--" click would call "-5" an unknown option; say what is wrong instead.
    refused(command, amount, "--yes", code=2, match=f"amount must be positive: '{amount}'")


def test_an_unknown_option_is_still_called_one(refused, personal) -> None:
    refused("add", "5", "-x", "--yes", code=2, match="No such option '-x'")
    refused("spend", "--acount", "Personal", "5", code=2, match="Did you mean '--account'")


# -- spend ------------------------------------------------------------------------------------


def test_spend(ok, personal) -> None:
    result = ok("spend", "12.34", "--note", "batteries", "--date", "2026-11-20")
    assert result.stdout.strip() == (
        "Logged entry 2: spent 12.34 USD from Personal. Balance: 87.66 USD."
    )
    entry = log_json(ok)[-1]
    assert entry["kind"] == "spend"
    assert entry["amount"] == "-12.34"
    assert entry["balance"] == "87.66"
    assert entry["note"] == "batteries"
    assert entry["date"] == "2026-11-20"


def test_spend_down_to_exactly_zero(ok, personal) -> None:
    ok("spend", "100")
    assert balances(ok) == {"Personal": "0.00"}


def test_spend_refuses_to_go_below_zero_and_says_the_balance(ok, refused, personal) -> None:
    refused(
        "spend",
        "100.01",
        match="the balance of Personal is 100.00 USD; cannot take 100.01 USD from it",
    )
    ok("spend", "60")
    refused("spend", "40.01", match="balance of Personal is 40.00 USD")


@pytest.mark.parametrize(
    ("typed", "match"),
    [("-1", "positive"), ("0", "more than zero"), ("1.001", "2 decimal places"), ("5 GBP", "GBP")],
)
def test_spend_refuses_bad_amounts(refused, personal, typed: str, match: str) -> None:
    refused("spend", "--", typed, code=2, match=match)


def test_spend_needs_to_know_the_account(ok, refused, two_accounts) -> None:
    ok("add", "10", "-a", "Work", "--yes")
    refused("spend", "5", code=2, match="several accounts")
    refused("spend", "5", "-a", "Nope", match="no account called 'Nope'")
    refused("spend", "5", "-a", "Personal", match="balance of Personal is 0.00 USD")
    ok("spend", "5", "-a", "WORK")
    assert balances(ok)["Work"] == "5.00"


def test_spend_with_no_account(refused) -> None:
    refused("spend", "5", match="no account yet")


# -- undo -------------------------------------------------------------------------------------


def test_undo_latest_entry_appends_a_reversal(ok, personal) -> None:
    ok("spend", "30")
    result = ok("undo", input="y\n")
    assert "Undo entry 2: spend of 30.00 USD" in result.stdout
    assert "Reverse it? [y/N]" in result.stdout
    assert "Logged entry 3: reversed entry 2. Balance: 100.00 USD." in result.stdout
    entries = log_json(ok)
    assert [(e["id"], e["kind"], e["amount"], e["reverses"]) for e in entries] == [
        (1, "redeem", "100.00", None),
        (2, "spend", "-30.00", None),
        (3, "reversal", "30.00", 2),
    ]
    assert entries[2]["note"] == "undo of entry 2"


def test_undo_walks_back_one_entry_at_a_time(ok, refused, personal) -> None:
    ok("spend", "30")
    ok("undo", "--yes")  # the spend
    ok("undo", "--yes")  # the redemption
    assert balances(ok) == {"Personal": "0.00"}
    assert len(log_json(ok)) == 4, "nothing is deleted"
    refused("undo", "--yes", match="nothing to undo")


def test_undo_a_given_entry(ok, personal) -> None:
    ok("spend", "10")
    ok("spend", "20")
    ok("undo", "2", "--yes")
    assert balances(ok) == {"Personal": "80.00"}
    assert log_json(ok)[-1]["reverses"] == 2


def test_undo_answering_no_writes_nothing(refused, personal) -> None:
    refused("undo", input="n\n", match="aborted")


def test_undo_refuses_a_redemption_whose_money_was_spent(ok, refused, personal) -> None:
    ok("spend", "60")
    result = refused("undo", "1", input="y\n", match="cannot undo entry 1")
    assert "was already spent (balance 40.00 USD)" in result.stderr
    assert "Reverse it?" not in result.stdout, "refused before asking"


def test_undo_refuses_twice(ok, refused, personal) -> None:
    ok("spend", "10")
    ok("undo", "2", "--yes")
    refused("undo", "2", "--yes", match="entry 2 was already reversed by entry 3")


def test_undo_refuses_a_reversal(ok, refused, personal) -> None:
    ok("spend", "10")
    ok("undo", "--yes")
    refused("undo", "3", "--yes", match="entry 3 is itself a reversal")


def test_undo_with_nothing_to_undo(refused) -> None:
    refused("undo", "--yes", match="nothing to undo")


def test_undo_unknown_or_bad_ids(refused, personal) -> None:
    refused("undo", "99", "--yes", match="no entry 99")
    refused("undo", "0", "--yes", code=2, match="0 is not in the range")
    refused("undo", "first", "--yes", code=2, match="'first' is not a whole number")
    refused("undo", "٥", "--yes", code=2, match="not '٥', arabic-indic digit five")
    refused("undo", "+1", "--yes", code=2, match="'+1' is not a whole number")
    refused("undo", "99999999999999999999999", "--yes", code=2, match="is not in the range")


def test_undo_in_another_account(ok, two_accounts) -> None:
    ok("add", "10", "-a", "Personal", "--yes")
    ok("add", "20", "-a", "Work", "--yes")
    ok("undo", "1", "--yes")
    assert balances(ok) == {"Personal": "0.00", "Work": "20.00"}


def test_undo_of_a_reconcile_adjustment(ok, personal) -> None:
    ok("reconcile", "90", "--yes")
    ok("undo", "--yes")
    assert balances(ok) == {"Personal": "100.00"}


def test_undo_of_an_expiring_redemption_removes_its_lot(ok, personal) -> None:
    ok("add", "20", "--expires", "2030-01-01", "--yes")
    assert json.loads(ok("balance", "--json").stdout)["accounts"][0]["expiring"] is not None
    ok("undo", "--yes")
    assert json.loads(ok("balance", "--json").stdout)["accounts"][0]["expiring"] is None


# -- reconcile --------------------------------------------------------------------------------


def test_reconcile_down(ok, personal) -> None:
    result = ok("reconcile", "87.50", input="y\n")
    assert "Personal: ledger 100.00 USD, store 87.50 USD" in result.stdout
    assert "Adjustment: -12.50 USD" in result.stdout
    assert "Record the adjustment? [y/N]" in result.stdout
    assert "Logged entry 2: adjustment. Balance: 87.50 USD." in result.stdout
    entry = log_json(ok)[-1]
    assert (entry["kind"], entry["amount"], entry["balance"]) == ("adjust", "-12.50", "87.50")
    assert entry["note"] == "reconciled to 87.50 USD shown by the store"


def test_reconcile_up(ok, personal) -> None:
    result = ok("reconcile", "$1,100", "--yes")
    assert "Adjustment: +1,000.00 USD" in result.stdout
    assert balances(ok) == {"Personal": "1100.00"}


def test_reconcile_to_zero(ok, personal) -> None:
    ok("reconcile", "0", "--yes")
    assert balances(ok) == {"Personal": "0.00"}
    assert log_json(ok)[-1]["amount"] == "-100.00"


def test_reconcile_already_matches(ok, dump, personal, monkeypatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-20")
    before = dump()
    result = ok("reconcile", "100.00", "--yes")
    assert result.stdout.strip() == "Personal: the ledger already matches the store (100.00 USD)."
    after = dump()
    # The ledger is untouched; only the check is recorded (the reminders count it).
    assert after["entries"] == before["entries"]
    assert {k: v for k, v in after.items() if k != "reconciliations"} == before
    [check] = after["reconciliations"]
    # (id, account_id, checked_on, store_balance, entry_id, created_at); dates come back as
    # text from SQLite and as dates from PostgreSQL.
    assert (check[1], str(check[2]), check[3], check[4]) == (1, "2026-11-20", 10000, None)


def test_reconcile_empty_account_to_zero_already_matches(ok, dump) -> None:
    ok("account", "add", "Empty")
    before = dump()
    assert "already matches" in ok("reconcile", "0").stdout
    after = dump()
    assert {k: v for k, v in after.items() if k != "reconciliations"} == before
    assert len(after["reconciliations"]) == 1


def test_reconcile_with_an_adjustment_records_the_check_with_its_entry(ok, sql, personal) -> None:
    ok("reconcile", "90", "--yes")
    [(entry_id,)] = sql("SELECT id FROM entries WHERE kind = 'adjust'")
    assert sql("SELECT account_id, store_balance, entry_id FROM reconciliations") == [
        (1, 9000, entry_id)
    ]


def test_reconcile_answering_no_writes_nothing(refused, personal) -> None:
    refused("reconcile", "50", input="n\n", match="aborted")


@pytest.mark.parametrize(
    ("typed", "match"),
    [("-5", "positive"), ("abc", "not an amount"), ("5.001", "2 decimal"), ("5 EUR", "EUR")],
)
def test_reconcile_refuses_bad_amounts(refused, personal, typed: str, match: str) -> None:
    refused("reconcile", "--yes", "--", typed, code=2, match=match)


def test_reconcile_in_jpy(ok) -> None:
    ok("account", "add", "Tokyo", "--currency", "JPY")
    ok("reconcile", "1500", "--yes")
    assert balances(ok) == {"Tokyo": "1500"}


def test_reconcile_needs_to_know_the_account(refused, two_accounts) -> None:
    refused("reconcile", "5", "--yes", code=2, match="several accounts")
    refused("reconcile", "5", "--yes", "-a", "Nope", match="no account called 'Nope'")


# -- prompts never hold the write lock --------------------------------------------------------


@pytest.fixture
def lock_probe(db_url: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every prompt checks that another writer could take the database right now."""
    path = db_url[len("sqlite:///") :]
    asked: list[str] = []

    def writable(question: str) -> None:
        asked.append(question)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()

    real_confirm, real_prompt = click.confirm, click.prompt

    def confirm(text: str, *args: Any, **kwargs: Any) -> Any:
        writable(text)
        return real_confirm(text, *args, **kwargs)

    def prompt(text: str, *args: Any, **kwargs: Any) -> Any:
        writable(text)
        return real_prompt(text, *args, **kwargs)

    monkeypatch.setattr(click, "confirm", confirm)
    monkeypatch.setattr(click, "prompt", prompt)
    return asked


@pytest.mark.sqlite_only
def test_no_prompt_holds_the_write_lock(ok, two_accounts, tty, lock_probe) -> None:
    ok("add", "50", "--code", input="Work\nABCD-EFGH-1234\ny\n")
    ok("spend", "10", "-a", "Work")
    ok("undo", input="y\n")
    ok("reconcile", "20", "-a", "Work", input="y\n")
    assert lock_probe == [
        "Which account? (Personal, Work)",
        "Claim code (hidden)",
        "Is this the right account?",
        "Reverse it?",
        "Record the adjustment?",
    ]
    assert balances(ok) == {"Personal": "0.00", "Work": "20.00"}


# -- limits -----------------------------------------------------------------------------------


def test_large_balances_fit_the_money_columns(ok) -> None:
    """Money columns hold 64 bits on every backend (INTEGER on PostgreSQL would stop at
    2,147,483.647 KWD, and at 214,748.3647 of a four-digit currency)."""
    ok("account", "add", "Kuwait", "--currency", "KWD")
    for _ in range(3):
        ok("add", "1,000,000", "-a", "Kuwait", "--yes")
    ok("account", "add", "Unidad", "--currency", "CLF")
    ok("add", "1000000", "-a", "Unidad", "--yes")
    ok("spend", "0.0001", "-a", "Unidad")
    assert balances(ok) == {"Kuwait": "3000000.000", "Unidad": "999999.9999"}
