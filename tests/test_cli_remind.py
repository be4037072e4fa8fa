"""``giftbalance remind`` end to end, day by day (GIFTBALANCE_TODAY): each occasion printed
once, dismissed ones never again, nothing printed when nothing needs attention, the refusals,
and the migration that counts earlier reconcile adjustments as balance checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import Result

Run = Callable[..., Result]


def on(monkeypatch: pytest.MonkeyPatch, day: date | str) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", str(day))


def remind_json(ok: Run, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(ok("remind", "--json", *args).stdout)["reminders"]
    return found


@pytest.fixture
def expiring(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Family holds 100.00 USD expiring on 2026-12-15 and 50.00 that does not expire; it was
    added and reconciled on 2026-11-10, so no reconcile reminder gets in the way until 12-11."""
    on(monkeypatch, "2026-11-10")
    ok("account", "add", "Family", "--currency", "USD")
    ok("add", "100", "--yes", "--expires", "2026-12-15")
    ok("add", "50", "--yes")
    ok("reconcile", "150", "--yes")


@pytest.mark.usefixtures("expiring")
def test_30_7_and_1_day_reminders_each_print_once_on_their_day(
    ok: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: dict[str, list[str]] = {}
    day = date(2026, 11, 10)
    while day <= date(2026, 12, 17):
        on(monkeypatch, day)
        lines = [
            line
            for line in ok("remind", "--days", "30,7,1").stdout.splitlines()
            if "expires" in line
        ]
        if lines:
            printed[day.isoformat()] = lines
        day += timedelta(days=1)
    assert list(printed) == ["2026-11-15", "2026-12-08", "2026-12-14"]
    assert printed["2026-11-15"][0].endswith(
        "Family: 100.00 USD expires in 30 days (Tue 2026-12-15); spend it before then "
        "(giftbalance plan shows how)"
    )
    assert "expires in 7 days" in printed["2026-12-08"][0]
    assert "expires tomorrow" in printed["2026-12-14"][0]
    assert all(len(lines) == 1 for lines in printed.values())


@pytest.mark.usefixtures("expiring")
def test_nothing_to_say_prints_nothing_and_exits_0(
    ok: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, "2026-11-12")
    result = ok("remind")
    assert result.stdout == "" and result.stderr == ""
    assert remind_json(ok) == []


@pytest.mark.usefixtures("expiring")
def test_json_shape_and_ids(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    on(monkeypatch, "2026-12-08")
    [reminder] = remind_json(ok)
    assert reminder == {
        "id": reminder["id"],
        "kind": "expiry",
        "account": "Family",
        "amount": "100.00",
        "currency": "USD",
        "date": "2026-12-15",
        "text": (
            "Family: 100.00 USD expires in 7 days (Tue 2026-12-15); spend it before then "
            "(giftbalance plan shows how)"
        ),
        "sent": False,
    }
    assert isinstance(reminder["id"], int)
    # --json delivers too: the next run has nothing new; --all still lists it, as sent.
    assert remind_json(ok) == []
    [listed] = remind_json(ok, "--all")
    assert listed["id"] == reminder["id"] and listed["sent"] is True


@pytest.mark.usefixtures("expiring")
def test_a_dismissed_reminder_never_returns(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    on(monkeypatch, "2026-12-08")
    [listed] = remind_json(ok, "--all")  # listed, not delivered
    done = ok("remind", "--done", str(listed["id"]))
    assert done.stdout == f"Dismissed reminder {listed['id']}: {listed['text']}\n"
    assert ok("remind").stdout == ""
    assert remind_json(ok, "--all") == []
    on(monkeypatch, "2026-12-09")
    assert remind_json(ok, "--all") == []
    again = ok("remind", "--done", str(listed["id"]))
    assert again.stdout.startswith(f"Reminder {listed['id']} was already dismissed")
    # The next threshold is another occasion: it comes on its day.
    on(monkeypatch, "2026-12-14")
    assert next(r["text"] for r in remind_json(ok)).startswith(
        "Family: 100.00 USD expires tomorrow"
    )


def test_order_late_need_and_reconcile(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    on(monkeypatch, "2026-10-01")  # a Thursday
    ok("account", "add", "Family", "--currency", "USD")
    ok("add", "100", "--yes")
    ok("need", "add", "Rain boots", "--price", "40", "--by", "2026-10-05")
    [order] = remind_json(ok)
    assert (order["kind"], order["amount"], order["date"]) == ("order", "40.00", "2026-09-28")
    assert "this week's order, 40.00 USD, is not bought yet: #1 Rain boots" in order["text"]
    on(monkeypatch, "2026-10-02")
    assert remind_json(ok) == []  # once a week
    on(monkeypatch, "2026-10-06")  # the next week, a day after the need-by date
    kinds = [r["kind"] for r in remind_json(ok)]
    assert kinds == ["late", "order"]
    on(monkeypatch, "2026-11-01")  # 31 days after the account was added, never reconciled
    order, stale = remind_json(ok)
    assert order["kind"] == "order" and order["date"] == "2026-10-26"
    assert stale["kind"] == "reconcile" and stale["amount"] == "100.00"
    assert "never checked against the store since it was added 31 days ago" in stale["text"]
    # A reconcile where the ledger already matched counts: no reminder for 30 more days.
    ok("reconcile", "100", "--yes")
    on(monkeypatch, "2026-12-01")
    assert [r["kind"] for r in remind_json(ok, "--all")] == ["late", "order"]
    on(monkeypatch, "2026-12-02")
    assert [r["kind"] for r in remind_json(ok)] == ["order", "reconcile"]
    # Bought: the late need and the order are gone.
    ok("need", "bought", "1")
    assert [r["kind"] for r in remind_json(ok, "--all")] == ["reconcile"]


def test_archived_accounts_and_empty_databases_are_quiet(ok: Run, monkeypatch) -> None:
    assert ok("remind").stdout == ""
    on(monkeypatch, "2026-10-01")
    ok("account", "add", "Old", "--currency", "USD")
    ok("add", "10", "--yes", "--account", "Old", "--expires", "2026-10-20")
    on(monkeypatch, "2026-10-19")
    assert [r["kind"] for r in remind_json(ok, "--all")] == ["expiry"]
    # Spent and archived: nothing expires, and there is no balance to reconcile.
    ok("spend", "10", "--account", "Old")
    ok("account", "archive", "Old")
    assert remind_json(ok, "--all") == []
    on(monkeypatch, "2026-12-19")
    assert remind_json(ok, "--all") == []


@pytest.mark.usefixtures("expiring")
def test_a_crash_while_printing_marks_nothing(ok: Run, run: Run, monkeypatch) -> None:
    import giftbalance.render.reminders as render

    on(monkeypatch, "2026-12-08")

    def broken(items: object) -> str:
        raise OSError("stdout is gone")

    original = render.reminders_text
    monkeypatch.setattr(render, "reminders_text", broken)
    result = run("remind")
    assert result.exit_code == 1 and "stdout is gone" in result.stderr
    monkeypatch.setattr(render, "reminders_text", original)
    assert "expires in 7 days" in ok("remind").stdout  # still unsent: printed now


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["--days", "30;7"], 2, "--days takes whole days separated by commas"),
        (["--days", "0"], 2, "each threshold is 1 to 366 days"),
        (["--done", "999"], 1, "no reminder 999 (giftbalance remind --all lists"),
        (["--done", "abc"], 2, "'abc' is not a whole number"),
        (["--done", "0"], 2, "--done"),
        (["--done", "1", "--json"], 2, "--done dismisses reminders"),
    ],
)
@pytest.mark.usefixtures("expiring")
def test_remind_refuses(refused, monkeypatch, args: list[str], code: int, match: str) -> None:
    on(monkeypatch, "2026-12-08")
    refused("remind", *args, code=code, match=match)


@pytest.mark.usefixtures("expiring")
def test_an_unknown_id_among_several_dismisses_none(ok: Run, refused, monkeypatch) -> None:
    on(monkeypatch, "2026-12-08")
    [listed] = remind_json(ok, "--all")
    refused("remind", "--done", str(listed["id"]), "--done", "999", match="no reminder 999")
    assert [r["id"] for r in remind_json(ok, "--all")] == [listed["id"]]


def test_reconcile_adjustments_from_before_revision_0005_count_as_checks(
    ok: Run, sql, db_url: str, monkeypatch
) -> None:
    from alembic import command

    from giftbalance.storage.schema import alembic_config

    on(monkeypatch, "2026-10-01")
    ok("account", "add", "Family", "--currency", "USD")
    ok("add", "100", "--yes")
    ok("reconcile", "90", "--yes")
    # Back to 0004, as a database written before reminders existed, and up again.
    config = alembic_config(db_url)
    command.downgrade(config, "0004")
    command.upgrade(config, "head")
    [(account_id, checked_on, balance, entry_id)] = sql(
        "SELECT account_id, checked_on, store_balance, entry_id FROM reconciliations"
    )
    assert (account_id, str(checked_on), balance) == (1, "2026-10-01", 9000)
    assert entry_id == sql("SELECT id FROM entries WHERE kind = 'adjust'")[0][0]
    on(monkeypatch, "2026-10-25")
    assert remind_json(ok, "--all") == []
