"""Reading the ledger: ``balance`` and ``log``, as text and as JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

BALANCE_KEYS = {"accounts", "totals"}
BALANCE_ACCOUNT_KEYS = {"id", "name", "store", "currency", "balance", "expiring"}
EXPIRING_KEYS = {"amount", "currency", "expires_on"}
TOTAL_KEYS = {"currency", "balance"}
LOG_KEYS = {
    "id",
    "date",
    "account",
    "kind",
    "amount",
    "currency",
    "balance",
    "note",
    "from",
    "expires",
    "code",
    "reverses",
    "order_id",
    "recorded_at",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
MONEY = {"USD": re.compile(r"^-?\d+\.\d{2}$"), "JPY": re.compile(r"^-?\d+$")}


def balance_json(ok, *args: str) -> dict[str, Any]:
    return json.loads(ok("balance", "--json", *args).stdout)


def log_json(ok, *args: str) -> list[dict[str, Any]]:
    return json.loads(ok("log", "--json", *args).stdout)


@pytest.fixture
def ledger(ok, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two USD accounts and a JPY one, with entries over November 2026 (today: the 25th)."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    ok("account", "add", "Personal", "--store", "amazon.com")
    ok("account", "add", "Work", "--store", "amazon.com")
    ok("account", "add", "Tokyo", "--store", "amazon.co.jp", "--currency", "JPY")
    ok("add", "100", "-a", "Personal", "--date", "2026-11-02", "--from", "May", "--yes")
    ok("add", "40", "-a", "Work", "--date", "2026-11-03", "--expires", "2027-01-31", "--yes")
    ok("spend", "12.34", "-a", "Personal", "--date", "2026-11-09", "--note", "batteries")
    ok("add", "5000", "-a", "Tokyo", "--date", "2026-11-10", "--yes")
    ok("spend", "10", "-a", "Work", "--date", "2026-11-16")
    ok("undo", "5", "--yes")  # the Work spend, dated like it
    ok("reconcile", "80", "-a", "Personal", "--yes")


# -- balance ----------------------------------------------------------------------------------


def test_balance_text(ok, ledger) -> None:
    out = ok("balance").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["account", "store", "balance", "expires", "first"]
    rows = {line.split()[0]: line for line in lines[2:] if line and not line.startswith("Total")}
    assert "80.00 USD" in rows["Personal"]
    assert "40.00 USD" in rows["Work"]
    assert "40.00 USD on 2027-01-31" in rows["Work"]
    assert "5,000 JPY" in rows["Tokyo"]
    assert "Total JPY: 5,000 JPY" in out
    assert "Total USD: 120.00 USD" in out


def test_balance_json_shape(ok, ledger) -> None:
    data = balance_json(ok)
    assert set(data) == BALANCE_KEYS
    by_name = {a["name"]: a for a in data["accounts"]}
    for account in data["accounts"]:
        assert set(account) == BALANCE_ACCOUNT_KEYS
        assert isinstance(account["id"], int)
        assert MONEY[account["currency"]].match(account["balance"])
    assert by_name["Personal"]["balance"] == "80.00"
    assert by_name["Personal"]["expiring"] is None
    assert by_name["Tokyo"] == {
        "id": by_name["Tokyo"]["id"],
        "name": "Tokyo",
        "store": "amazon.co.jp",
        "currency": "JPY",
        "balance": "5000",
        "expiring": None,
    }
    expiring = by_name["Work"]["expiring"]
    assert set(expiring) == EXPIRING_KEYS
    assert expiring == {"amount": "40.00", "currency": "USD", "expires_on": "2027-01-31"}
    assert data["totals"] == [
        {"currency": "JPY", "balance": "5000"},
        {"currency": "USD", "balance": "120.00"},
    ]
    for total in data["totals"]:
        assert set(total) == TOTAL_KEYS


def test_balance_of_one_account(ok, ledger) -> None:
    data = balance_json(ok, "--account", "work")
    assert [a["name"] for a in data["accounts"]] == ["Work"]
    assert data["totals"] == [{"currency": "USD", "balance": "40.00"}]
    text = ok("balance", "--account", "Work").stdout
    assert "Work" in text and "Personal" not in text
    assert "Total" not in text, "one account needs no total"


def test_balance_unknown_account_lists_the_known_ones(refused, ledger) -> None:
    refused(
        "balance", "-a", "Nope", match="no account called 'Nope' (accounts: Personal, Tokyo, Work)"
    )


def test_balance_without_accounts(ok) -> None:
    assert "No accounts yet" in ok("balance").stdout
    assert balance_json(ok) == {"accounts": [], "totals": []}


def test_balance_leaves_out_archived_accounts(ok, personal) -> None:
    ok("account", "add", "Old")
    ok("account", "archive", "Old")
    assert [a["name"] for a in balance_json(ok)["accounts"]] == ["Personal"]
    assert [a["name"] for a in balance_json(ok, "-a", "old")["accounts"]] == ["Old"]


def test_expiring_shows_the_soonest_lot_after_spends(ok, personal) -> None:
    ok("add", "30", "--expires", "2027-03-01", "--yes")
    ok("add", "20", "--expires", "2027-02-01", "--yes")
    ok("spend", "25")  # taken from the lot expiring first (Feb), then March's
    data = balance_json(ok)["accounts"][0]
    assert data["balance"] == "125.00"
    assert data["expiring"] == {"amount": "25.00", "currency": "USD", "expires_on": "2027-03-01"}


def test_expiring_after_undoing_a_spend_that_used_it(ok, personal) -> None:
    ok("add", "20", "--expires", "2027-02-01", "--yes")  # entry 2: the lot
    ok("spend", "20")  # entry 3 uses the lot up
    ok("spend", "10")  # entry 4
    assert balance_json(ok)["accounts"][0]["expiring"] is None
    ok("undo", "3", "--yes")
    assert balance_json(ok)["accounts"][0]["expiring"] == {
        "amount": "20.00",
        "currency": "USD",
        "expires_on": "2027-02-01",
    }


def test_undoing_a_spend_does_not_refill_an_undone_lot(ok, personal) -> None:
    ok("add", "20", "--expires", "2027-02-01", "--yes")  # entry 2: the lot
    ok("spend", "20")  # entry 3 uses the lot up
    ok("undo", "2", "--yes")  # the lot is gone (the other 100.00 covers it)
    ok("undo", "3", "--yes")  # the spend comes back as money without an expiry date
    data = balance_json(ok)["accounts"][0]
    assert data["balance"] == "100.00"
    assert data["expiring"] is None


def test_expiring_lots_of_later_cards_after_earlier_ones_are_spent(ok, personal) -> None:
    ok("add", "20", "--expires", "2027-02-01", "--yes")
    ok("spend", "120")  # everything, both the lot and the rest
    for _ in range(5):
        ok("add", "1", "--yes")
        ok("spend", "1")
    ok("add", "30", "--expires", "2027-06-01", "--yes")
    ok("spend", "5")
    assert balance_json(ok)["accounts"][0]["expiring"] == {
        "amount": "25.00",
        "currency": "USD",
        "expires_on": "2027-06-01",
    }


# -- log --------------------------------------------------------------------------------------


def test_log_json_shape(ok, ledger) -> None:
    entries = log_json(ok)
    assert [e["id"] for e in entries] == list(range(1, 8))
    for entry in entries:
        assert set(entry) == LOG_KEYS
        assert isinstance(entry["id"], int)
        assert ISO_DATE.match(entry["date"])
        assert ISO_DATETIME.match(entry["recorded_at"])
        assert MONEY[entry["currency"]].match(entry["amount"])
        assert MONEY[entry["currency"]].match(entry["balance"])
        assert entry["code"] is None
    first, work, spend, tokyo, work_spend, reversal, adjust = entries
    assert first == {
        **first,
        "date": "2026-11-02",
        "account": "Personal",
        "kind": "redeem",
        "amount": "100.00",
        "currency": "USD",
        "balance": "100.00",
        "note": None,
        "from": "May",
        "expires": None,
        "reverses": None,
    }
    assert work["expires"] == "2027-01-31"
    assert (spend["amount"], spend["balance"], spend["note"]) == ("-12.34", "87.66", "batteries")
    assert (tokyo["amount"], tokyo["currency"]) == ("5000", "JPY")
    assert (reversal["kind"], reversal["amount"], reversal["reverses"]) == ("reversal", "10.00", 5)
    assert reversal["date"] == work_spend["date"] == "2026-11-16"
    assert (adjust["kind"], adjust["amount"], adjust["balance"]) == ("adjust", "-7.66", "80.00")
    assert adjust["date"] == "2026-11-25", "a reconcile is dated today"


def test_log_text(ok, ledger) -> None:
    out = ok("log").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["id", "date", "account", "kind", "amount", "balance", "note"]
    assert len(lines) == 2 + 7
    assert "from May" in lines[2]
    assert "expires 2027-01-31" in lines[3]
    assert "-12.34 USD" in lines[4] and "87.66 USD" in lines[4] and "batteries" in lines[4]
    assert "5,000 JPY" in lines[5]
    assert "undo of entry 5" in lines[7]


def test_a_multi_line_note_keeps_the_log_one_row_per_entry(ok, personal) -> None:
    ok("spend", "1", "--note", "size 38\ncolour:\tnavy")
    lines = ok("log").stdout.splitlines()
    assert len(lines) == 2 + 2
    assert lines[-1].endswith("size 38 colour: navy")
    entries = json.loads(ok("log", "--json").stdout)
    assert entries[-1]["note"] == "size 38\ncolour:\tnavy"  # stored as typed


def test_log_filters_by_account(ok, ledger) -> None:
    assert [e["id"] for e in log_json(ok, "--account", "WORK")] == [2, 5, 6]
    assert "Personal" not in ok("log", "-a", "Work").stdout


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (["--since", "2026-11-09"], [3, 4, 5, 6, 7]),
        (["--until", "2026-11-09"], [1, 2, 3]),
        (["--since", "2026-11-03", "--until", "2026-11-10"], [2, 3, 4]),
        (["--since", "2026-11-09", "--until", "2026-11-09"], [3]),
        (["--since", "Nov 16 2026"], [5, 6, 7]),
        (["--since", "today"], [7]),
        (["--until", "yesterday"], [1, 2, 3, 4, 5, 6]),
        (["--limit", "2"], [6, 7]),
        (["--limit", "100"], [1, 2, 3, 4, 5, 6, 7]),
        (["--until", "2026-11-09", "--limit", "1"], [3]),
        (["--account", "Work", "--limit", "2"], [5, 6]),
        (["--since", "2030-01-01"], []),
    ],
)
def test_log_filters(ok, ledger, args: list[str], ids: list[int]) -> None:
    assert [e["id"] for e in log_json(ok, *args)] == ids


def test_log_window_includes_entries_by_their_date(ok, personal) -> None:
    ok("spend", "1", "--date", "2026-11-03")
    ok("spend", "2", "--date", "2026-11-05")
    ok("spend", "3", "--date", "2026-11-04")
    ids = [e["id"] for e in log_json(ok, "--since", "2026-11-04", "--until", "2026-11-05")]
    assert ids == [3, 4], "by date, oldest entry first (in the order they were logged)"


def test_log_empty(ok) -> None:
    assert ok("log").stdout.strip() == "No entries."
    assert log_json(ok) == []


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--since", "2026-11-10", "--until", "2026-11-09"], "--since 2026-11-10 is after --until"),
        (["--since", "whenever"], "Invalid value for '--since'"),
        (["--until", "2026-02-30"], "Invalid value for '--until'"),
        (["--limit", "0"], "0 is not in the range"),
        (["--limit", "-1"], "'-1' is not a whole number"),
        (["--limit", "many"], "'many' is not a whole number"),
        (["--limit", "99999999999999999999"], "is not in the range 1 to 9,223,372,036,854,775,807"),
    ],
)
def test_log_refuses_bad_options(refused, ledger, args: list[str], match: str) -> None:
    refused("log", *args, code=2, match=match)


def test_log_unknown_account(refused, ledger) -> None:
    refused("log", "-a", "Nope", match="no account called 'Nope' (accounts:")
