"""``giftbalance import``: ledger CSV files, and whole exports restored into an empty database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

HEADER = "date,account,kind,amount,currency,note\n"


@pytest.fixture
def three(ok) -> None:
    """Accounts Personal (USD, holding 100.00), Japan (JPY) and Kuwait (KWD)."""
    ok("account", "add", "Personal", "--currency", "USD")
    ok("account", "add", "Japan", "--store", "amazon.co.jp", "--currency", "JPY")
    ok("account", "add", "Kuwait", "--store", "xcite.com", "--currency", "KWD")
    ok("add", "100", "--account", "Personal", "--yes", "--date", "2026-11-01")


def write(tmp_path: Path, text: str, name: str = "in.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def balances(ok) -> dict[str, str]:
    return {a["name"]: a["balance"] for a in json.loads(ok("balance", "--json").stdout)["accounts"]}


def test_import_appends_rows_in_file_order_with_running_balances(ok, sql, three, tmp_path):
    file = write(
        tmp_path,
        HEADER
        + "2026-11-02,Personal,spend,12.34,USD,paper towels\n"
        + "2026-11-03,japan,redeem,5000,,\n"
        + "2026-11-04,Kuwait,redeem,10.250,KWD,\n"
        + "2026-11-05,Kuwait,adjust,-0.125,KWD,store shows less\n"
        + '2026-11-06,Personal,redeem,20,,"from Bob, with ""love"""\n',
    )
    result = ok("import", file)
    assert result.stdout.splitlines() == [
        "Imported 5 entries:",
        "  Japan: 1 rows, balance 0 JPY -> 5,000 JPY",
        "  Kuwait: 2 rows, balance 0.000 KWD -> 10.125 KWD",
        "  Personal: 2 rows, balance 100.00 USD -> 107.66 USD",
    ]
    assert balances(ok) == {"Japan": "5000", "Kuwait": "10.125", "Personal": "107.66"}
    rows = sql(
        "SELECT e.id, a.name, e.kind, e.amount, e.balance_after, e.note FROM entries e "
        "JOIN accounts a ON a.id = e.account_id ORDER BY e.id"
    )
    assert [r[1:] for r in rows[1:]] == [
        ("Personal", "spend", -1234, 8766, "paper towels"),
        ("Japan", "redeem", 5000, 5000, None),
        ("Kuwait", "redeem", 10250, 10250, None),
        ("Kuwait", "adjust", -125, 10125, "store shows less"),
        ("Personal", "redeem", 2000, 10766, 'from Bob, with "love"'),
    ]
    # balance_after is each account's running sum, in insertion order
    running: dict[str, int] = {}
    for _, name, _, amount, after, _ in rows:
        running[name] = running.get(name, 0) + amount
        assert after == running[name]


def test_mixed_good_and_bad_rows_write_nothing_and_list_every_bad_line(
    ok, refused, three, tmp_path
):
    file = write(
        tmp_path,
        HEADER
        + "2026-11-02,Personal,spend,10,,fine\n"
        + "2026-11-31,Personal,spend,1,,\n"
        + "2026-11-03,Nobody,redeem,5,,\n"
        + "2026-11-04,Japan,redeem,5.5,,\n"
        + "2026-11-04,Japan,redeem,5,,fine\n"
        + "2026-11-05,Personal,spend,95,,\n"
        + "2026-11-06,Kuwait,adjust,1,USD,\n",
    )
    result = refused("import", file, code=2, match=f"5 bad rows in {file}; nothing was imported")
    lines = result.stderr.splitlines()
    assert lines[1:] == [
        "  line 3: bad date: not a date: '2026-11-31' (expected e.g. 2026-11-25)",
        "  line 4: unknown account 'Nobody'",
        "  line 5: bad amount: JPY has no decimal places: '5.5'",
        "  line 7: the balance of Personal is 90.00 USD; cannot take 95.00 USD from it",
        "  line 8: currency USD differs from KWD, the currency of account 'Kuwait'",
    ]
    assert lines[0].startswith("Error: ")
    assert balances(ok)["Personal"] == "100.00"


def test_dry_run_checks_and_reports_but_writes_nothing(ok, dump, three, tmp_path):
    file = write(tmp_path, HEADER + "2026-11-02,Personal,spend,40,,\n")
    before = dump()
    result = ok("import", file, "--dry-run")
    assert result.stdout.splitlines() == [
        "Would import 1 entry:",
        "  Personal: 1 rows, balance 100.00 USD -> 60.00 USD",
        "Dry run: nothing was written.",
    ]
    assert dump() == before


def test_dry_run_still_lists_bad_rows(refused, three, tmp_path):
    file = write(tmp_path, HEADER + "2026-11-02,Personal,spend,400,,\n")
    result = refused("import", file, "--dry-run", code=2, match="1 bad row in")
    assert "line 2: the balance of Personal is 100.00 USD; cannot take 400.00 USD" in result.stderr


def test_account_option_fills_rows_without_one_and_refuses_others(ok, refused, three, tmp_path):
    no_column = write(tmp_path, "date,kind,amount\n2026-11-02,redeem,300\n", "a.csv")
    ok("import", no_column, "--account", "Japan")
    assert balances(ok)["Japan"] == "300"
    other = write(
        tmp_path, HEADER + "2026-11-02,,redeem,1,,\n2026-11-02,Personal,redeem,1,,\n", "b.csv"
    )
    result = refused("import", other, "--account", "Japan", code=2, match="1 bad row")
    assert "line 3: names account 'Personal', but --account is 'Japan'" in result.stderr
    refused("import", no_column, "--account", "Nowhere", code=1, match="no account called")


def test_without_account_column_several_accounts_need_a_choice(ok, refused, three, tmp_path):
    file = write(tmp_path, "date,kind,amount\n2026-11-02,spend,1\n")
    refused("import", file, code=2, match="several accounts")
    ok("config", "set", "default_account", "Personal")
    ok("import", file)
    assert balances(ok)["Personal"] == "99.00"


def test_archived_account_rows_are_bad(ok, refused, three, tmp_path):
    ok("account", "archive", "Japan")
    file = write(tmp_path, HEADER + "2026-11-02,Japan,redeem,5,,\n")
    result = refused("import", file, code=2, match="1 bad row")
    assert "line 2: account 'Japan' is archived" in result.stderr


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty"),
        ("date,account,kind,amount\n", "has a header but no rows"),
        ("date,account,type,amount\n2026-11-02,Personal,redeem,1\n", "unknown column 'type'"),
        ("date,account,amount\n2026-11-02,Personal,1\n", "lacks the column kind"),
    ],
)
def test_file_level_problems_are_usage_errors(refused, three, tmp_path, text, match):
    refused("import", write(tmp_path, text), code=2, match=match)


def test_missing_file_and_folder(refused, three, tmp_path):
    refused("import", str(tmp_path / "nope.csv"), code=2, match="cannot read")
    refused("import", str(tmp_path), code=2)


def test_standard_input(ok, three):
    ok("import", "-", input=HEADER + "2026-11-02,Personal,spend,0.66,,\n")
    assert balances(ok)["Personal"] == "99.34"


def test_large_file_shows_a_progress_bar_on_stderr(ok, three, tmp_path):
    small = write(tmp_path, HEADER + "2026-11-02,Personal,redeem,1,,\n" * 10, "small.csv")
    assert ok("import", small).stderr == ""
    big = write(tmp_path, HEADER + "2026-11-02,Japan,redeem,1,,\n" * 5_001, "big.csv")
    result = ok("import", big)
    assert "Importing 5,001 rows" in result.stderr
    assert "Imported 5,001 entries" in result.stdout
    assert balances(ok)["Japan"] == "5001"


def test_large_bad_file_lists_every_bad_line(refused, three, tmp_path):
    rows = ["2026-11-02,Japan,redeem,1,,\n"] * 6_000
    for index in range(0, 6_000, 1_000):
        rows[index] = "2026-11-02,Japan,redeem,1.5,,\n"
    result = refused("import", write(tmp_path, HEADER + "".join(rows)), code=2, match="6 bad rows")
    listed = re.findall(r"^  line (\d+): bad amount", result.stderr, re.MULTILINE)
    assert listed == [str(index + 2) for index in range(0, 6_000, 1_000)]


def test_account_option_is_refused_for_a_whole_export(ok, refused, three, tmp_path):
    export = tmp_path / "all.json"
    ok("export", "--format", "json", "--output", str(export))
    refused("import", str(export), "--account", "Personal", code=2, match="--account applies")


# -- restoring a whole export -------------------------------------------------------------------


@pytest.fixture
def source(tmp_path, run, monkeypatch) -> str:
    """A second database (SQLite) holding a small ledger, to export from."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-25")
    url = "sqlite:///" + str(tmp_path / "source.db")

    def ok(*args: str) -> None:
        result = run("--db", url, *args)
        assert result.exit_code == 0, result.output

    ok("account", "add", "Personal", "--currency", "USD", "--default")
    ok("account", "add", "Japan", "--currency", "JPY")
    ok("add", "100", "--yes", "--from", "Aunt May", "--date", "2026-11-01")
    ok("spend", "30.50")
    ok("add", "5000", "--account", "Japan", "--yes")
    ok("undo", "--yes")
    ok("reconcile", "70", "--yes")
    return url


def exported(run, url: str, fmt: str, path: Path) -> Path:
    result = run("--db", url, "export", "--format", fmt, "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_restores_into_an_empty_database(ok, run, source, tmp_path, fmt):
    file = exported(run, source, fmt, tmp_path / f"all.{'zip' if fmt == 'csv' else fmt}")
    result = ok("import", str(file))
    assert result.stdout.splitlines() == [
        "Restored 1 settings, 2 accounts, 5 entries.",
        "  Japan: 0 JPY",
        "  Personal: 70.00 USD",
    ]
    assert balances(ok) == {"Japan": "0", "Personal": "70.00"}
    # the default account and "undo of entry N" still point at the right rows
    assert ok("config", "get", "default_account").stdout.strip() == "Personal"
    reversal = [line.split() for line in ok("log").stdout.splitlines() if "reversal" in line]
    assert reversal == [
        [
            "4",
            "2026-11-25",
            "Japan",
            "reversal",
            "-5,000",
            "JPY",
            "0",
            "JPY",
            "undo",
            "of",
            "entry",
            "3",
        ]
    ]
    # new entries continue after the restored ids
    ok("spend", "1")
    assert balances(ok)["Personal"] == "69.00"


def test_restore_dry_run_writes_nothing(ok, run, dump, source, tmp_path):
    file = exported(run, source, "json", tmp_path / "all.json")
    before = dump()
    result = ok("import", str(file), "--dry-run")
    assert result.stdout.splitlines()[0] == "Would restore 1 settings, 2 accounts, 5 entries."
    assert result.stdout.splitlines()[-1] == "Dry run: nothing was written."
    assert dump() == before


def test_restore_refuses_a_database_that_holds_data(ok, run, refused, source, tmp_path):
    file = exported(run, source, "json", tmp_path / "all.json")
    ok("account", "add", "Mine", "--currency", "EUR")
    refused("import", str(file), code=1, match="already holds accounts")


def edit_export(run, source, tmp_path, change) -> str:
    file = exported(run, source, "json", tmp_path / "all.json")
    document = json.loads(file.read_text())
    change(document)
    file.write_text(json.dumps(document))
    return str(file)


def test_a_damaged_export_lists_every_bad_record_and_writes_nothing(run, refused, source, tmp_path):
    def damage(document: dict) -> None:
        entries = document["entries"]
        entries[1]["amount"] = "-31.50"  # balance_after no longer follows
        entries[3]["reverses_id"] = 99
        entries[4]["currency"] = "EUR"
        document["accounts"][1]["tax_rate"] = "200"
        document["contacts"] = [{"id": 1, "oops": True}]

    file = edit_export(run, source, tmp_path, damage)
    result = refused("import", file, code=2, match="bad rows in")
    assert result.stderr.splitlines()[1:] == [
        "  accounts[1]: tax_rate: tax rate over 100%: '200'",
        "  entries[1]: balance_after is 69.50 USD but the entries of Personal up to it add up "
        "to 68.50 USD",
        "  entries[3]: reverses entry 99, which is not an earlier entry",
        "  entries[4]: currency EUR differs from USD, the currency of account 'Personal'; "
        "balance_after is 70.00 USD but the entries of Personal up to it add up to 69.00 USD",
        "  contacts[0]: unknown field 'oops'",
    ]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.pop("format"), "is not a giftbalance export"),
        (lambda d: d.update(version=2), "export version 2"),
        (lambda d: d.update(entries={}), '"entries" must be a list'),
        (lambda d: d.update(extra=[]), "unknown section 'extra'"),
    ],
)
def test_files_that_are_not_exports_are_refused(run, refused, source, tmp_path, change, match):
    refused("import", edit_export(run, source, tmp_path, change), code=2, match=match)


def test_a_damaged_zip_is_refused(run, refused, source, tmp_path):
    file = exported(run, source, "csv", tmp_path / "all.zip")
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])
    refused("import", str(file), code=2, match="damaged export")


def test_broken_json_is_refused(refused, tmp_path):
    refused("import", write(tmp_path, '{"format": ', "x.json"), code=2, match="not valid JSON")
