"""giftbalance store import: the store's gift-card activity and order history into the ledger.

The fixtures under tests/data/store/ are written by hand after the column names of the store's
pages and data download: an activity paste in each of four store spellings, two overlapping
pastes, the order history in its old naming (with a byte-order mark, ``Not Available`` cells,
a multi-item and multi-shipment order, a mixed payment, a cancelled order, addresses, a gift
message and tracking numbers that must never be stored) and in its new naming.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from giftbalance.errors import BadRows, InputError
from giftbalance.household.matches import pending_matches
from giftbalance.io.store import activity, orders
from giftbalance.io.store.matching import ItemFacts, NeedFacts, match_needs, price_close
from giftbalance.values.dates import DateError, parse_local_date
from giftbalance.values.money import MoneyError, parse_local_money

DATA = Path(__file__).parent / "data" / "store"
US = DATA / "activity-amazon.com.txt"
HISTORY = DATA / "Retail.OrderHistory.1.csv"
NEW_HISTORY = DATA / "Order History.csv"
DIAPERS, WIPES_AND_COFFEE, CABLE = (
    "113-6666666-7777777",
    "113-2222222-3333333",
    "113-4444444-5555555",
)


def history_zip(tmp_path: Path) -> Path:
    """The store's data download as it comes: the CSV inside a folder of a zip."""
    path = tmp_path / "Your Orders.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Retail.OrderHistory.1/Retail.OrderHistory.1.csv", HISTORY.read_bytes())
        archive.writestr("Retail.OrderHistory.1/Retail.CustomerReturns.1.csv", "Order ID\n")
    return path


@pytest.fixture
def household(ok: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """An amazon.com account and three needs added on 2026-10-01; the user logged the first
    redemption and the diapers' spend by hand (a day later than the store's page says)."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-10-01")
    ok("account", "add", "Personal", "--store", "amazon.com", "--currency", "USD")
    ok("need", "add", "Diapers size 4", "--price", "16.00")
    ok("need", "add", "Wipes", "--price", "22.00")
    ok("need", "add", "Coffee beans", "--price", "12.00")
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-30")
    ok("add", "100", "--date", "2026-11-01", "--yes")
    ok("spend", "17.50", "--date", "2026-11-11")

    def set_today(day: str) -> None:
        monkeypatch.setenv("GIFTBALANCE_TODAY", day)

    return set_today


def preview(ok: Any, *files: Path | str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    result = ok("store", "import", *map(str, files), "--json", *extra)
    data: dict[str, Any] = json.loads(result.output)
    return data


# -- values: the store's own spellings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "locale", "minor"),
    [
        ("$25.00", "USD", "en_US", 2500),
        ("-$38.10", "USD", "en_US", -3810),
        ("$1,234.56", "USD", "en_US", 123456),
        ("£12.50", "GBP", "en_GB", 1250),
        ("-12,50 €", "EUR", "de_DE", -1250),
        ("1.042,50 €", "EUR", "de_DE", 104250),
        ("-￥1,650", "JPY", "ja_JP", -1650),
        ("¥5,000", "JPY", "ja_JP", 5000),
    ],
)
def test_store_amounts_are_read_the_store_s_way(
    text: str, currency: str, locale: str, minor: int
) -> None:
    assert parse_local_money(text, currency, locale).minor == minor


@pytest.mark.parametrize(
    ("text", "currency", "locale"),
    [
        ("€5.00", "USD", "en_US"),  # another currency's symbol
        ("12,50", "USD", "en_US"),  # a German number on amazon.com
        ("1.65", "EUR", "de_DE"),
        ("$1.505", "USD", "en_US"),  # more digits than cents
        ("￥1,650.5", "JPY", "ja_JP"),
        ("$0.00", "USD", "en_US"),
        ("", "USD", "en_US"),
        ("twelve", "USD", "en_US"),
    ],
)
def test_what_is_not_an_amount_of_the_account_is_refused(
    text: str, currency: str, locale: str
) -> None:
    with pytest.raises(MoneyError):
        parse_local_money(text, currency, locale)


@given(
    minor=st.integers(min_value=-99_999_999, max_value=99_999_999).filter(bool),
    store=st.sampled_from(
        [("USD", "en_US"), ("GBP", "en_GB"), ("EUR", "de_DE"), ("JPY", "ja_JP"), ("EUR", "fr_FR")]
    ),
)
def test_any_amount_babel_writes_for_a_store_reads_back_exactly(
    minor: int, store: tuple[str, str]
) -> None:
    """Whatever Babel writes as the store's currency format comes back as the same minor
    units (the parser is Babel's own, not a hand-written one)."""
    from babel.numbers import format_currency

    currency, locale = store
    digits = 0 if currency == "JPY" else 2
    text = format_currency(Decimal(minor).scaleb(-digits), currency, locale=locale)
    assert parse_local_money(text, currency, locale).minor == minor


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("November 25, 2026", "en_US"),
        ("Nov 25, 2026", "en_US"),
        ("25 November 2026", "en_GB"),
        ("25.11.2026", "de_DE"),
        ("25. November 2026", "de_DE"),
        ("2026年11月25日", "ja_JP"),
    ],
)
def test_store_dates_are_read_the_store_s_way(text: str, locale: str) -> None:
    assert parse_local_date(text, locale) == date(2026, 11, 25)


def test_a_month_written_as_a_word_is_the_month_whatever_the_locale_s_order() -> None:
    # en_US numbers read month first; a month name must not be mistaken for a day.
    assert parse_local_date("1 November 2026", "en_US") == date(2026, 11, 1)
    assert parse_local_date("11/01/2026", "en_US") == date(2026, 11, 1)
    assert parse_local_date("01/11/2026", "en_GB") == date(2026, 11, 1)


@given(day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_any_date_babel_writes_long_for_a_store_reads_back(day: date) -> None:
    from babel.dates import format_date

    for locale in ("en_US", "en_GB", "de_DE", "ja_JP", "fr_FR"):
        assert parse_local_date(format_date(day, "long", locale=locale), locale) == day


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Smarch 25, 2026", "en_US"),
        ("25.11.26", "de_DE"),
        ("February 30, 2026", "en_US"),
        ("", "en_US"),
    ],
)
def test_what_is_not_a_store_date_is_refused(text: str, locale: str) -> None:
    with pytest.raises(DateError):
        parse_local_date(text, locale)


# -- the activity page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("store", "currency", "locale", "order", "amounts"),
    [
        ("amazon.co.uk", "GBP", "en_GB", "202-2222222-3333333", [5000, -2000, 1250]),
        ("amazon.de", "EUR", "de_DE", "302-2222222-3333333", [104250, -1250, 1250]),
        ("amazon.co.jp", "JPY", "ja_JP", "503-2222222-3333333", [5000, -1650, 1650]),
    ],
)
def test_each_store_s_paste_reads_oldest_first_with_kinds_and_order_ids(
    store: str, currency: str, locale: str, order: str, amounts: list[int]
) -> None:
    text = (DATA / f"activity-{store}.txt").read_text(encoding="utf-8")
    rows = activity.parse_activity(text, "paste", currency, locale)
    assert [r.amount for r in rows] == amounts
    assert [r.kind for r in rows] == ["redeem", "spend", "refund"]
    assert [r.order_id for r in rows] == [None, order, order]
    assert rows[0].occurred_on == date(2026, 11, 1)
    assert len({r.key for r in rows}) == 3


def test_the_same_row_has_the_same_key_in_overlapping_pastes() -> None:
    def keys(path: Path) -> set[str]:
        return {r.key for r in activity.parse_activity(path.read_text(), "p", "USD", "en_US")}

    early, late = (
        keys(DATA / "activity-amazon.com-early.txt"),
        keys(DATA / "activity-amazon.com-late.txt"),
    )
    assert len(early & late) == 1  # the 17.50 payment of November 10 is in both
    assert early | late == keys(US)


def test_a_row_missing_from_the_middle_of_a_paste_is_named() -> None:
    lines = US.read_text().splitlines()
    del lines[3]  # the 38.10 payment
    with pytest.raises(BadRows) as caught:
        activity.parse_activity("\n".join(lines), "gaps.txt", "USD", "en_US")
    assert [p.where for p in caught.value.problems] == ["line 3"]
    assert "is a row missing from the paste?" in caught.value.problems[0].reason


def test_a_csv_paste_with_the_same_columns_reads_like_the_tab_one() -> None:
    tabbed = activity.parse_activity(US.read_text(), "p", "USD", "en_US")
    as_csv = "\n".join(
        ",".join(f'"{cell}"' for cell in line.split("\t")) for line in US.read_text().splitlines()
    )
    assert activity.parse_activity(as_csv, "p.csv", "USD", "en_US") == tabbed


# -- the order history ---------------------------------------------------------------------------


def test_the_old_naming_with_its_bom_and_empty_cells_reads() -> None:
    rows = orders.read_order_rows(HISTORY.read_bytes().decode("utf-8-sig"), "h", "USD")
    assert len(rows) == 5  # the desk lamp, paid by card alone, is left out
    by_order = {o.order_id: o for o in orders.orders_of(rows)}
    assert by_order[DIAPERS].payment == "gift" and by_order[DIAPERS].total == 1750
    both = by_order[WIPES_AND_COFFEE]  # two items, shipped apart
    assert [i.name for i in both.items][1] == "Lavazza Super Crema Whole Bean Coffee Blend, 2.2 lb"
    assert (both.total, both.ordered_on) == (3810, date(2026, 11, 11))
    assert by_order[CABLE].payment == "mixed"
    assert "113-1010101-2020202" not in by_order
    assert "113-3030303-4040404" not in by_order  # cancelled


def test_the_new_naming_reads_the_same_fields() -> None:
    rows = orders.read_order_rows(NEW_HISTORY.read_bytes().decode("utf-8-sig"), "h", "USD")
    boots = rows[0]
    assert (boots.order_id, boots.ordered_on, boots.unit_price, boots.amount, boots.quantity) == (
        "113-8888888-9999999",
        date(2026, 11, 25),
        4000,
        4150,
        1,
    )
    assert rows[1].quantity == 2
    assert [o.payment for o in orders.orders_of(rows)] == ["gift", "mixed"]


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("Gift Certificate/Card", "gift"),
        ("Gift Certificate/Card and Visa - 1234", "mixed"),
        ("Visa - 1234 and Gift Certificate/Card", "mixed"),
        ("Visa - 1234", "other"),
        ("Not Available", "other"),
    ],
)
def test_the_payment_column_says_whether_the_gift_balance_paid(cell: str, kind: str) -> None:
    assert orders.payment_kind(cell) == kind


def test_a_history_missing_a_column_is_refused_naming_both_spellings() -> None:
    text = NEW_HISTORY.read_text(encoding="utf-8-sig").replace("Total Amount", "Total")
    with pytest.raises(InputError, match="'Total Owed' or 'Total Amount'"):
        orders.read_order_rows(text, "h.csv", "USD")


# -- matching ------------------------------------------------------------------------------------


def test_needs_match_by_name_and_price_within_ten_percent_after_they_were_added() -> None:
    need = NeedFacts(1, "Diapers size 4", 1600, 1, date(2026, 10, 1))
    item = ItemFacts(
        0, "o", date(2026, 11, 9), "Pampers Baby Dry Diapers Size 4, 174 Count", 1620, 1
    )
    assert [m.confident for m in match_needs([item], [need])] == [True]
    dear = ItemFacts(0, "o", date(2026, 11, 9), item.name, 1761, 1)  # 10.06 % more
    assert match_needs([dear], [need]) == []
    before = ItemFacts(0, "o", date(2026, 9, 30), item.name, 1620, 1)
    assert match_needs([before], [need]) == []
    other = ItemFacts(0, "o", date(2026, 11, 9), "USB-C Cable 2m", 1620, 1)
    assert match_needs([other], [need]) == []


@given(need=st.integers(1, 10**9), item=st.integers(0, 2 * 10**9))
def test_price_close_is_exactly_ten_percent(need: int, item: int) -> None:
    assert price_close(item, need) == (abs(Decimal(item) - need) <= Decimal(need) / 10)


def test_each_need_and_each_item_is_matched_once_best_first() -> None:
    needs = [
        NeedFacts(1, "Wipes", 2200, 1, date(2026, 1, 1)),
        NeedFacts(2, "Baby wipes", 2300, 1, date(2026, 1, 1)),
    ]
    items = [ItemFacts(0, "o", date(2026, 2, 1), "Huggies Baby Wipes", 2300, 1)]
    found = match_needs(items, needs)
    assert len(found) == 1


# -- the command ---------------------------------------------------------------------------------


def test_the_preview_shows_everything_and_writes_nothing(
    ok: Any, household: Any, dump: Any, tmp_path: Path
) -> None:
    before = dump()
    data = preview(ok, US, history_zip(tmp_path))
    assert dump() == before
    assert list(data) == [
        "account",
        "currency",
        "entries",
        "needs",
        "closing_balance",
        "balance_after",
        "difference",
    ]
    assert [(e["date"], e["kind"], e["amount"], e["status"]) for e in data["entries"]] == [
        ("2026-11-01", "redeem", "100.00", "matched"),
        ("2026-11-02", "redeem", "25.00", "new"),
        ("2026-11-10", "spend", "-17.50", "matched"),
        ("2026-11-12", "spend", "-38.10", "new"),
        ("2026-11-18", "spend", "-20.00", "new"),
        ("2026-11-20", "refund", "12.50", "new"),
    ]
    assert set(data["entries"][0]) == {
        "date",
        "kind",
        "amount",
        "order_id",
        "description",
        "status",
    }
    assert data["entries"][3]["order_id"] == WIPES_AND_COFFEE
    assert [(n["need_id"], n["order_id"], n["status"]) for n in data["needs"]] == [
        (1, DIAPERS, "bought"),
        (2, WIPES_AND_COFFEE, "bought"),
        (3, WIPES_AND_COFFEE, "to confirm"),
    ]
    assert (data["closing_balance"], data["balance_after"], data["difference"]) == (
        "61.90",
        "61.90",
        "0.00",
    )
    text = ok("store", "import", str(US), str(history_zip(tmp_path))).output
    assert "nothing was written" in text
    assert "run the same command with --apply" in text
    assert "giftbalance need bought 3 --order 113-2222222-3333333" in text


@pytest.mark.sqlite_only
def test_the_preview_leaves_the_database_file_byte_for_byte(
    ok: Any, household: Any, db_path: Path, tmp_path: Path
) -> None:
    before = db_path.read_bytes()
    ok("store", "import", str(US), str(history_zip(tmp_path)))
    assert db_path.read_bytes() == before


def test_apply_writes_it_all_and_again_adds_nothing(
    ok: Any, household: Any, sql: Any, dump: Any, tmp_path: Path
) -> None:
    out = ok("store", "import", str(US), str(history_zip(tmp_path)), "--apply").output
    assert "They agree" in out
    rows = sql("SELECT id, kind, amount, order_id, source_key IS NOT NULL FROM entries ORDER BY id")
    assert rows == [
        (1, "redeem", 10000, None, 1),  # typed by hand, linked
        (2, "spend", -1750, DIAPERS, 1),  # typed by hand, linked to its order
        (3, "redeem", 2500, None, 1),
        (4, "spend", -3810, WIPES_AND_COFFEE, 1),
        (5, "spend", -2000, CABLE, 1),
        (6, "refund", 1250, WIPES_AND_COFFEE, 1),
    ]
    assert sql("SELECT need_id, entry_id, item_id IS NOT NULL FROM purchases ORDER BY need_id") == [
        (1, 2, 1),
        (2, 4, 1),
    ]
    assert sql("SELECT status FROM needs ORDER BY id") == [("bought",), ("bought",), ("open",)]
    assert sql("SELECT need_id, order_id, status FROM need_matches") == [
        (3, WIPES_AND_COFFEE, "to confirm")
    ]
    # the diapers' order, the two-item order and the mixed one; not the card-only or cancelled
    assert sql("SELECT COUNT(*) FROM order_items") == [(4,)]
    assert ok("check").exit_code == 0
    after = dump()
    again = preview(ok, US, history_zip(tmp_path), extra=("--apply",))
    assert {e["status"] for e in again["entries"]} == {"already logged"}
    assert again["needs"] == []
    assert dump() == after


def test_overlapping_pastes_add_each_row_once(ok: Any, household: Any, sql: Any) -> None:
    ok("store", "import", str(DATA / "activity-amazon.com-early.txt"), "--apply")
    data = preview(ok, DATA / "activity-amazon.com-late.txt", extra=("--apply",))
    assert [e["status"] for e in data["entries"]] == ["already logged", "new", "new", "new"]
    assert sql("SELECT COUNT(*), SUM(amount) FROM entries") == [(6, 6190)]
    # both at once, in either order: the shared row once
    assert {
        e["status"] for e in preview(ok, DATA / "activity-amazon.com-late.txt", US)["entries"]
    } == {"already logged"}


def test_a_first_import_starts_the_ledger_at_the_paste_s_opening_balance(
    ok: Any, sql: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-30")
    ok("account", "add", "Personal", "--store", "amazon.com", "--currency", "USD")
    data = preview(ok, DATA / "activity-amazon.com-late.txt", extra=("--apply",))
    assert data["entries"][0]["kind"] == "adjust" and data["entries"][0]["amount"] == "125.00"
    assert data["difference"] == "0.00"
    assert ok("balance", "--json").output.count('"61.90"') == 2


def test_a_mismatched_closing_balance_says_by_how_much_and_what_to_run(
    ok: Any, household: Any
) -> None:
    ok("add", "5", "--date", "2026-10-15", "--yes")  # a card the page does not know of
    out = ok("store", "import", str(US)).output
    assert "5.00 USD above it" in out
    assert "giftbalance reconcile 61.90 --account Personal" in out
    assert preview(ok, US)["difference"] == "-5.00"


def test_need_bought_by_order_links_the_logged_spend_without_spending_twice(
    ok: Any, refused: Any, household: Any, sql: Any, tmp_path: Path, db_url: str
) -> None:
    ok("store", "import", str(US), str(history_zip(tmp_path)), "--apply")
    balance = sql("SELECT balance_after FROM entries ORDER BY id DESC LIMIT 1")
    from giftbalance.storage.db import Database

    db = Database(db_url)
    try:
        with db.read() as session:
            pending = pending_matches(session)
    finally:
        db.dispose()
    assert [(p.need_id, p.order_id, p.item, p.command) for p in pending] == [
        (
            3,
            WIPES_AND_COFFEE,
            "Lavazza Super Crema Whole Bean Coffee Blend, 2.2 lb",
            "giftbalance need bought 3 --order 113-2222222-3333333",
        )
    ]
    reminded = ok("remind", "--all").output
    assert "giftbalance need bought 3 --order 113-2222222-3333333" in reminded
    assert "not confirmed yet" in reminded
    out = ok("need", "bought", "3", "--order", WIPES_AND_COFFEE).output
    assert "nothing new was spent" in out
    assert "need bought 3 --order" not in ok("remind", "--all").output
    assert sql("SELECT balance_after FROM entries ORDER BY id DESC LIMIT 1") == balance
    assert sql("SELECT status FROM need_matches") == [("confirmed",)]
    assert sql("SELECT status FROM needs WHERE id = 3") == [("bought",)]
    ok("need", "add", "Tea", "--price", "3")
    refused(
        "need", "bought", "4", "--order", "113-0000000-0000000", code=1, match="no spend of order"
    )
    refused("need", "bought", "4", "--order", CABLE, "--paid", "3", code=2, match="--paid")
    # undoing the two-need spend reopens both needs
    ok("undo", "4", "--yes")
    assert sql("SELECT status FROM needs WHERE id IN (2, 3) ORDER BY id") == [("open",), ("open",)]
    assert ok("check").exit_code == 0


def test_the_order_history_alone_logs_orders_the_gift_balance_paid_alone(
    ok: Any, household: Any, sql: Any
) -> None:
    ok("add", "100", "--date", "2026-11-20", "--yes")
    data = preview(ok, NEW_HISTORY)
    assert [(e["order_id"], e["amount"], e["status"]) for e in data["entries"]] == [
        ("113-8888888-9999999", "-46.90", "new")
    ]
    out = ok("store", "import", str(NEW_HISTORY)).output
    assert "113-7777777-1111111" in out and "import the gift-card activity too" in out
    ok("store", "import", str(NEW_HISTORY), "--apply")
    assert sql("SELECT note FROM entries WHERE order_id = '113-8888888-9999999'") == [
        ("Kids Snow Boots Waterproof; Wool Socks",)
    ]
    assert {e["status"] for e in preview(ok, NEW_HISTORY)["entries"]} == {"already logged"}


@pytest.mark.parametrize(
    ("store", "currency", "balance"),
    [
        ("amazon.co.uk", "GBP", "42.50"),
        ("amazon.de", "EUR", "1042.50"),
        ("amazon.co.jp", "JPY", "5000"),
    ],
)
def test_each_store_imports_in_its_own_spelling(
    ok: Any, store: str, currency: str, balance: str
) -> None:
    ok("account", "add", "Shop", "--store", store, "--currency", currency)
    data = preview(ok, DATA / f"activity-{store}.txt", extra=("--apply",))
    assert [e["kind"] for e in data["entries"]] == ["redeem", "spend", "refund"]
    assert data["closing_balance"] == data["balance_after"] == balance
    log = json.loads(ok("log", "--json").output)
    assert [e["kind"] for e in log] == ["redeem", "spend", "refund"]
    assert log[2]["order_id"] == data["entries"][2]["order_id"]


# -- refusals ------------------------------------------------------------------------------------


def test_bad_files_are_refused_with_every_bad_line_and_nothing_written(
    run: Any, refused: Any, household: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(
        US.read_text()
        .replace("November 12, 2026", "Novembre 12, 2026")
        .replace("-$20.00", "-€20.00"),
        encoding="utf-8",
    )
    result = refused("store", "import", str(bad), code=2, match="2 bad rows")
    assert "bad.txt line 4: bad date" in result.stderr
    assert "bad.txt line 3: bad amount" in result.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("buy milk\nand bread\n")
    refused("store", "import", str(notes), code=2, match="not a store record")
    pounds = tmp_path / "pounds.csv"
    pounds.write_text(NEW_HISTORY.read_text(encoding="utf-8-sig").replace(",USD,", ",GBP,"))
    result = refused("store", "import", str(pounds), code=2, match="3 bad rows")
    assert "pounds.csv line 2: currency GBP, but the account is in USD" in result.stderr
    refused("store", "import", str(tmp_path / "missing.txt"), code=2, match="cannot read")
    refused("store", "import", str(tmp_path), code=2, match="")
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    refused("store", "import", str(damaged), code=2, match="not a readable zip")


def test_an_import_that_would_overdraw_is_refused_naming_the_row(
    ok: Any, refused: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("account", "add", "Personal", "--store", "amazon.com", "--currency", "USD")
    ok("add", "10", "--date", "2026-10-01", "--yes")
    refused(
        "store",
        "import",
        str(DATA / "activity-amazon.com-late.txt"),
        code=1,
        match="is a redemption missing",
    )


def test_a_store_the_import_cannot_read_is_named(ok: Any, refused: Any) -> None:
    ok("account", "add", "Corner", "--store", "cornershop", "--currency", "USD")
    refused("store", "import", str(US), code=2, match="the store import reads amazon.com")


# -- privacy, and everything else showing it ------------------------------------------------------


@pytest.mark.sqlite_only
def test_addresses_payments_gift_messages_and_tracking_are_never_stored(
    ok: Any, household: Any, db_path: Path, tmp_path: Path
) -> None:
    ok("store", "import", str(US), str(history_zip(tmp_path)), str(NEW_HISTORY), "--apply")
    ok("need", "bought", "3", "--order", WIPES_AND_COFFEE)
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert b"Lavazza" in raw  # item names are kept
    for secret in (
        b"Main St",
        b"Bill Ave",
        b"Visa",
        b"Mastercard",
        b"1234",
        b"9876",
        b"1Z999",
        b"TBA123",
        b"9400111",
        b"Happy birthday",
        b"Aunt May",
        b"Jane Doe",
        b"Gift Certificate",
        b"Payment towards",
    ):
        assert secret not in raw, secret


def test_refunds_show_in_log_balance_report_and_check(
    ok: Any, household: Any, tmp_path: Path
) -> None:
    ok("store", "import", str(US), "--apply")
    text = ok("log").output
    assert "refund" in text and f"order {WIPES_AND_COFFEE}:" in text
    assert '"balance": "61.90"' in ok("balance", "--json").output
    report = json.loads(ok("report", "--format", "json", "--week", "2026-11-16").output)
    account = report["accounts"][0]
    assert (account["refunded"], account["spent"]) == ("12.50", "20.00")
    assert "refunded 12.50 USD" in ok("report", "--week", "2026-11-16").output
    assert ok("check").exit_code == 0


def test_journals_book_refunds_back_to_their_order_and_load_in_the_real_programs(
    ok: Any, household: Any, tmp_path: Path
) -> None:
    import shutil
    import subprocess
    import sys

    ok("store", "import", str(US), str(history_zip(tmp_path)), "--apply")
    journal, beancount = tmp_path / "gifts.journal", tmp_path / "gifts.beancount"
    ok("export", "--format", "ledger", "--output", str(journal))
    ok("export", "--format", "beancount", "--output", str(beancount))
    text = journal.read_text()
    refund = text[text.index("Refund from order 113-2222222-3333333") :].split("\n\n")[0]
    assert f"; order: {WIPES_AND_COFFEE}" in refund
    assert "Expenses:GiftCards:Needs:Wipes" in refund  # the expense of the order it refunds
    assert 'order: "113-2222222-3333333"' in beancount.read_text()
    ran = 0
    for program, args in (
        ("hledger", ["-f", str(journal), "check", "accounts"]),
        ("ledger", ["-f", str(journal), "--pedantic", "balance"]),
        ("bean-check", [str(beancount)]),
    ):
        found = shutil.which(program) or shutil.which(
            program, path=str(Path(sys.executable).parent)
        )
        if found is None:
            continue
        done = subprocess.run([found, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "rror" not in done.stderr, done.stderr
        ran += 1
    if not ran:
        pytest.skip("none of hledger, ledger, bean-check is installed")


def test_the_report_lists_the_week_s_store_orders_and_splits_shared_spends(
    ok: Any, household: Any, tmp_path: Path
) -> None:
    ok("store", "import", str(US), str(history_zip(tmp_path)), "--apply")
    ok("need", "bought", "3", "--order", WIPES_AND_COFFEE)
    report = json.loads(ok("report", "--format", "json", "--week", "2026-11-09").output)
    account = report["accounts"][0]
    assert account["store_orders"] == [
        {"date": "2026-11-11", "kind": "spend", "amount": "-17.50", "order_id": DIAPERS},
        {"date": "2026-11-12", "kind": "spend", "amount": "-38.10", "order_id": WIPES_AND_COFFEE},
    ]
    items = {i["name"]: i["amount"] for m in account["members"] for i in m["items"]}
    # the 38.10 order bought two needs: each counts its own item, not the whole spend
    assert items == {"Diapers size 4": "17.50", "Wipes": "25.60", "Coffee beans": "12.50"}
    text = ok("report", "--week", "2026-11-09").output
    assert "Store orders during the week" in text and WIPES_AND_COFFEE in text


def test_exports_carry_the_store_records_and_older_zips_without_them_restore(
    ok: Any, household: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tmp_path / "before.zip"
    ok("export", "--format", "csv", "--output", str(before))
    ok("store", "import", str(US), str(history_zip(tmp_path)), "--apply")
    backup = tmp_path / "all.zip"
    ok("export", "--format", "csv", "--output", str(backup))
    restored = tmp_path / "restored.db"
    ok("--db", str(restored), "import", str(backup))
    again = tmp_path / "again.zip"
    ok("--db", str(restored), "export", "--format", "csv", "--output", str(again))
    with zipfile.ZipFile(backup) as first, zipfile.ZipFile(again) as second:
        for name in ("entries.csv", "order_items.csv", "purchases.csv", "need_matches.csv"):
            assert first.read(name) == second.read(name), name
    # Importing the same files into the restored database adds nothing: the keys came along.
    monkeypatch.setenv("GIFTBALANCE_DB", "sqlite:///" + str(restored))
    assert {e["status"] for e in preview(ok, US)["entries"]} == {"already logged"}
    # An export written before the store import (no order_items.csv, need_matches.csv) restores.
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(before) as source, zipfile.ZipFile(old, "w") as target:
        for name in source.namelist():
            if name not in ("order_items.csv", "need_matches.csv"):
                target.writestr(name, source.read(name))
    fresh = tmp_path / "fresh.db"
    assert "Restored" in ok("--db", str(fresh), "import", str(old)).output
