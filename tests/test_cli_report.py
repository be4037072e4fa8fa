"""``giftbalance report`` end to end: every format parsed back, the chart and the calendar
file checked, atomic replacement of output files, and the refusals."""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd
import pytest
from click.testing import Result

from giftbalance.household.advice import checkout_reminders

TODAY = "2026-11-25"  # a Wednesday; the week runs from Monday 2026-11-23
Run = Callable[..., Result]


@pytest.fixture
def household(ok: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two accounts (a card that landed on Work by mistake), members, needs, one purchase
    this week and a pending support contact."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", TODAY)
    ok("account", "add", "Family", "--currency", "USD", "--tax-rate", "8", "--default")
    ok("account", "add", "Work", "--currency", "USD", "--note", "a family card landed here")
    ok("add", "150", "--account", "Family", "--yes", "--date", "2026-10-01")
    ok(
        "add",
        "25",
        "--account",
        "Family",
        "--yes",
        "--date",
        "2026-11-02",
        "--expires",
        "2026-12-15",
    )
    ok(
        "add",
        "150",
        "--account",
        "Work",
        "--yes",
        "--date",
        "2026-11-03",
        "--note",
        "meant for Family",
    )
    ok("member", "add", "Sam")
    ok("member", "add", "Alex")
    ok("need", "add", "Lunch box", "--price", "15", "--for", "Sam", "--account", "Family")
    ok("need", "bought", "1", "--date", "2026-11-24")
    ok("need", "add", "Rain boots", "--price", "40", "--for", "Sam", "--priority", "high",
       "--by", "2026-11-20", "--account", "Family")  # fmt: skip
    ok("need", "add", "Coffee", "--price", "12.99", "--every", "2 weeks", "--by", "2026-12-03")
    ok("need", "add", "Desk", "--price", "900", "--for", "Alex", "--priority", "low")
    ok("contact", "add", "--channel", "chat", "--account", "Work", "--summary", "asked to move it")


def report_json(ok: Run, *args: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ok("report", "--format", "json", *args).stdout)
    return document


def account(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in document["accounts"] if a["account"] == name)
    return found


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("household")
def test_text_report_has_every_section(ok: Run) -> None:
    out = ok("report").stdout
    assert out.startswith("Weekly report: Mon 2026-11-23 to Sun 2026-11-29")
    for heading in (
        "== Family (amazon.com) ==",
        "== Work (amazon.com) ==",
        "Order",
        "Projection",
        "Expiring within 4 weeks",
        "Late needs",
        "Not in the plan",
        "Bought so far, per member",
        "== At every checkout ==",
        "== Support ==",
    ):
        assert heading in out, heading
    assert "spent 16.20 USD" in out  # the lunch box, 15.00 + 8% tax
    assert "#2 Rain boots" in out
    assert "1 support contact is still pending" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


@pytest.mark.usefixtures("household")
def test_json_report_parses_back(ok: Run) -> None:
    document = report_json(ok)
    assert document["week"] == "2026-11-23" and document["when"] == "current"
    assert document["plan"] == {"start": "2026-11-23", "weeks": 12, "end": "2027-02-14"}
    family = account(document, "Family")
    assert (family["opening"], family["closing"], family["spent"]) == ("175.00", "158.80", "16.20")
    assert family["entries"] == 1
    assert family["members"] == [
        {
            "for": "Sam",
            "total": "16.20",
            "items": [{"need_id": 1, "name": "Lunch box", "units": 1, "amount": "16.20"}],
        }
    ]
    assert family["expiring"] == [{"amount": "8.80", "expires_on": "2026-12-15", "unused": "0.00"}]
    order = family["order"]
    assert order["week"] == "2026-11-23"
    assert {line["name"] for line in order["lines"]} >= {"Rain boots"}
    assert [line["name"] for line in family["late"]] == ["Rain boots"]
    work = account(document, "Work")
    assert work["note"] == "a family card landed here"
    assert work["closing"] == "150.00"
    assert document["pending_contacts"] == 1
    ordering = [a["account"] for a in document["accounts"] if a["order"] is not None]
    expected = ordering[0] if len(ordering) == 1 else "the account each order is for"
    assert document["reminders"] == list(checkout_reminders(expected))
    # Every projection ends at zero or runs the whole horizon.
    for a in document["accounts"]:
        last = a["projection"][-1]
        assert (a["zero_week"] == last["week"]) == (last["balance"] == "0.00")


@pytest.mark.usefixtures("household")
def test_csv_report_parses_back_with_csv_and_pandas(ok: Run) -> None:
    text = ok("report", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    sections = {row["section"] for row in rows}
    assert {"report", "summary", "history", "order", "projection", "expiring", "late"} <= sections
    assert {"unplanned", "member", "member_total", "reminder", "support"} <= sections
    closing = [
        r["amount"]
        for r in rows
        if r["section"] == "summary" and r["account"] == "Family" and r["name"] == "closing"
    ]
    assert closing == ["158.80"]
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(frame.columns)[:3] == ["section", "account", "currency"]
    assert len(frame) == len(rows)
    projection = frame[(frame["section"] == "projection") & (frame["account"] == "Family")]
    assert projection["week"].iloc[0] == "2026-11-23"


@pytest.mark.usefixtures("household")
def test_markdown_report(ok: Run) -> None:
    out = ok("report", "--format", "markdown").stdout
    assert out.startswith("# Weekly report")
    assert "## Family \\(amazon.com\\)" in out
    assert "### Projection" in out
    table_lines = [line for line in out.splitlines() if line.startswith("| \\#")]
    assert table_lines and all(line.endswith("|") for line in table_lines)


@pytest.mark.usefixtures("household")
def test_html_report_is_well_formed_and_self_contained(ok: Run, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = ok("report", "--format", "html", "--output", str(target))
    assert result.stdout == f"Report: {target}\n"
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    root = ElementTree.fromstring(page.split("\n", 1)[1])
    ns = ""
    head = root.find(f"{ns}head")
    assert head is not None
    assert head.find("style") is not None
    assert any(m.get("name") == "viewport" for m in head.iter("meta"))
    assert not list(root.iter("script")) and not list(root.iter("link"))
    assert not list(root.iter("img"))
    assert "http://" not in page and "https://" not in page and "src=" not in page
    headings = ["".join(h.itertext()) for h in root.iter("h2")]
    assert "Family (amazon.com)" in headings and "Support" in headings
    assert len(list(root.iter("table"))) >= 4
    # The burn-down chart is inline SVG (no file beside the page), one panel per account.
    [figure] = [f for f in root.iter("figure") if f.get("class") == "chart"]
    [svg] = list(figure.iter("svg"))
    assert svg.get("width") == "100%" and svg.get("viewBox")
    assert svg.get("aria-label") == "Burn-down chart, week of 2026-11-23"
    # Wide tables label every cell, so a phone can show each row as a card.
    order = next(t for t in root.iter("table") if "unit price" in "".join(t.itertext()))
    assert order.get("class") == "cards"
    labels = [td.get("data-label") for td in next(order.iter("tbody")).iter("td")][:9]
    assert labels == [
        "need", "for", "priority", "units", "unit price", "tax", "total", "need by", "late",
    ]  # fmt: skip


@pytest.mark.usefixtures("household")
def test_html_report_without_a_chart(ok: Run) -> None:
    from giftbalance.render.report_html import report_html
    from giftbalance.report import load as report_load
    from giftbalance.report.weekly import build_report
    from giftbalance.storage.db import Database, resolve_url

    database = Database(resolve_url(None))
    try:
        with database.read() as session:
            data = report_load.load(
                session,
                day=pd.Timestamp(TODAY).date(),
                account=None,
                today=pd.Timestamp(TODAY).date(),
            )
    finally:
        database.dispose()
    page = report_html(build_report(data), chart=False)
    assert "<svg" not in page and "<figure" not in page
    assert "<svg" in report_html(build_report(data))


# --------------------------------------------------------------------------------------------
# Chart and calendar
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("household")
def test_chart_is_a_png_of_sensible_size(ok: Run, tmp_path: Path) -> None:
    target = tmp_path / "burn-down.png"
    result = ok("report", "--chart", str(target))
    assert f"Chart: {target}" in result.stderr
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 2 * 300  # one panel per account
    assert len(data) > 10_000


@pytest.mark.usefixtures("household")
def test_calendar_has_one_event_with_an_alarm_per_planned_order(ok: Run, tmp_path: Path) -> None:
    from icalendar import Calendar

    target = tmp_path / "orders.ics"
    ok("report", "--ics", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0" and "giftbalance" in str(calendar["PRODID"])
    everything = list(calendar.walk("VEVENT"))
    events = [e for e in everything if str(e["UID"]).startswith("order-")]
    document = report_json(ok)
    orders = [(a, o) for a in document["accounts"] for o in a["orders"]]
    assert len(events) == len(orders) > 0
    for event, (acct, order) in zip(events, orders, strict=True):
        start = event.decoded("DTSTART")
        assert start.date().isoformat() == order["week"] and start.hour == 9
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert str(event["UID"]) == f"order-{acct['account_id']}-{order['week']}@giftbalance"
        description = str(event["DESCRIPTION"])
        for line in order["lines"]:
            assert line["name"] in description
        assert "Remove other payment methods" in description
        alarms = event.walk("VALARM")
        assert len(alarms) == 1
        trigger = alarms[0].decoded("TRIGGER")
        assert (start + trigger).hour < 12  # on the morning of the order day
    # Same data, same UIDs: re-importing updates events instead of duplicating them.
    result = ok("report", "--ics", str(target))
    assert f"Calendar: {target} ({len(events)} planned orders, 1 expiry date)" in result.stderr
    again = [str(e["UID"]) for e in Calendar.from_ical(target.read_bytes()).walk("VEVENT")]
    assert again == [str(e["UID"]) for e in everything]


@pytest.mark.usefixtures("household")
def test_calendar_has_the_expiry_dates_with_alarms_at_the_reminder_thresholds(
    ok: Run, tmp_path: Path
) -> None:
    from icalendar import Calendar

    target = tmp_path / "orders.ics"
    ok("report", "--ics", str(target))
    calendar = Calendar.from_ical(target.read_bytes())
    [expiry] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("expiry-")]
    family = account(report_json(ok), "Family")
    assert str(expiry["UID"]) == f"expiry-{family['account_id']}-2026-12-15@giftbalance"
    # What is left of the 25.00 that expires (the lunch box took from it first).
    assert str(expiry["SUMMARY"]) == "Gift balance expires: 8.80 USD on Family"
    start = expiry.decoded("DTSTART")
    assert start.isoformat() == "2026-12-15"  # an all-day event
    rings = sorted(
        (datetime.combine(start, time()) + alarm.decoded("TRIGGER"))
        for alarm in expiry.walk("VALARM")
    )
    assert rings == [
        datetime(2026, 11, 15, 9, 0),
        datetime(2026, 12, 8, 9, 0),
        datetime(2026, 12, 14, 9, 0),
    ]
    descriptions = [str(alarm["DESCRIPTION"]) for alarm in expiry.walk("VALARM")]
    assert "8.80 USD on Family expires in 30 days (2026-12-15)" in descriptions


# --------------------------------------------------------------------------------------------
# Weeks, accounts, settings
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("household")
def test_past_week_shows_then_and_the_plan_from_today(ok: Run) -> None:
    document = report_json(ok, "--week", "2026-11-04")
    assert (document["week"], document["when"]) == ("2026-11-02", "past")
    family = account(document, "Family")
    assert (family["opening"], family["redeemed"], family["closing"]) == (
        "150.00",
        "25.00",
        "175.00",
    )
    assert family["members"] == []  # the lunch box was bought later
    assert family["order_week"] == "2026-11-23"
    assert family["planned_closing"] is None


@pytest.mark.usefixtures("household")
def test_future_week_shows_that_weeks_plan(ok: Run) -> None:
    document = report_json(ok, "--week", "2026-12-03")
    assert (document["week"], document["when"]) == ("2026-11-30", "future")
    family = account(document, "Family")
    assert family["entries"] == 0 and family["opening"] == family["closing"] == "158.80"
    planned = {p["week"]: p["balance"] for p in family["projection"]}
    order = family["order"]
    assert [line["name"] for line in order["lines"]] == ["Coffee"]  # the 2026-12-03 occurrence
    assert family["planned_closing"] == planned["2026-11-30"] == order["balance_after"]
    far = report_json(ok, "--week", "2027-12-01")
    assert far["plan"]["weeks"] > 12 and far["when"] == "future"


@pytest.mark.usefixtures("household")
def test_quiet_week_reports_no_activity(ok: Run) -> None:
    out = ok("report", "--week", "2026-10-14", "--account", "Family").stdout
    assert "Balance 150.00 USD at the start of the week, 150.00 USD at its end." in out
    assert "No entries during the week." in out


@pytest.mark.usefixtures("household")
def test_one_account_and_its_contacts(ok: Run) -> None:
    document = report_json(ok, "--account", "work")
    assert [a["account"] for a in document["accounts"]] == ["Work"]
    assert document["pending_contacts"] == 1
    assert document["reminders"][0] == checkout_reminders("Work")[0]


@pytest.mark.usefixtures("household")
def test_reversed_purchase_leaves_per_member_use(ok: Run) -> None:
    ok("undo", "--yes")
    family = account(report_json(ok), "Family")
    assert family["members"] == []
    assert family["spent"] == "0.00" and family["closing"] == "175.00"


@pytest.mark.usefixtures("household")
def test_sunday_weeks(ok: Run) -> None:
    ok("config", "set", "week_start", "sunday")
    document = report_json(ok)
    assert (document["week"], document["week_start"]) == ("2026-11-22", "sunday")
    assert account(document, "Family")["projection"][0]["week"] == "2026-11-22"


def test_empty_database(ok: Run, tmp_path: Path) -> None:
    out = ok("report").stdout
    assert "No accounts yet" in out
    assert report_json(ok)["accounts"] == []
    ok("report", "--chart", str(tmp_path / "c.png"), "--ics", str(tmp_path / "o.ics"))
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from icalendar import Calendar

    assert list(Calendar.from_ical((tmp_path / "o.ics").read_bytes()).walk("VEVENT")) == []


# --------------------------------------------------------------------------------------------
# Output files
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("household")
def test_output_replaces_an_existing_file_atomically(ok: Run, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.json"
    target.write_text("old report\n")
    target.chmod(0o640)
    witness = folder / "old-link"
    os.link(target, witness)  # still the old inode after an atomic replace
    ok("report", "--format", "json", "--output", str(target))
    assert json.loads(target.read_text())["week"] == "2026-11-23"
    assert witness.read_text() == "old report\n"
    assert target.stat().st_ino != witness.stat().st_ino
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in folder.iterdir()) == ["old-link", "report.json"]


@pytest.mark.usefixtures("household")
def test_failed_replace_keeps_the_old_file(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.txt"
    target.write_text("old report\n")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    result = run("report", "--output", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot write") and "No space left" in result.stderr
    assert target.read_text() == "old report\n"
    assert [p.name for p in folder.iterdir()] == ["report.txt"]


@pytest.mark.usefixtures("household")
def test_new_output_files_are_private(ok: Run, tmp_path: Path) -> None:
    target = tmp_path / "new.md"
    ok("report", "--format", "markdown", "-o", str(target))
    assert target.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("household")
def test_bad_week_is_a_usage_error(refused: Callable[..., Result]) -> None:
    refused("report", "--week", "someday", code=2, match="not a date")
    refused("report", "--week", "2040-01-01", code=2, match="too far ahead")


@pytest.mark.usefixtures("household")
def test_unknown_account_is_refused(refused: Callable[..., Result]) -> None:
    refused("report", "--account", "Nope", code=1, match="no account called 'Nope'")


@pytest.mark.usefixtures("household")
def test_bad_format_and_paths_are_usage_errors(
    refused: Callable[..., Result], tmp_path: Path
) -> None:
    refused("report", "--format", "pdf", code=2, match="pdf")
    refused("report", "--output", str(tmp_path / "missing" / "r.txt"), code=2, match="folder")
    refused("report", "--chart", str(tmp_path), code=2, match="")
    refused("report", "--ics", str(tmp_path / "nowhere" / "o.ics"), code=2, match="folder")
    refused("report", "--chart", str(tmp_path / "c.txt"), code=2, match="ending in .png")
    refused("report", "--ics", str(tmp_path / "o.ical"), code=2, match="ending in .ics")
    assert not list(tmp_path.glob("**/*.tmp"))
    assert not (tmp_path / "c.txt").exists() and not (tmp_path / "o.ical").exists()


# --------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------


def _modules_after(code: str, env: dict[str, str]) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    return set(result.stdout.split())


@pytest.mark.usefixtures("household")
def test_heavy_libraries_are_imported_only_when_needed(db_url: str) -> None:
    env = {**os.environ, "GIFTBALANCE_DB": db_url, "GIFTBALANCE_TODAY": TODAY}
    loaded = _modules_after("import giftbalance.cli.report", env)
    assert not loaded & {"pandas", "matplotlib", "icalendar", "sqlalchemy"}
    run_text = (
        "from giftbalance.cli import cli\n"
        "try:\n    cli.main(['report', '--format', 'json'], standalone_mode=False)\n"
        "except SystemExit:\n    pass"
    )
    loaded = _modules_after(run_text, env)
    assert "pandas" in loaded
    assert not loaded & {"matplotlib", "icalendar"}


# --------------------------------------------------------------------------------------------
# The demo
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_script_loads_the_household_and_writes_the_files(tmp_path: Path) -> None:
    from icalendar import Calendar

    script = Path(__file__).resolve().parent.parent / "examples" / "demo.sh"
    out = tmp_path / "demo output"  # a space in the path, on purpose
    env = {**os.environ, "GIFTBALANCE_TODAY": TODAY}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        ["bash", str(script), str(out)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = result.stdout[result.stdout.index("Weekly report: Mon 2026-11-23") :]
    for text in (
        "== Family (amazon.com) ==",
        "== Work (amazon.com) ==",
        "#4 Winter boots",  # the must-have, ordered this week
        "#3 Backpack",  # needed last weekend: late
        "20.00  spent in time",  # the promotion that expires
        "1 support contact is still pending",
    ):
        assert text in report, text
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "burn-down.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    events = Calendar.from_ical((out / "orders.ics").read_bytes()).walk("VEVENT")
    assert len(events) >= 2
    assert str(out) in result.stdout  # says where the files are
