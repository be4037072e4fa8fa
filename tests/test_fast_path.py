"""The fast read path: what the everyday commands import, the SQLite connection they read
through (WAL, busy timeout, one snapshot), when they leave the opening to SQLAlchemy, the
command table, and the report that reads only its week.

The queries themselves are checked against the migrated schema in tests/test_queries.py; the
commands' output is checked, unchanged, by their own tests (test_cli_*.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import fields
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import Result

from giftbalance.cli import COMMAND_MODULES, COMMAND_SUMMARIES, GiftbalanceGroup, cli
from giftbalance.cli.common import App
from giftbalance.storage.db import Database
from giftbalance.storage.reader import SessionReader, SqliteReader, open_snapshot, snapshot

HEAVY = {"sqlalchemy", "pandas", "alembic", "matplotlib"}
TODAY = "2026-11-25"


@pytest.fixture
def household(ok: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two accounts (one with an expiring redemption), a claim code, members, needs (one
    recurring, one bought), a contact and a setting."""
    monkeypatch.setenv("GIFTBALANCE_TODAY", TODAY)
    ok("account", "add", "Family", "--tax-rate", "8", "--default")
    ok("account", "add", "Work", "--note", "a family card landed here")
    ok("add", "150", "-a", "Family", "--yes", "--date", "2026-10-01")
    ok("add", "25", "-a", "Family", "--yes", "--date", "2026-11-02", "--expires", "2026-12-15")
    ok(
        "add",
        "60",
        "-a",
        "Work",
        "--yes",
        "--date",
        "2026-11-24",
        "--code",
        input="ABCD-EFGH-1234\n",
    )
    ok("member", "add", "Sam")
    ok("need", "add", "Lunch box", "--price", "15", "--for", "Sam", "-a", "Family")
    ok("need", "bought", "1", "--date", "2026-11-24")
    ok("need", "add", "Coffee", "--price", "12.99", "--every", "2 weeks", "--for", "Sam")
    ok("contact", "add", "--channel", "chat", "-a", "Work", "--summary", "asked to move it")
    ok("config", "set", "week_start", "monday")


def imported(args: list[str], env: dict[str, str]) -> tuple[set[str], str]:
    """The top-level packages ``python -X importtime -m giftbalance ARGS`` imported, and what
    it printed."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "giftbalance", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "giftbalance.cli" in names, "the importtime output was read"
    return names, result.stdout


# What each hot command must print, so an empty answer cannot pass for a light one.
HOT = [
    (["balance"], "158.80 USD"),
    (["balance", "--json"], '"balance": "158.80"'),
    (["log", "--limit", "20"], "****1234"),
    (["log", "--json"], '"code": "****1234"'),
    (["account", "list"], "Family (default)"),
    (["account", "list", "--json"], '"default": true'),
    (["need", "list"], "every 2 weeks"),
    (["need", "list", "--all", "--json"], '"status": "bought"'),
    (["member", "list"], "Sam"),
    (["member", "list", "--json"], '"open_needs": 1'),
    (["config", "get", "default_account"], "Family"),
    (["config", "list"], "week_start = monday"),
    (["checklist"], "Members: Sam."),
    (["--version"], "giftbalance, version"),
]


@pytest.mark.slow
@pytest.mark.sqlite_only
@pytest.mark.usefixtures("household")
def test_hot_read_commands_import_no_sqlalchemy_pandas_alembic_or_matplotlib(
    db_path: Path,
) -> None:
    env = {"GIFTBALANCE_DB": str(db_path), "GIFTBALANCE_TODAY": TODAY}
    for args, shown in HOT:
        names, out = imported(args, env)
        assert shown in out, (args, out)
        heavy = {name.split(".")[0] for name in names} & HEAVY
        assert not heavy, (args, sorted(heavy))
        if args != ["--version"]:
            assert "sqlite3" in names, "it read the database through sqlite3"
        # Only the module of the command that runs is imported.
        loaded = {
            n for n in names if n.startswith("giftbalance.cli.") and n != "giftbalance.cli.common"
        }
        assert len(loaded) <= 1, (args, sorted(loaded))


@pytest.mark.slow
@pytest.mark.sqlite_only
@pytest.mark.usefixtures("household")
def test_plan_and_report_read_without_sqlalchemy(db_path: Path) -> None:
    env = {"GIFTBALANCE_DB": str(db_path), "GIFTBALANCE_TODAY": TODAY}
    names, out = imported(["plan"], env)
    assert "Lunch box" not in out and "Coffee" in out
    assert not {n.split(".")[0] for n in names} & HEAVY
    names, out = imported(["report"], env)
    assert "Weekly report: Mon 2026-11-23" in out
    top = {n.split(".")[0] for n in names}
    assert "pandas" in top, "the report is computed with pandas"
    assert not top & {"sqlalchemy", "alembic", "matplotlib"}


# -- the SQLite connection ----------------------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("household")
def test_the_fast_connection_has_wal_foreign_keys_and_the_busy_timeout(db_path: Path) -> None:
    reader = open_snapshot(db_path)
    assert reader is not None
    try:
        assert reader.scalar("PRAGMA journal_mode") == "wal"
        assert reader.scalar("PRAGMA foreign_keys") == 1
        assert reader.scalar("PRAGMA busy_timeout") == 60_000
        assert reader.connection.in_transaction, "it reads inside one transaction"
    finally:
        reader.close()


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("household")
def test_a_command_reads_one_snapshot_while_another_writes(ok: Any, db_url: str) -> None:
    query = "SELECT balance_after FROM entries WHERE account_id = 1 ORDER BY id DESC LIMIT 1"
    with snapshot(db_url, lambda: Database(db_url)) as reader:
        assert isinstance(reader, SqliteReader)
        before = reader.scalar(query)
        ok("spend", "10", "-a", "Family")  # another command commits meanwhile
        assert reader.scalar(query) == before, "the snapshot does not move"
    with snapshot(db_url, lambda: Database(db_url)) as reader:
        assert reader.scalar(query) == before - 1000


def test_a_server_or_an_unusual_file_reads_through_sqlalchemy(
    db_url: str, db_backend: str, ok: Any
) -> None:
    ok("account", "add", "Family")
    app = App(db_url)
    try:
        with app.reader() as reader:
            expected = SqliteReader if db_backend == "sqlite" else SessionReader
            assert isinstance(reader, expected)
            assert reader.scalar("SELECT name FROM accounts") == "Family"
    finally:
        app.close()


@pytest.mark.sqlite_only
def test_the_fast_path_never_creates_or_upgrades_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert open_snapshot(missing) is None
    assert not missing.exists(), "Database creates it whole, at head"
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert open_snapshot(empty) is None, "no schema yet: Database builds it"
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 50)
    assert open_snapshot(text) is None, "Database explains the error"
    assert text.read_text() == "not a database\n" * 50


@pytest.mark.sqlite_only
def test_an_empty_file_gets_the_schema_then_reads_fast(run: Any, db_path: Path) -> None:
    sqlite3.connect(db_path).close()
    db_path.chmod(0o600)
    result = run("balance")
    assert result.exit_code == 0 and "No accounts yet" in result.stdout
    reader = open_snapshot(db_path)
    assert reader is not None, "now at the current schema"
    reader.close()


@pytest.mark.sqlite_only
def test_the_sharing_warning_is_printed_once(ok: Any, run: Any, db_path: Path) -> None:
    ok("account", "add", "Personal")
    db_path.chmod(0o644)
    try:
        for args in (["balance"], ["spend", "1"], ["account", "add", "Other"]):
            result = run(*args)
            assert result.stderr.count("can be read by other users") == 1, (args, result.stderr)
    finally:
        db_path.chmod(0o600)


# -- the command table --------------------------------------------------------------------------


def test_the_command_table_matches_the_modules() -> None:
    found: dict[str, str] = {}
    for path in sorted((Path(__file__).parent.parent / "giftbalance" / "cli").glob("*.py")):
        module = import_module(f"giftbalance.cli.{path.stem}")
        for command in getattr(module, "COMMANDS", []):
            found[command.name] = path.stem
    assert found == COMMAND_MODULES
    assert sorted(cli.commands) == sorted(COMMAND_MODULES)


def test_an_unknown_command_is_still_a_usage_error(run: Any) -> None:
    result: Result = run("balence")
    assert result.exit_code == 2
    assert "No such command 'balence'" in result.stderr


# -- the report reads only its week -------------------------------------------------------------


@pytest.mark.usefixtures("household")
def test_the_report_without_history_reads_only_its_week_and_says_the_same(
    ok: Any, db_url: str
) -> None:
    from giftbalance.render.report_markdown import report_markdown
    from giftbalance.render.report_text import report_text
    from giftbalance.report import load
    from giftbalance.report.weekly import build_report

    ok("spend", "5", "-a", "Family", "--date", "2026-11-30")  # next week: not in this report
    ok("add", "7", "-a", "Family", "--yes", "--date", "2026-11-23")
    app = App(db_url)
    try:
        for week in (date(2026, 11, 25), date(2026, 11, 3), date(2026, 12, 2)):
            with app.reader() as reader:
                full = load.load(reader, day=week, account=None, today=date(2026, 11, 25))
                brief = load.load(
                    reader, day=week, account=None, today=date(2026, 11, 25), history=False
                )
            assert all(row.occurred_on >= full.week for row in brief.ledger)
            assert len(brief.ledger) < len(full.ledger)
            whole, short = build_report(full), build_report(brief)
            for a, b in zip(whole.accounts, short.accounts, strict=True):
                for field in fields(a):
                    if field.name != "history":
                        assert getattr(a, field.name) == getattr(b, field.name), field.name
                assert b.history == a.history[-1:]
            assert report_text(whole, color=False) == report_text(short, color=False)
            assert report_markdown(whole) == report_markdown(short)
    finally:
        app.close()


@pytest.mark.usefixtures("household")
def test_the_json_report_keeps_the_whole_history(ok: Any) -> None:
    document = json.loads(ok("report", "--format", "json").stdout)
    family = next(a for a in document["accounts"] if a["account"] == "Family")
    assert family["history"][0]["week"] == "2026-09-28", "from the first entry's week"


@pytest.mark.sqlite_only
def test_a_shared_wal_file_is_named_once_even_when_the_schema_is_upgraded(
    db_url: str, db_path: Path, run: Any
) -> None:
    from test_db import make_old_database

    make_old_database(db_url)
    keep = sqlite3.connect(db_path)  # keeps the -wal file in place
    try:
        keep.execute("SELECT count(*) FROM entries").fetchone()
        wal = db_path.with_name(db_path.name + "-wal")
        wal.chmod(0o644)
        result = run("balance")
    finally:
        keep.close()
    assert result.exit_code == 0 and "Upgrading database schema 0001" in result.stderr
    assert result.stderr.count(f"Warning: {wal} can be read by other users (mode 644)") == 1


@pytest.mark.sqlite_only
def test_a_sqlite_url_with_options_is_left_to_sqlalchemy(ok: Any, db_path: Path) -> None:
    ok("account", "add", "Family")
    app = App(f"sqlite:///{db_path}?timeout=5")
    try:
        with app.reader() as reader:
            assert isinstance(reader, SessionReader)
            assert reader.scalar("SELECT name FROM accounts") == "Family"
    finally:
        app.close()


def test_the_help_summaries_are_the_commands_own() -> None:
    """``--help`` lists each command from COMMAND_SUMMARIES: the first paragraph of its help."""
    assert sorted(COMMAND_SUMMARIES) == sorted(COMMAND_MODULES)
    for name, command in cli.commands.items():
        assert command.short_help is None, f"{name}: the list shows the help's first paragraph"
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert COMMAND_SUMMARIES[name] == first, name


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_the_lazy_command_list_reads_as_click_would_write_it(width: int) -> None:
    """The list printed from the summaries equals click's own from the loaded commands."""
    lazy = GiftbalanceGroup("giftbalance", commands={})
    loaded = click.Group("giftbalance", commands=dict(cli.commands))
    outputs = []
    for group in (lazy, loaded):
        formatter = click.HelpFormatter(width=width)
        group.format_commands(click.Context(group), formatter)
        outputs.append(formatter.getvalue())
    assert outputs[0] == outputs[1]
    assert outputs[0].count("\n  ") == len(COMMAND_MODULES)  # one line per command
    if width >= 80:
        assert "Log a redeemed gift card of AMOUNT on an account." in outputs[0]


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys\n"
        "from giftbalance.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='giftbalance')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('giftbalance.cli.'))\n"
        "print(','.join(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in done.stdout and "serve" in done.stdout
    assert done.stderr.strip().split(",") == ["giftbalance.cli.common"]
