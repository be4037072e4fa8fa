"""``giftbalance need ...``: the needs list, its edits, and buying from it."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from giftbalance.storage.models import PRIORITIES

TODAY = "2026-11-25"
NEED_KEYS = {
    "id",
    "name",
    "status",
    "priority",
    "unit_price",
    "currency",
    "quantity",
    "total",
    "need_by",
    "every",
    "every_text",
    "first_date",
    "next_date",
    "due",
    "for",
    "account",
    "store",
    "url",
    "note",
    "created_at",
    "closed_at",
}
PURCHASE_KEYS = {
    "id",
    "entry_id",
    "date",
    "units",
    "paid",
    "currency",
    "account",
    "for",
    "occurrence",
    "undone",
}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("GIFTBALANCE_TODAY", TODAY)


def listed(ok, *args):
    return json.loads(ok("need", "list", "--json", *args).stdout)


def show(ok, need_id):
    return json.loads(ok("need", "show", str(need_id), "--json").stdout)


def balance(ok, account="Personal"):
    data = json.loads(ok("balance", "--json").stdout)
    return {a["name"]: a["balance"] for a in data["accounts"]}[account]


@pytest.fixture
def taxed(ok):
    """Account Taxed: 100.00 USD at 8.25% sales tax."""
    ok("account", "add", "Taxed", "--currency", "USD", "--tax-rate", "8.25")
    ok("add", "100", "--account", "Taxed", "--yes")
    return "Taxed"


def test_cli_priorities_match_the_schema():
    from giftbalance.cli.needs import PRIORITIES as CLI_PRIORITIES

    assert CLI_PRIORITIES == PRIORITIES


# -- add ----------------------------------------------------------------------------------


def test_add_defaults_and_json_shape(ok, personal):
    out = ok("need", "add", "Printer paper", "--price", "8.99").stdout
    assert out.startswith("Added need 1: Printer paper: 1 x 8.99 USD, normal")
    data = listed(ok)
    assert set(data) == {"needs", "totals"}
    need = data["needs"][0]
    assert set(need) == NEED_KEYS
    assert need["unit_price"] == "8.99" and need["currency"] == "USD"
    assert (need["quantity"], need["priority"], need["status"]) == (1, "normal", "open")
    assert need["need_by"] is need["every"] is need["account"] is need["for"] is None
    assert need["created_at"].startswith(TODAY)
    assert data["totals"] == [{"currency": "USD", "amount": "8.99"}]


def test_add_every_option(ok, personal):
    ok("member", "add", "Sam")
    ok(
        "need",
        "add",
        "Coffee  beans",
        "--price",
        "$14.50",
        "--qty",
        "2",
        "--priority",
        "HIGH",
        "--by",
        "2026-12-01",
        "--for",
        "sam",
        "--account",
        "personal",
        "--store",
        "amazon.com",
        "--url",
        "https://example.com/coffee",
        "--note",
        "whole bean",
    )
    need = show(ok, 1)
    assert need["name"] == "Coffee beans"
    assert (need["unit_price"], need["quantity"], need["priority"]) == ("14.50", 2, "high")
    assert (need["need_by"], need["due"]) == ("2026-12-01", "2026-12-01")
    assert (need["for"], need["account"]) == ("Sam", "Personal")
    assert (need["store"], need["url"], need["note"]) == (
        "amazon.com",
        "https://example.com/coffee",
        "whole bean",
    )
    assert need["total"] == "29.00"
    assert need["purchases"] == []


def test_add_recurring(ok, personal):
    out = ok("need", "add", "Filter", "--price", "20", "--every", "3 months", "--by", "2026-12-05")
    assert "every 3 months, next on 2026-12-05" in out.stdout
    need = show(ok, 1)
    assert need["every"] == "FREQ=MONTHLY;INTERVAL=3"
    assert need["every_text"] == "every 3 months"
    assert need["first_date"] == need["next_date"] == need["due"] == "2026-12-05"
    # A recurring need's --by is its first occurrence; need_by stays empty.
    assert need["need_by"] is None


def test_add_recurring_starts_today_and_byday_moves_the_start(ok, personal):
    ok("need", "add", "Coffee", "--price", "9", "--every", "2 weeks")
    assert show(ok, 1)["next_date"] == TODAY
    # 2026-11-25 is a Wednesday; the first Monday on or after it is 2026-11-30.
    ok("need", "add", "Bread", "--price", "3", "--every", "FREQ=WEEKLY;BYDAY=MO")
    assert show(ok, 2)["next_date"] == "2026-11-30"


def test_add_without_any_account_is_refused_with_the_how_to(refused):
    refused("need", "add", "Tea", "--price", "4", match="giftbalance account add")


def test_price_is_in_the_accounts_currency(ok, refused, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("config", "set", "default_account", "Personal")
    ok("need", "add", "Book", "--price", "12.50", "--account", "euro")
    assert (show(ok, 1)["currency"], show(ok, 1)["account"]) == ("EUR", "Euro")
    ok("need", "add", "Pen", "--price", "2")
    assert show(ok, 2)["currency"] == "USD"
    refused("need", "add", "Mug", "--price", "$5", "--account", "Euro", code=2, match="EUR")
    refused("need", "add", "Mug", "--price", "5 EUR", code=2, match="in EUR but")


def test_several_currencies_without_a_default_need_an_account(ok, refused, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    refused("need", "add", "Pen", "--price", "2", code=2, match="several currencies (EUR, USD)")
    ok("need", "add", "Pen", "--price", "2", "--account", "Personal")


def test_several_accounts_in_one_currency_share_it(ok, personal):
    ok("account", "add", "Work", "--currency", "USD")
    ok("need", "add", "Pen", "--price", "2")
    assert show(ok, 1)["currency"] == "USD"


@pytest.mark.parametrize(
    ("price", "match"),
    [
        ("abc", "not an amount"),
        ("0", "more than zero"),
        ("-3", "must be positive"),
        ("1.234", "2 decimal places"),
        ("2000000", "over the limit"),
    ],
)
def test_bad_price_is_bad_input(refused, personal, price, match):
    refused("need", "add", "Tea", "--price", price, code=2, match=match)


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["--priority", "urgent"], 2, "'urgent' is not one of"),
        (["--every", "fortnight x"], 2, "RRULE needs FREQ"),
        (["--every", "weeks"], 2, "how many weeks"),
        (["--every", "FREQ=HOURLY"], 2, "FREQ=DAILY, WEEKLY"),
        (["--every", "0 days"], 2, "between 1 and 1000"),
        (["--every", "FREQ=DAILY;COUNT=1", "--by", "2026-12-01"], 0, ""),
        (["--qty", "0"], 2, "0 is not in the range"),
        (["--qty", "10001"], 2, "between 1 and 10000"),
        (["--by", "someday"], 2, "not a date"),
        (["--for", "Nobody"], 1, "no member called 'Nobody'"),
        (["--account", "Nowhere"], 1, "no account called 'Nowhere'"),
    ],
)
def test_add_refusals(ok, refused, personal, args, code, match):
    if code == 0:
        ok("need", "add", "Tea", "--price", "4", *args)
        return
    refused("need", "add", "Tea", "--price", "4", *args, code=code, match=match)


def test_empty_name_and_missing_price(refused, personal):
    refused("need", "add", "  ", "--price", "4", code=2, match="name cannot be empty")
    refused("need", "add", "Tea", code=2, match="--price")


def test_add_to_an_archived_account_is_refused(ok, refused, personal):
    ok("account", "add", "Old", "--currency", "USD")
    ok("account", "archive", "Old")
    refused("need", "add", "Tea", "--price", "4", "--account", "Old", match="archived")


# -- list ---------------------------------------------------------------------------------


def test_list_sorts_by_priority_then_due_date_then_id(ok, personal):
    ok("need", "add", "low-undated", "--price", "1", "--priority", "low")
    ok("need", "add", "normal-undated", "--price", "1")
    ok("need", "add", "normal-late", "--price", "1", "--by", "2027-01-10")
    ok("need", "add", "must", "--price", "1", "--priority", "must")
    ok("need", "add", "normal-recurring-early", "--price", "1", "--every", "week")
    ok("need", "add", "normal-late-2", "--price", "1", "--by", "2027-01-10")
    names = [n["name"] for n in listed(ok)["needs"]]
    assert names == [
        "must",
        "normal-recurring-early",
        "normal-late",
        "normal-late-2",
        "normal-undated",
        "low-undated",
    ]
    ranks = [PRIORITIES.index(n["priority"]) for n in listed(ok)["needs"]]
    assert ranks == sorted(ranks)
    text = ok("need", "list").stdout.splitlines()
    assert [line.split()[0] for line in text[2:8]] == ["4", "5", "3", "6", "2", "1"]


def test_list_total_per_currency_before_tax(ok, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("need", "add", "A", "--price", "2.50", "--qty", "3", "--account", "Personal")
    ok("need", "add", "B", "--price", "1.25", "--account", "Personal")
    ok("need", "add", "C", "--price", "10", "--qty", "2", "--account", "Euro")
    ok("need", "add", "D", "--price", "99", "--account", "Personal")
    ok("need", "remove", "4")
    data = listed(ok)
    assert data["totals"] == [
        {"currency": "EUR", "amount": "20.00"},
        {"currency": "USD", "amount": "8.75"},
    ]
    text = ok("need", "list").stdout
    assert "Open total: 8.75 USD before tax (2 open needs)." in text
    assert "Open total: 20.00 EUR before tax (1 open need)." in text
    # --all lists the removed need but the total is of the open ones only.
    assert listed(ok, "--all")["totals"] == data["totals"]


def test_list_filters(ok, refused, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("account", "add", "Work", "--currency", "USD")
    ok("member", "add", "Ann")
    ok("need", "add", "A", "--price", "1", "--for", "Ann", "--account", "Personal")
    ok("need", "add", "B", "--price", "1", "--account", "Euro")
    ok("need", "add", "C", "--price", "1", "--account", "Work")
    ok("config", "set", "default_account", "Personal")
    ok("need", "add", "D", "--price", "1")
    assert [n["name"] for n in listed(ok, "--for", "ann")["needs"]] == ["A"]
    # Personal pays for what is pinned to it and for unpinned USD needs.
    assert [n["name"] for n in listed(ok, "--account", "Personal")["needs"]] == ["A", "D"]
    assert [n["name"] for n in listed(ok, "--account", "Euro")["needs"]] == ["B"]
    refused("need", "list", "--for", "Zed", match="no member called 'Zed'")
    refused("need", "list", "--account", "Zed", match="no account called 'Zed'")


def test_list_all_shows_status(ok, personal):
    ok("need", "add", "A", "--price", "1")
    ok("need", "add", "B", "--price", "1")
    ok("need", "add", "C", "--price", "1")
    ok("need", "remove", "2")
    ok("need", "bought", "3")
    assert [n["name"] for n in listed(ok)["needs"]] == ["A"]
    statuses = {n["name"]: n["status"] for n in listed(ok, "--all")["needs"]}
    assert statuses == {"A": "open", "B": "removed", "C": "bought"}
    text = ok("need", "list", "--all").stdout
    assert "status" in text.splitlines()[0] and "removed" in text and "bought" in text


def test_empty_list(ok, personal):
    assert "No open needs" in ok("need", "list").stdout
    assert listed(ok) == {"needs": [], "totals": []}


# -- show ---------------------------------------------------------------------------------


def test_show_text(ok, personal):
    ok("member", "add", "Ann")
    ok("need", "add", "Tea", "--price", "4", "--qty", "2", "--every", "month", "--for", "Ann")
    ok("need", "bought", "1", "--units", "1")
    out = ok("need", "show", "1").stdout
    assert out.startswith("Need 1: Tea (open)")
    assert "4.00 USD each, 2 wanted = 8.00 USD before tax" in out
    assert "every month; next on 2026-12-25 (first 2026-11-25)" in out
    assert "for:       Ann" in out
    assert "1 unit(s), 4.00 USD, from Personal (entry 2), for Ann, occurrence 2026-11-25" in out


def test_show_unknown_need(refused, personal):
    refused("need", "show", "99", match="no need 99")
    refused("need", "show", "0", code=2, match="0")
    refused("need", "show", "x", code=2, match="'x' is not a whole number")


# -- edit ---------------------------------------------------------------------------------


def test_edit_changes_fields(ok, personal):
    ok("member", "add", "Ann")
    ok("need", "add", "Tea", "--price", "4", "--store", "s", "--url", "u", "--note", "n")
    out = ok(
        "need",
        "edit",
        "1",
        "--name",
        "Green tea",
        "--price",
        "5.25",
        "--qty",
        "3",
        "--priority",
        "must",
        "--by",
        "2026-12-24",
        "--for",
        "Ann",
        "--clear-store",
        "--clear-url",
        "--note",
        "loose leaf",
    ).stdout
    assert out.startswith("Changed need 1: Green tea: 3 x 5.25 USD, must, by 2026-12-24, for Ann")
    need = show(ok, 1)
    assert (need["name"], need["unit_price"], need["quantity"]) == ("Green tea", "5.25", 3)
    assert (need["priority"], need["need_by"], need["for"]) == ("must", "2026-12-24", "Ann")
    assert (need["store"], need["url"], need["note"]) == (None, None, "loose leaf")
    ok("need", "edit", "1", "--clear-by", "--clear-for", "--clear-note")
    need = show(ok, 1)
    assert need["need_by"] is need["for"] is need["note"] is None


def test_edit_recurrence(ok, refused, personal):
    ok("need", "add", "Tea", "--price", "4", "--by", "2026-12-01")
    ok("need", "edit", "1", "--every", "2 weeks")
    need = show(ok, 1)
    # The one-off's need-by date becomes the first occurrence.
    assert (need["every"], need["next_date"], need["need_by"]) == (
        "FREQ=WEEKLY;INTERVAL=2",
        "2026-12-01",
        None,
    )
    ok("need", "edit", "1", "--by", "2026-12-10")
    assert show(ok, 1)["next_date"] == show(ok, 1)["first_date"] == "2026-12-10"
    refused("need", "edit", "1", "--clear-by", code=2, match="--clear-every")
    ok("need", "edit", "1", "--clear-every")
    need = show(ok, 1)
    assert (need["every"], need["next_date"], need["need_by"]) == (None, None, "2026-12-10")


def test_edit_account_with_another_currency_needs_a_price(ok, refused, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("config", "set", "default_account", "Personal")
    ok("need", "add", "Tea", "--price", "4")
    refused("need", "edit", "1", "--account", "Euro", match="give the new price too")
    refused("need", "edit", "1", "--account", "Euro", "--price", "$3", code=2, match="EUR")
    ok("need", "edit", "1", "--account", "Euro", "--price", "3.50")
    need = show(ok, 1)
    assert (need["account"], need["currency"], need["unit_price"]) == ("Euro", "EUR", "3.50")
    # A new price alone is in the need's own currency.
    refused("need", "edit", "1", "--price", "3 USD", code=2, match="in USD but")
    ok("need", "edit", "1", "--clear-account")
    assert (show(ok, 1)["account"], show(ok, 1)["currency"]) == (None, "EUR")


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        ([], 2, "nothing to change"),
        (["--by", "2026-12-01", "--clear-by"], 2, "--by and --clear-by"),
        (["--for", "Ann", "--clear-for"], 2, "--for and --clear-for"),
        (["--priority", "urgent"], 2, "'urgent' is not one of"),
        (["--price", "nope"], 2, "not an amount"),
        (["--every", "blue moon"], 2, "RRULE needs FREQ"),
        (["--for", "Zed"], 1, "no member called 'Zed'"),
        (["--name", " "], 2, "name cannot be empty"),
    ],
)
def test_edit_refusals(ok, refused, personal, args, code, match):
    ok("need", "add", "Tea", "--price", "4")
    refused("need", "edit", "1", *args, code=code, match=match)


def test_edit_refused_unless_open(ok, refused, personal):
    ok("need", "add", "Tea", "--price", "4")
    ok("need", "add", "Jam", "--price", "4")
    ok("need", "bought", "1")
    ok("need", "remove", "2")
    refused("need", "edit", "1", "--qty", "2", match="need 1 (Tea) is bought; cannot edit")
    refused("need", "edit", "2", "--qty", "2", match="need 2 (Jam) is removed; cannot edit")
    refused("need", "edit", "3", "--qty", "2", match="no need 3")


# -- remove -------------------------------------------------------------------------------


def test_remove_keeps_history(ok, refused, personal):
    ok("need", "add", "Tea", "--price", "4")
    assert "Removed need 1 (Tea)." in ok("need", "remove", "1").stdout
    need = show(ok, 1)
    assert need["status"] == "removed" and need["closed_at"] is not None
    refused("need", "remove", "1", match="is removed; cannot remove")
    refused("need", "remove", "2", match="no need 2")
    ok("need", "add", "Jam", "--price", "4")
    ok("need", "bought", "2")
    refused("need", "remove", "2", match="is bought; cannot remove")


def test_reopen_puts_a_removed_need_back_as_it_was(ok, refused, personal):
    ok("member", "add", "Maya")
    ok("need", "add", "Tea", "--price", "4", "--qty", "3", "--for", "Maya", "--by", "2026-12-01")
    before = show(ok, 1)
    ok("need", "remove", "1")
    assert ok("need", "reopen", "1").stdout == "Reopened need 1 (Tea).\n"
    after = show(ok, 1)
    assert after == before  # open again, nothing else changed
    assert [n["id"] for n in json.loads(ok("need", "list", "--json").stdout)["needs"]] == [1]
    refused("need", "reopen", "1", match="need 1 (Tea) is already open")
    refused("need", "reopen", "7", match="no need 7")


def test_reopen_refuses_bought_needs_and_gone_members_or_accounts(ok, refused, personal):
    ok("member", "add", "Maya")
    ok("need", "add", "Jam", "--price", "4")
    ok("need", "bought", "1")
    refused("need", "reopen", "1", match="was bought; to reopen it, undo its spend")
    ok("need", "add", "Tea", "--price", "4", "--for", "Maya")
    ok("need", "remove", "2")
    ok("member", "remove", "Maya")
    refused("need", "reopen", "2", match="is for Maya, who was removed")
    ok("account", "add", "Work")
    ok("need", "add", "Pens", "--price", "2", "--account", "Work")
    ok("need", "remove", "3")
    ok("account", "archive", "Work")
    refused("need", "reopen", "3", match="pinned to account 'Work', which is archived")


# -- bought -------------------------------------------------------------------------------


def _with_tax(price_minor: int, rate: str, units: int) -> str:
    tax = (Decimal(price_minor) * Decimal(rate) / 100).quantize(Decimal(1), ROUND_HALF_UP)
    total = (price_minor + int(tax)) * units
    return f"{total // 100}.{total % 100:02d}"


def test_bought_one_off_assumes_price_plus_tax(ok, taxed):
    ok("need", "add", "Coffee", "--price", "14.50", "--qty", "2")
    out = ok("need", "bought", "1").stdout
    expected = _with_tax(1450, "8.25", 2)
    assert f"Bought need 1 (Coffee) x 2 for {expected} USD from Taxed." in out
    assert "Assumed 2 x (14.50 USD + 1.20 USD tax at 8.25%)" in out
    assert "Need 1 is bought." in out
    need = show(ok, 1)
    assert need["status"] == "bought" and need["closed_at"].startswith(TODAY)
    assert need["quantity"] == 2  # unchanged: what was still wanted when it was bought
    assert set(need["purchases"][0]) == PURCHASE_KEYS
    purchase = need["purchases"][0]
    assert (purchase["units"], purchase["paid"], purchase["occurrence"]) == (2, expected, None)
    assert purchase["undone"] is False
    assert Decimal(balance(ok, "Taxed")) == Decimal(100) - Decimal(expected)
    log = json.loads(ok("log", "--json").stdout)
    assert log[-1]["kind"] == "spend" and log[-1]["note"] == "bought: Coffee x 2"
    assert log[-1]["date"] == TODAY


def test_bought_with_paid_units_date_and_account(ok, personal):
    ok("account", "add", "Work", "--currency", "USD")
    ok("add", "50", "--account", "Work", "--yes")
    ok("need", "add", "Lamp", "--price", "40", "--qty", "3", "--account", "Work")
    out = ok("need", "bought", "1", "--paid", "37.99", "--units", "1", "--date", "2026-11-20")
    assert "Assumed" not in out.stdout
    assert "Need 1: 2 still wanted." in out.stdout
    need = show(ok, 1)
    assert (need["status"], need["quantity"]) == ("open", 2)
    assert need["purchases"][0]["date"] == "2026-11-20"
    assert need["purchases"][0]["account"] == "Work"
    assert balance(ok, "Work") == "12.01"
    # --account overrides the pinned one.
    ok("need", "bought", "1", "--account", "Personal", "--paid", "80")
    assert show(ok, 1)["status"] == "bought"
    assert balance(ok, "Personal") == "20.00"


def test_bought_partial_units_then_undo(ok, personal):
    ok("need", "add", "Socks", "--price", "5", "--qty", "4")
    ok("need", "bought", "1", "--units", "1")
    ok("need", "bought", "1", "--units", "3")
    assert (show(ok, 1)["status"], show(ok, 1)["quantity"]) == ("bought", 3)
    out = ok("undo", "--yes").stdout
    assert "Need 1 (Socks) is open again (3 wanted)." in out
    ok("undo", "--yes")
    need = show(ok, 1)
    assert (need["status"], need["quantity"]) == ("open", 4)
    assert [p["undone"] for p in need["purchases"]] == [True, True]
    assert balance(ok) == "100.00"


def test_bought_more_units_than_wanted_is_bad_input(ok, refused, personal):
    ok("need", "add", "Socks", "--price", "5", "--qty", "2")
    refused("need", "bought", "1", "--units", "3", code=2, match="wants 2 unit(s), not 3")
    refused("need", "bought", "1", "--units", "0", code=2, match="0")


def test_bought_overdraft_writes_nothing(ok, refused, personal):
    ok("need", "add", "TV", "--price", "499")
    refused("need", "bought", "1", match="balance of Personal is 100.00 USD")
    refused("need", "bought", "1", "--paid", "100.01", match="cannot take 100.01 USD")
    need = show(ok, 1)
    assert (need["status"], need["purchases"]) == ("open", [])
    ok("need", "bought", "1", "--paid", "100")
    assert balance(ok) == "0.00"


def test_bought_refusals(ok, refused, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("need", "add", "Tea", "--price", "4", "--account", "Personal")
    ok("need", "add", "Book", "--price", "4", "--account", "Euro")
    refused("need", "bought", "9", match="no need 9")
    refused("need", "bought", "1", "--paid", "abc", code=2, match="not an amount")
    refused("need", "bought", "1", "--account", "Euro", match="priced in USD but Euro is in EUR")
    refused("need", "bought", "1", "--date", "soon", code=2, match="not a date")
    ok("need", "bought", "1")
    refused("need", "bought", "1", match="need 1 (Tea) is bought; cannot buy")
    ok("need", "remove", "2")
    refused("need", "bought", "2", match="is removed; cannot buy")


def test_bought_pinned_to_an_archived_account(ok, refused, personal):
    ok("account", "add", "Old", "--currency", "USD")
    ok("need", "add", "Tea", "--price", "4", "--account", "Old")
    ok("account", "archive", "Old")
    refused("need", "bought", "1", match="pinned to account 'Old', which is archived")
    ok("need", "bought", "1", "--account", "Personal")


def test_bought_recurring_moves_to_next_occurrence_and_undo_moves_back(ok, personal):
    ok("member", "add", "Sam")
    ok("need", "add", "Coffee", "--price", "10", "--qty", "2", "--every", "2 weeks", "--for", "Sam")
    out = ok("need", "bought", "1").stdout
    assert "Need 1 is next due on 2026-12-09." in out
    need = show(ok, 1)
    assert (need["status"], need["next_date"], need["quantity"]) == ("open", "2026-12-09", 2)
    ok("need", "bought", "1", "--units", "1")
    need = show(ok, 1)
    assert need["next_date"] == "2026-12-23"
    assert [p["occurrence"] for p in need["purchases"]] == ["2026-11-25", "2026-12-09"]
    assert [p["for"] for p in need["purchases"]] == ["Sam", "Sam"]
    assert need["first_date"] == "2026-11-25"
    assert balance(ok) == "70.00"
    assert "Need 1 (Coffee) is due again on 2026-12-09." in ok("undo", "--yes").stdout
    assert show(ok, 1)["next_date"] == "2026-12-09"
    ok("undo", "--yes")
    assert show(ok, 1)["next_date"] == "2026-11-25"
    assert balance(ok) == "100.00"


def test_bought_recurring_rule_that_ends(ok, personal):
    ok("need", "add", "Lessons", "--price", "10", "--every", "FREQ=WEEKLY;COUNT=2")
    ok("need", "bought", "1")
    out = ok("need", "bought", "1").stdout
    assert "no occurrence after 2026-12-02; it is done" in out
    need = show(ok, 1)
    assert need["status"] == "bought"
    assert "is due again on 2026-12-02" in ok("undo", "--yes").stdout
    need = show(ok, 1)
    assert (need["status"], need["next_date"], need["closed_at"]) == ("open", "2026-12-02", None)


def test_bought_date_defaults_to_today(ok, personal):
    ok("need", "add", "Tea", "--price", "4")
    ok("need", "bought", "1")
    assert show(ok, 1)["purchases"][0]["date"] == date.fromisoformat(TODAY).isoformat()


def test_bought_asks_for_the_account_only_when_it_must(ok, refused, personal):
    ok("account", "add", "Work", "--currency", "USD")
    ok("need", "add", "Tea", "--price", "4")
    # No terminal in tests: several accounts and no default is refused with the hint.
    refused("need", "bought", "1", code=2, match="pass --account NAME")
    ok("need", "bought", "1", "--account", "Personal")
