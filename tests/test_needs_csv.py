"""``need import`` and ``need export``: the needs CSV, all-or-nothing, every bad row named."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from giftbalance.io.needs_csv import HEADER
from giftbalance.values.recurrence import occurrences

FULL_HEADER = ",".join(HEADER)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")


@pytest.fixture
def csv_file(tmp_path: Path):
    def write(text: str, name: str = "needs.csv", encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def listed(ok, *args):
    return json.loads(ok("need", "list", "--json", *args).stdout)["needs"]


def comparable(needs):
    """A need's content without what a new database gives it (id, timestamps)."""
    return [{k: v for k, v in n.items() if k not in ("id", "created_at")} for n in needs]


def test_import_every_column(ok, csv_file, personal):
    ok("member", "add", "Ann")
    path = csv_file(
        "NAME,Price,quantity,priority,need_by,for,every,account,store,url,note\n"
        'Coffee,14.50,2,High,,ann,2 weeks,Personal,amazon.com,https://x.test/c,"whole, bean"\n'
        "Paper,$8.99,,,2026-12-01,,,,,,\n"
    )
    out = ok("need", "import", path).stdout
    assert out.startswith("Imported 2 need(s):")
    assert "1: Coffee: 2 x 14.50 USD, high, every 2 weeks, next on 2026-11-25" in out
    coffee, paper = sorted(listed(ok), key=lambda n: n["id"])
    assert (coffee["for"], coffee["account"], coffee["note"]) == ("Ann", "Personal", "whole, bean")
    assert (coffee["every"], coffee["quantity"], coffee["priority"]) == (
        "FREQ=WEEKLY;INTERVAL=2",
        2,
        "high",
    )
    assert (paper["unit_price"], paper["quantity"], paper["priority"]) == ("8.99", 1, "normal")
    assert paper["need_by"] == "2026-12-01"


def test_only_name_and_price_are_required_and_order_is_free(ok, csv_file, personal):
    ok("need", "import", csv_file("price,name\n3,Tea\n\n4,Jam\n"))
    assert sorted(n["name"] for n in listed(ok)) == ["Jam", "Tea"]


def test_mixed_good_and_bad_rows_write_nothing_and_name_every_bad_line(
    ok, refused, csv_file, personal
):
    ok("member", "add", "Ann")
    path = csv_file(
        "name,price,quantity,priority,need_by,for,every\n"  # line 1
        "Socks,5.00,2,low,,,\n"  # 2: good
        ",abc,0,urgent,notadate,Bob,fortnight x\n"  # 3: bad in every column
        "Tea,4.5,1,normal,2026-12-01,Ann,month\n"  # 4: good
        "\n"  # 5: blank, skipped
        '"Multi\nline",3.00,1,,,,\n'  # 6-7: good, one row over two lines
        "Cable,2.999,1,,,,\n"  # 8: bad price
        "Lamp,40,1,,,,,extra\n"  # 9: a value too many
    )
    result = refused("need", "import", path, code=2, match="3 bad rows in")
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: 3 bad rows in {path}; nothing was imported"
    assert [line.split(":")[0] for line in lines[1:]] == ["  line 3", "  line 8", "  line 9"]
    line3 = lines[1]
    for reason in (
        "name: missing",
        "price: not an amount: 'abc'",
        "quantity must be between 1 and",
        "priority 'urgent' is not one of",
        "need_by: not a date",
        "for: no member called 'Bob'",
        "every: ",
    ):
        assert reason in line3
    assert "price: USD has 2 decimal places" in lines[2]
    assert "1 value(s) more than the header has columns" in lines[3]
    assert listed(ok) == []
    # The good rows alone import.
    ok("need", "import", csv_file("name,price\nSocks,5\nTea,4.5\n", "good.csv"))
    assert len(listed(ok)) == 2


def test_a_single_bad_row(refused, csv_file, personal):
    path = csv_file("name,price\nTea,\n")
    result = refused("need", "import", path, code=2)
    assert result.stderr.splitlines() == [
        f"Error: 1 bad row in {path}; nothing was imported",
        "  line 2: price: missing",
    ]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name,price,colour\nTea,4,red\n", "unknown column 'colour'"),
        ("name,price,Size,weight\nTea,4,1,2\n", "unknown columns 'size', 'weight'"),
        ("name,price,,\nTea,4,,\n", "unknown column"),
        ("name,quantity\nTea,4\n", "lacks the column price"),
        ("price\n4\n", "lacks the column name"),
        ("name,price,Name\nTea,4,Jam\n", "column 'name' appears more than once"),
        ("", "the file is empty"),
        ("name,price\n", "no needs"),
        ('name,price\n"Tea,4\n', "not valid CSV"),
    ],
)
def test_files_that_are_not_a_needs_csv(refused, csv_file, personal, text, match):
    refused("need", "import", csv_file(text), code=2, match=match)


def test_not_utf8(refused, csv_file, personal):
    refused(
        "need",
        "import",
        csv_file("name,price\nCafé,4\n", encoding="latin-1"),
        code=2,
        match="UTF-8",
    )


def test_missing_file(refused, personal, tmp_path):
    refused("need", "import", str(tmp_path / "nope.csv"), code=2, match="nope.csv")


def test_byte_order_mark_and_stdin(ok, run, personal):
    result = run("need", "import", "-", input="\ufeffName,Price\nTea,4\n")
    assert result.exit_code == 0, result.output
    assert [n["name"] for n in listed(ok)] == ["Tea"]


def test_dry_run_writes_nothing(ok, dump, csv_file, personal):
    path = csv_file("name,price,every\nTea,4,week\nJam,3,\n")
    before = dump()
    out = ok("need", "import", path, "--dry-run").stdout
    assert out.startswith("Would import 2 need(s); nothing was written:")
    assert "Tea: 1 x 4.00 USD, normal, every week, next on 2026-11-25" in out
    assert dump() == before
    # A dry run of a bad file is refused like the real import.
    ok("need", "import", path)
    assert len(listed(ok)) == 2


def test_dry_run_of_a_bad_file_is_refused(refused, csv_file, personal):
    refused("need", "import", csv_file("name,price\nTea,x\n"), "--dry-run", code=2, match="bad")


def test_without_any_account_the_whole_file_is_refused(refused, csv_file):
    refused(
        "need",
        "import",
        csv_file("name,price\nTea,4\nJam,3\n"),
        match="no account yet; create the account",
    )


def test_prices_follow_the_rows_account(ok, refused, csv_file, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("config", "set", "default_account", "Personal")
    path = csv_file("name,price,account\nBook,12.50,euro\nPen,2,\nMug,9.99 EUR,\n")
    ok("need", "import", path)
    got = {n["name"]: (n["unit_price"], n["currency"], n["account"]) for n in listed(ok)}
    assert got == {
        "Book": ("12.50", "EUR", "Euro"),
        "Pen": ("2.00", "USD", None),
        "Mug": ("9.99", "EUR", None),
    }
    bad = csv_file("name,price,account\nA,$3,Euro\nB,3,Nowhere\nC,3 GBP,\nD,3 XYZ,\n", "bad.csv")
    result = refused("need", "import", bad, code=2, match="4 bad rows in")
    lines = result.stderr.splitlines()[1:]
    assert "$ does not denote EUR" in lines[0]
    assert "account: no account called 'Nowhere'" in lines[1]
    assert "no account holds GBP" in lines[2]
    assert "unknown currency 'XYZ'" in lines[3]


def test_archived_account_in_a_row(ok, refused, csv_file, personal):
    ok("account", "add", "Old", "--currency", "USD")
    ok("account", "archive", "Old")
    result = refused("need", "import", csv_file("name,price,account\nTea,4,Old\n"), code=2)
    assert "line 2: account 'Old' is archived" in result.stderr


# -- export -------------------------------------------------------------------------------


def test_export_writes_the_header_and_open_needs(ok, personal):
    ok("member", "add", "Ann")
    ok("need", "add", "Tea", "--price", "4", "--qty", "2", "--for", "Ann", "--note", 'say "hi"')
    ok("need", "add", "Jam", "--price", "3")
    ok("need", "remove", "2")
    ok("need", "add", "Coffee", "--price", "9.5", "--every", "FREQ=WEEKLY;INTERVAL=2")
    ok("need", "bought", "3")
    out = ok("need", "export").stdout
    # In list order: the dated recurring need before the undated one.
    assert out.splitlines() == [
        FULL_HEADER,
        "Coffee,9.50,1,normal,2026-12-09,,FREQ=WEEKLY;INTERVAL=2,,,,",
        'Tea,4.00,2,normal,,Ann,,,,,"say ""hi"""',
    ]


def test_export_to_a_file_and_back(ok, run, csv_file, personal, tmp_path):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("config", "set", "default_account", "Personal")
    ok("member", "add", "Ann")
    ok("need", "add", "Tea", "--price", "4", "--priority", "must", "--by", "2026-12-24")
    ok("need", "add", "Book", "--price", "12.50", "--account", "Euro", "--for", "Ann")
    ok("need", "add", "Coffee", "--price", "9.5", "--every", "month", "--store", "amazon.com")
    # Unpinned and in EUR: the default changes after it was added.
    ok("config", "set", "default_account", "Euro")
    ok("need", "add", "Pen", "--price", "1.10", "--url", "https://x.test/pen")
    ok("config", "set", "default_account", "Personal")
    target = tmp_path / "out.csv"
    assert "Exported 4 need(s)" in ok("need", "export", "--output", str(target)).stdout
    assert "1.10 EUR" in target.read_text()
    before = comparable(listed(ok))
    for need in listed(ok):
        ok("need", "remove", str(need["id"]))
    ok("need", "import", str(target))
    assert comparable(listed(ok)) == before


def show(ok, need_id):
    return json.loads(ok("need", "show", str(need_id), "--json").stdout)


def upcoming(need) -> list[date]:
    """Every date a recurring need from the JSON of ``need show`` still has ahead of it."""
    rule, first, due = need["every"], date.fromisoformat(need["first_date"]), need["due"]
    return occurrences(rule, first, date.fromisoformat(due), date(2100, 1, 1))


@pytest.mark.parametrize(
    ("rule", "bought", "exported"),
    [
        ("FREQ=WEEKLY;COUNT=4", 2, "FREQ=WEEKLY;COUNT=2"),
        ("FREQ=DAILY;INTERVAL=10;COUNT=5", 1, "FREQ=DAILY;INTERVAL=10;COUNT=4"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", 0, "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3"),
        ("FREQ=WEEKLY;INTERVAL=2", 3, "FREQ=WEEKLY;INTERVAL=2"),
    ],
)
def test_export_restates_a_count_from_the_next_date(ok, personal, rule, bought, exported):
    ok("need", "add", "Filter", "--price", "1", "--every", rule, "--by", "2026-11-30")
    for _ in range(bought):
        ok("need", "bought", "1")
    before = show(ok, 1)
    row = ok("need", "export").stdout.splitlines()[1]
    assert f",{exported}," in row and f",{before['due']}," in row
    ok("need", "remove", "1")
    ok("need", "import", "-", input=f"{FULL_HEADER}\n{row}\n")
    after = show(ok, 2)
    assert upcoming(after)[:50] == upcoming(before)[:50]  # the same dates ahead
    if "COUNT" in rule:  # ...and no more of them
        assert len(upcoming(after)) == len(upcoming(before)) == int(exported.split("COUNT=")[1])


def test_export_to_an_unwritable_place(refused, personal, tmp_path):
    refused(
        "need",
        "export",
        "--output",
        str(tmp_path / "no" / "such" / "dir.csv"),
        code=2,
        match="cannot write",
    )
