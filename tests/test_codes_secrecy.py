"""Claim codes are cash: typed at a hidden prompt, shown as ``****WXYZ`` at most, never stored.

The code must not appear, in any spelling, in what any command prints, nor in the raw bytes of
the database file, its write-ahead log, or a backup copy of it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from giftbalance.ledger import codes
from giftbalance.storage import paths
from giftbalance.storage.db import Database

CODE = "QJ7K-M2PX-ZT94-WXYZ"
NORMALISED = "QJ7KM2PXZT94WXYZ"
# Every spelling of the secret part (all but the last four, which are shown on purpose).
SECRETS = [CODE, NORMALISED, "QJ7KM2PXZT94", "QJ7K-M2PX-ZT94", "QJ7KM2PX", "M2PXZT94"]
OTHER_CODE = "ab12 cd34 ef56 GH78"


def assert_secret_absent(text: str | bytes, where: str) -> None:
    haystack = text.lower() if isinstance(text, bytes) else text.lower().encode()
    for secret in SECRETS:
        for spelling in (secret, secret.replace("-", " ")):
            needle = spelling.lower().encode()
            assert needle not in haystack, f"{spelling!r} found in {where}"
            assert spelling.lower().encode("utf-16-le") not in haystack, f"{where} (utf-16)"


@pytest.fixture
def reader(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection that stays open, so SQLite keeps its -wal file for us to read."""
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA journal_mode")
    yield connection
    connection.close()


def add_with_code(ok, *args: str, code: str = CODE, answer: str = "y"):
    return ok("add", *args, "--code", input=f"{code}\n{answer}\n")


def test_code_is_asked_hidden_and_shown_masked(ok, personal) -> None:
    result = add_with_code(ok, "25")
    assert "Claim code (hidden): \n" in result.stdout, "hidden input is not echoed"
    assert "Redeem:   25.00 USD (code ****WXYZ)" in result.stdout
    assert_secret_absent(result.output, "add output")
    entry = json.loads(ok("log", "--json").stdout)[-1]
    assert entry["code"] == "****WXYZ"
    assert "****WXYZ" in ok("log").stdout


@pytest.mark.sqlite_only
def test_code_is_nowhere_in_output_database_wal_or_backup(
    ok, refused, personal, db_path: Path, db_url: str, reader: sqlite3.Connection, tmp_path: Path
) -> None:
    outputs = [add_with_code(ok, "25", "--note", "from the office").output]
    outputs.append(refused("add", "5", "--code", input=f"{CODE.lower()}\ny\n").output)
    for args in (
        ["log"],
        ["log", "--json"],
        ["balance"],
        ["balance", "--json"],
        ["account", "list", "--json"],
        ["undo", "--yes"],
    ):
        outputs.append(ok(*args).output)
    for number, output in enumerate(outputs):
        assert_secret_absent(output, f"output {number}")

    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the open reader keeps the WAL around"
    assert_secret_absent(wal.read_bytes(), "the -wal file")
    assert_secret_absent(db_path.read_bytes(), "the database file")

    backup = tmp_path / "backup.db"
    Database(db_url).copy_sqlite_file(backup)
    assert_secret_absent(backup.read_bytes(), "the backup copy")
    # The backup is a real copy of the ledger (so the search above looked at real data).
    copied = sqlite3.connect(backup)
    try:
        rows = copied.execute("SELECT code_last4, length(code_hmac) FROM entries").fetchall()
    finally:
        copied.close()
    assert ("WXYZ", 64) in rows
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    key = paths.config_dir() / codes.KEY_FILE
    assert_secret_absent(key.read_bytes(), "the key file")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_database_keeps_last_four_and_a_keyed_hash_only(ok, personal, dump) -> None:
    add_with_code(ok, "25")
    rows = dump()["entries"]
    assert_secret_absent(repr(rows), "the entries table")
    key = codes.load_key(create=False)
    assert key is not None
    expected = codes.digest(NORMALISED, key)
    assert any(expected in row and "WXYZ" in row for row in rows)


def test_duplicate_code_is_refused_with_date_and_account(ok, refused, personal) -> None:
    ok("account", "add", "Work")
    add_with_code(ok, "25", "-a", "Personal", "--date", "2026-11-03")
    # Same code, typed differently, on another account.
    result = refused(
        "add",
        "25",
        "-a",
        "Work",
        "--code",
        input="qj7k m2px zt94 wxyz\ny\n",
        match="claim code ****WXYZ was already logged on 2026-11-03 to account Personal (entry 2)",
    )
    assert "Is this the right account?" not in result.stdout, "refused before asking"
    assert_secret_absent(result.output, "the refusal")


def test_duplicate_code_is_refused_with_yes_too(ok, refused, personal) -> None:
    add_with_code(ok, "25")
    refused("add", "5", "--yes", "--code", input=f"{CODE}\n", match="already logged")


def test_a_reversed_redemption_frees_its_code(ok, refused, personal) -> None:
    add_with_code(ok, "25")
    ok("undo", "--yes")
    add_with_code(ok, "25")
    refused("add", "25", "--code", input=f"{CODE}\ny\n", match="(entry 4)")


def test_different_codes_with_the_same_last_four_are_both_accepted(ok, personal) -> None:
    add_with_code(ok, "25")
    add_with_code(ok, "10", code="ZZZZ-ZZZZ-WXYZ")
    codes_logged = [e["code"] for e in json.loads(ok("log", "--json").stdout)]
    assert codes_logged == [None, "****WXYZ", "****WXYZ"]


def test_answering_no_after_the_code_writes_nothing(refused, personal) -> None:
    result = refused("add", "25", "--code", input=f"{OTHER_CODE}\nn\n", match="aborted")
    assert_secret_absent(result.output, "the aborted add")


@pytest.mark.parametrize(
    ("typed", "match"),
    [
        ("abc", "6 to 64"),
        ("ABCD_EFGH_1234", "only letters, digits"),
        ("ÄBCDEFGH", "only letters, digits"),
    ],
)
def test_bad_codes_are_refused_without_echoing_them(
    refused, personal, typed: str, match: str
) -> None:
    result = refused("add", "25", "--code", input=f"{typed}\ny\n", code=2, match=match)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert typed not in errors[0]


def test_a_code_typed_as_an_argument_is_not_repeated(refused, personal) -> None:
    result = refused("add", "25", "--code", CODE, code=2, match="never type a code")
    assert_secret_absent(result.output, "the usage error")
    result = refused("add", "25", CODE, "--yes", code=2, match="extra argument")
    assert_secret_absent(result.output, "the usage error")


def test_key_is_outside_the_database_with_mode_0600(ok, personal, tmp_path: Path) -> None:
    add_with_code(ok, "25")
    key = paths.config_dir() / codes.KEY_FILE
    assert key.parent == tmp_path / "config"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_codes_from_a_lost_key_are_not_recognised(ok, personal) -> None:
    """The hash is keyed: a new key (another machine) cannot match codes logged before."""
    add_with_code(ok, "25")
    (paths.config_dir() / codes.KEY_FILE).unlink()
    add_with_code(ok, "25")
    assert [e["code"] for e in json.loads(ok("log", "--json").stdout)][1:] == ["****WXYZ"] * 2


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_a_script_can_pipe_the_code_in_without_warnings(ok, personal, db_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "giftbalance", "--db", str(db_path), "add", "20", "--code", "--yes"],
        input=f"{CODE}\n",
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "no getpass warnings about echo"
    assert "(code ****WXYZ)" in result.stdout
    assert_secret_absent(result.stdout, "the piped add")
    assert json.loads(ok("log", "--json").stdout)[-1]["code"] == "****WXYZ"
