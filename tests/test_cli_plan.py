"""``giftbalance plan``: loading from the database, options, refusals, and that it writes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

TODAY = "2026-11-25"  # a Wednesday; its week starts on Monday 2026-11-23


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", TODAY)


def _lines(account: dict) -> list[dict]:
    return [line for order in account["orders"] for line in order["lines"]]


def test_plan_spends_by_priority_with_tax_and_suggests_a_gift_card(ok, personal) -> None:
    ok("account", "add", "Taxed", "--tax-rate", "10")
    ok("add", "50", "--account", "Taxed", "--yes")
    ok("member", "add", "Sam")
    ok(
        "need",
        "add",
        "Ink",
        "--price",
        "20",
        "--priority",
        "must",
        "--account",
        "Taxed",
        "--for",
        "Sam",
    )
    ok("need", "add", "Lamp", "--price", "25", "--priority", "low", "--account", "Taxed")
    ok("need", "add", "Cable", "--price", "9.99", "--priority", "high", "--account", "Taxed")
    data = json.loads(ok("plan", "--account", "Taxed", "--json").stdout)
    assert data["start"] == "2026-11-23"
    (account,) = data["accounts"]
    by_name = {line["name"]: line for line in _lines(account)}
    # 20.00 + 10% tax = 22.00; 9.99 + 1.00 (0.999 rounded half-up) = 10.99; the lamp (27.50)
    # no longer fits in 50.00 - 32.99 = 17.01.
    assert by_name["Ink"]["total"] == "22.00" and by_name["Ink"]["tax"] == "2.00"
    assert by_name["Cable"]["tax"] == "1.00" and by_name["Cable"]["total"] == "10.99"
    assert "Lamp" not in by_name
    assert account["gift_card"] == {"amount": "17.01", "for": "Sam", "week": "2026-11-23"}
    assert account["leftover"] == "0.00"
    assert [u["name"] for u in account["unplanned"]] == ["Lamp"]
    for order in account["orders"]:
        assert any("1-Click" in reminder for reminder in order["reminders"])


def test_plan_without_account_plans_every_funded_account_once(ok, personal) -> None:
    ok("account", "add", "Empty")
    ok("need", "add", "Book", "--price", "12.00")
    data = json.loads(ok("plan", "--json", "--no-gift-card").stdout)
    assert [a["account"] for a in data["accounts"]] == ["Personal"]
    assert [line["name"] for line in _lines(data["accounts"][0])] == ["Book"]
    assert data["accounts"][0]["gift_card"] is None
    assert data["accounts"][0]["leftover"] == "88.00"


def test_plan_text_shows_weeks_reminders_and_did_not_fit(ok, personal) -> None:
    ok("need", "add", "Sofa", "--price", "900")
    ok("need", "add", "Mug", "--price", "8.50", "--by", "2026-11-01")
    out = ok("plan").stdout
    assert "Week of 2026-11-23" in out
    assert "#2 Mug (LATE)" in out
    assert "#1 Sofa (1 unit): costs more than the balance" in out
    assert "Do not use 1-Click" in out


def test_did_not_fit_names_the_dates_of_a_recurring_need(ok, personal) -> None:
    ok("need", "add", "Coffee", "--price", "60", "--every", "2 weeks", "--by", "2026-11-30")
    ok(
        "need",
        "add",
        "Filter",
        "--price",
        "30",
        "--every",
        "FREQ=WEEKLY;COUNT=2",
        "--by",
        "2027-02-01",
    )
    out = ok("plan").stdout
    # 100.00: the first coffee (60) and one filter (30) fit; the rest of each does not.
    assert (
        "#1 Coffee (5 units; due 2026-12-14 to 2027-02-08, 5 dates): "
        "balance used up by other needs of the same priority"
    ) in out
    assert "#2 Filter (1 unit; due 2027-02-08): balance used up by" in out
    report = ok("report").stdout
    assert "2026-12-14 to 2027-02-08, 5 dates" in report


def test_plan_writes_nothing(ok, personal, dump) -> None:
    ok("need", "add", "Book", "--price", "12.00")
    before = dump()
    ok("plan")
    ok("plan", "--json")
    assert dump() == before


def test_weekly_cap_spreads_orders_over_weeks(ok, personal) -> None:
    ok("need", "add", "Socks", "--price", "10", "--qty", "5")
    data = json.loads(
        ok("plan", "--weekly-cap", "25", "--weeks", "3", "--no-gift-card", "--json").stdout
    )
    orders = data["accounts"][0]["orders"]
    assert [o["total"] for o in orders] == ["20.00", "20.00", "10.00"]
    assert [o["week"] for o in orders] == ["2026-11-23", "2026-11-30", "2026-12-07"]


def test_until_sets_the_horizon_and_start_snaps_to_the_week(ok, personal) -> None:
    data = json.loads(ok("plan", "--start", "2026-12-03", "--until", "2026-12-31", "--json").stdout)
    assert data["start"] == "2026-11-30"
    assert data["weeks"] == 5


def test_sunday_weeks(ok, personal) -> None:
    ok("config", "set", "week_start", "sunday")
    data = json.loads(ok("plan", "--json").stdout)
    assert data["start"] == "2026-11-22"


def test_overdue_recurring_need_is_planned_now_as_late(ok, personal) -> None:
    ok("need", "add", "Filter", "--price", "5", "--every", "month", "--by", "2026-10-01")
    data = json.loads(ok("plan", "--weeks", "2", "--json").stdout)
    lines = _lines(data["accounts"][0])
    # The overdue October occurrence now (late); November's, missed, is not bought twice;
    # December's falls inside the two weeks.
    assert [(line["occurrence"], line["late"]) for line in lines] == [
        ("2026-10-01", True),
        ("2026-12-01", False),
    ]


def test_plan_on_an_empty_database(ok) -> None:
    out = ok("plan").stdout
    assert "No account with a balance" in out
    assert json.loads(ok("plan", "--json").stdout)["accounts"] == []


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (("--weeks", "2", "--until", "2026-12-31"), 2, "not both"),
        (("--until", "2026-01-01"), 2, "before the plan's start"),
        (("--weeks", "0"), 2, "0"),
        (("--weekly-cap", "ten"), 2, "not an amount"),
        (("--weekly-cap", "-5"), 2, "positive"),
        (("--start", "someday"), 2, "not a date"),
        (("--account", "Nope"), 1, "no account called 'Nope'"),
    ],
)
def test_plan_refusals(refused, personal, args, code, match) -> None:
    refused("plan", *args, code=code, match=match)


def test_weekly_cap_with_several_currencies_needs_an_account(ok, refused, personal) -> None:
    ok("account", "add", "Yen", "--currency", "JPY")
    ok("add", "5000", "--account", "Yen", "--yes")
    refused("plan", "--weekly-cap", "20", code=2, match="several currencies")
    ok("plan", "--weekly-cap", "2000", "--account", "Yen")


def test_a_bought_need_leaves_the_plan(ok, personal) -> None:
    ok("need", "add", "Book", "--price", "12.00")
    ok("need", "bought", "1")
    data = json.loads(ok("plan", "--json").stdout)
    assert _lines(data["accounts"][0]) == []
    start = date.fromisoformat(data["start"])
    assert start == date(2026, 11, 23) and start + timedelta(days=2) == date.fromisoformat(TODAY)


def test_several_accounts_are_planned_together_for_the_best_plan(ok) -> None:
    # The example: planned one account after the other, Alpha bought the boots and the
    # lamp (only Alpha may buy it) did not fit. Planned together, Beta buys the boots.
    ok("account", "add", "Alpha")
    ok("account", "add", "Beta")
    ok("add", "10", "--account", "Alpha", "--yes")
    ok("add", "10", "--account", "Beta", "--yes")
    ok("need", "add", "Boots", "--price", "10", "--priority", "must")
    ok("need", "add", "Desk lamp", "--price", "10", "--account", "Alpha")
    data = json.loads(ok("plan", "--no-gift-card", "--json").stdout)
    bought = {a["account"]: [line["name"] for line in _lines(a)] for a in data["accounts"]}
    assert bought == {"Alpha": ["Desk lamp"], "Beta": ["Boots"]}
    for account in data["accounts"]:
        assert account["leftover"] == "0.00" and account["unplanned"] == []
        assert account["proven_optimal"] is True
    text = ok("plan", "--no-gift-card").stdout
    assert "Did not fit" not in text and "Not proven optimal" not in text
    # A weekly cap that leaves room does not change it.
    capped = json.loads(ok("plan", "--no-gift-card", "--weekly-cap", "10", "--json").stdout)
    assert {
        a["account"]: [line["name"] for line in _lines(a)] for a in capped["accounts"]
    } == bought
    # --account still plans one account alone: Alpha alone buys the boots first.
    alone = json.loads(ok("plan", "--account", "Alpha", "--no-gift-card", "--json").stdout)
    (alpha,) = alone["accounts"]
    assert [line["name"] for line in _lines(alpha)] == ["Boots"]
    assert [(u["name"], u["reason"]) for u in alpha["unplanned"]] == [
        ("Desk lamp", "balance used up by higher-priority needs")
    ]


def test_a_need_none_had_room_for_is_listed_once_with_its_reason(ok) -> None:
    ok("account", "add", "Alpha")
    ok("account", "add", "Beta")
    ok("add", "10", "--account", "Alpha", "--yes")
    ok("add", "10", "--account", "Beta", "--yes")
    ok("need", "add", "Boots", "--price", "10", "--priority", "must", "--qty", "2")
    ok("need", "add", "Scarf", "--price", "5")
    data = json.loads(ok("plan", "--no-gift-card", "--json").stdout)
    unplanned = [
        (a["account"], u["name"], u["reason"]) for a in data["accounts"] for u in a["unplanned"]
    ]
    assert unplanned == [("Beta", "Scarf", "balance used up by higher-priority needs")]
