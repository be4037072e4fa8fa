"""The hostile-input suite: bad input of every kind, to every command group, is refused.

Every case of :data:`CASES` runs one command line, in this process, against a seeded database
(two accounts, entries, a member, a need, a contact) and must

- exit with the case's status: 2 for bad input (usage), 1 for a refusal;
- print exactly one ``Error:`` line on stderr (an import refusal may add indented detail
  lines after it), never a traceback, never the internal-bug handler's ``Error: unexpected``;
- leave the database unchanged: on SQLite byte for byte (the file and its ``-wal``), on both
  databases row for row; leave the config folder (the claim-code key) unchanged; and write no
  file in the case's folder.

Why the bytes stay the same even for commands that open the database: giftbalance keeps no
connection open between commands, and when the last connection to a WAL database closes,
SQLite checkpoints the (here empty) ``-wal`` and deletes it, and a read or a rolled-back write
transaction never writes a page. So a refused command leaves the database file exactly as it
was, with no ``-wal`` beside it, and the suite checks exactly that. (A legitimate change of
bytes without a change of content, such as a checkpoint of earlier writes, cannot happen here:
the seeded file is copied in with no ``-wal``.) The row-for-row comparison runs too, and is the
only one on PostgreSQL.

**Adding a command?** Add its bad inputs to :data:`CASES` with ``bad(status, *args)``.
Placeholders in the arguments: ``{dir}`` is the case's folder, holding every file of
:func:`_make_files` (bad CSV and JSON files, a named pipe, a folder, a damaged backup...);
``{db}`` is the SQLite database file (such cases run on SQLite only); ``{config}`` is the
config folder (holding ``code.key`` and ``notify.url``); ``{default}`` is the default database's
path. Never name a real device (``/dev/...``) as an output: if a guard failed, the test would
replace it; ``{dir}/zero`` is a device node of the test's own. A command that writes files must also
refuse the protected targets: add it to the output-guard part of the table.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import SQLITE, dump_database
from hypothesis import example, given
from hypothesis import strategies as st

from giftbalance.cli import cli
from giftbalance.values.text import FORMULA_STARTS, cell_in, cell_out


@dataclass(frozen=True)
class Bad:
    """One hostile command line and the exit status it must get."""

    code: int
    args: tuple[str, ...]
    match: str = ""
    stdin: bytes | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def needs_device(self) -> bool:
        return any("{dir}/zero" in arg for arg in self.args)

    @property
    def sqlite_only(self) -> bool:
        """Cases about the SQLite file (``{db}``, links to it) or backup and restore, which
        work on SQLite files only (on PostgreSQL they refuse, pointing to pg_dump)."""
        sqlite_files = ("{db}", "link.db", "hard.db", "/../giftbalance.db")
        return self.args[0] in ("backup", "restore") or any(
            name in arg for name in sqlite_files for arg in self.args
        )

    def name(self) -> str:
        shown = " ".join(self.args)
        shown = shown.encode("unicode_escape").decode("ascii")
        return shown if len(shown) <= 70 else shown[:60] + f"...({len(shown)})"


def bad(code: int, *args: str, match: str = "", stdin: bytes | None = None) -> Bad:
    return Bad(code, args, match, stdin)


# -- the table -------------------------------------------------------------------------------

BAD_AMOUNTS = [
    "abc", "0", "0.00", "NaN", "Infinity", "1e3", "25.505", "1000001", "٥", "５", "²",
    "1,00", "$", "25 EUR", "€25", "9" * 30, "1" + "0" * 5000, "", " ", "25..5", "0x10",
    "1_000", "−5", "25\x1b[31m", "- 5",
]  # fmt: skip
BAD_DATES = [
    "-2026-01-01", "+2026-01-01", "−2026-01-01", "1/2/3", "11/25/26", "25.11.2026",
    "25-11-2026", "٢٠٢٦-٠١-٠١", "１２/２５/２０２６", "2026-02-30", "1969-12-31", "2201-01-01",
    "5", "next tuesday", "14:30", "", "2026-13-01", "Nov 2026", "99999999999999999999",
    "0000-01-01", "2026-11-25 14:30", "2026-11-25\x1b[2J",
]  # fmt: skip
BAD_DATETIMES = ["-2026-01-01 10:00", "1/2/3 10:00", "٢٠٢٦-٠١-٠١ 10:00", "14:30", "next week"]
BAD_IDS = [
    "99999999999999999999999", "9223372036854775808", "٥", "+1", "1_0", "0", "-1", "1.0",
    "0x10", "1e3", "", " ", "①", "x",
]  # fmt: skip
BAD_COUNTS = ["0", "٣", "1e3", "99999999999999999999999", "-1", "1.5", "+2"]
BAD_RATES = ["٥", "101", "-1", "1e2", "8.12345", "abc", "５", "8,5", "1" * 30]
BAD_RULES = [
    "٢ weeks", "FREQ=WEEKLY;INTERVAL=٢", "FREQ=DAILY;COUNT=999999999999",
    "FREQ=WEEKLY;INTERVAL=99999999999999999999", "0 weeks", "FREQ=HOURLY",
    "FREQ=DAILY;BYHOUR=8", "FREQ=DAILY;COUNT=٥",
]  # fmt: skip
CONTROLS = [
    "a\x1fb", "a\x1b[31mb", "a\x07b", "a\x7fb", "a\x85b", "a\u202eb", "a\x0bb", "a\x0cb",
    "a\x1cb", "a\x00b", "a\u2066b",
]  # fmt: skip
BAD_DB = [
    ("mysql://me@localhost/x", 2),
    ("postgresql+psycopg2://me@localhost/x", 2),
    ("postgresql+asyncpg://me@localhost/x", 2),
    ("sqlite://", 2),
    ("sqlite:///:memory:", 2),
    ("://x", 2),
    ("http://example.com/x", 2),
    ("postgresql://me@localhost:notaport/x", 2),
    ("{dir}/adir", 1),
    ("{dir}/missing/x.db", 1),
    ("{dir}/notadb.db", 1),
    ("{config}/code.key", 1),
    ("{db}-wal", 2),
    ("{db}-journal", 2),
]

#: What no output may be: the database and its side files, as named, linked (symbolically and
#: hard) and spelled otherwise, and the files of the config folder.
PROTECTED = [
    "{db}", "{db}-wal", "{db}-shm", "{db}-journal", "{dir}/link.db", "{dir}/hard.db",
    "{dir}/../giftbalance.db", "{config}/code.key", "{config}/notify.url", "{dir}/key.link",
]  # fmt: skip

CASES: list[Bad] = [
    # amounts
    *[bad(2, "add", amount, "--yes") for amount in BAD_AMOUNTS],
    bad(2, "add", "-5", "--yes", match="amount must be positive"),
    *[bad(2, "spend", amount) for amount in ("abc", "0", "٥", "1e2", "-5")],
    bad(1, "spend", "5000", match="cannot take"),
    *[bad(2, "reconcile", amount, "--yes") for amount in ("abc", "-5", "٥", "1e3", "")],
    *[bad(2, "need", "add", "Boots", "--price", p) for p in ("abc", "0", "٥", "-1", "1e3")],
    *[bad(2, "need", "edit", "1", "--price", p) for p in ("abc", "٥")],
    *[bad(2, "need", "bought", "1", "--paid", p) for p in ("abc", "٥", "0")],
    *[bad(2, "plan", "--weekly-cap", cap) for cap in ("abc", "٥", "-5")],
    # dates
    *[bad(2, "add", "5", "--yes", "--date", day) for day in BAD_DATES],
    *[bad(2, "spend", "1", "--date", day) for day in BAD_DATES[:4]],
    *[bad(2, "add", "5", "--yes", "--expires", day) for day in BAD_DATES[:4]],
    *[bad(2, "need", "add", "Boots", "--price", "1", "--by", day) for day in BAD_DATES[:4]],
    *[bad(2, "need", "bought", "1", "--date", day) for day in BAD_DATES[:2]],
    *[bad(2, "report", "--week", day) for day in BAD_DATES[:4]],
    *[bad(2, "plan", "--start", day) for day in BAD_DATES[3:6]],
    *[bad(2, "plan", "--until", day) for day in BAD_DATES[6:8]],
    *[bad(2, "log", "--since", day) for day in BAD_DATES[:3]],
    *[bad(2, "log", "--until", day) for day in BAD_DATES[3:5]],
    *[
        bad(2, "contact", "add", "--channel", "chat", "--summary", "s", "--when", w)
        for w in BAD_DATETIMES
    ],
    bad(2, "log", "--since", "2026-11-10", "--until", "2026-11-09"),
    # ids
    *[bad(2, "undo", "--yes", "--", entry_id) for entry_id in BAD_IDS],
    bad(1, "undo", "99", "--yes", match="no entry 99"),
    bad(1, "undo", "2147483647", "--yes", match="no entry"),  # the largest id PostgreSQL holds
    bad(2, "undo", "2147483648", "--yes", match="not in the range 1 to 2,147,483,647"),
    bad(2, "undo", "9223372036854775807", "--yes", match="not in the range"),
    *[
        bad(2, "need", command, *extra, "--", need_id)
        for command, extra in (("show", ()), ("remove", ()), ("reopen", ()), ("bought", ()))
        for need_id in ("99999999999999999999999", "٥", "0", "x")
    ],
    *[
        bad(2, "need", "edit", need_id, "--qty", "2")
        for need_id in ("99999999999999999999999", "٥")
    ],
    bad(1, "need", "show", "2147483647", match="no need"),
    bad(2, "need", "remove", "3000000000", match="not in the range"),
    *[
        bad(2, "contact", "update", "--outcome", "refused", "--", c)
        for c in ("99999999999999999999999", "٥", "0")
    ],
    bad(1, "contact", "update", "2147483647", "--outcome", "refused"),
    # numbers
    *[bad(2, "need", "add", "Boots", "--price", "1", "--qty", n) for n in [*BAD_COUNTS, "10001"]],
    bad(2, "need", "edit", "1", "--qty", "٣"),
    *[bad(2, "need", "bought", "1", "--units", n) for n in ("0", "٣", "99999999999999999999999")],
    *[bad(2, "log", "--limit", n) for n in ("0", "٥", "99999999999999999999", "-1")],
    *[bad(2, "plan", "--weeks", n) for n in ("0", "521", "٥", "99999999999999999999")],
    *[bad(2, "account", "add", "Taxed", "--tax-rate", rate) for rate in BAD_RATES],
    *[bad(2, "need", "add", "Boots", "--price", "1", "--every", rule) for rule in BAD_RULES],
    # reminders, notifications, schedules (never a URL that could send, never --install)
    *[
        bad(2, "remind", "--days", d)
        for d in ("٣٠", "99999999999999999999", "-1", "0", "30,,7", "")
    ],
    *[bad(2, "remind", "--done", i) for i in ("٥", "99999999999999999999", "0", "x")],
    bad(1, "remind", "--done", "2147483647", match="no reminder"),
    bad(2, "notify", "not-a-url", "--report"),
    bad(2, "notify", "mailto://a\x1b[2J@b", "--report"),
    bad(2, "notify", "--remind", match="no notification URL"),
    bad(2, "notify", "not-a-url", "--report", "--week", "1/2/3"),
    bad(2, "notify", "not-a-url", "--remind", "--days", "٣"),
    *[
        bad(2, "schedule", "--print", "cron", "--at", t)
        for t in ("٠٩:٠٠", "25:00", "-9:00", "9", "9:00\x1b")
    ],
    bad(2, "schedule", "--print", "xml"),
    # the household page: bad addresses and ports are refused before anything listens
    *[bad(2, "serve", "--port", port) for port in ("٥", "1_0", "70000", "-1", "abc", "")],
    *[bad(2, "serve", "--host", host, "--port", "0") for host in ("a\x1bb", "", "a b")],
    bad(1, "member", "link", "Nobody", match="no member called"),
    bad(1, "member", "link", "Sam", "--revoke", match="no sign-in link"),
    *[bad(1, "member", "link", name) for name in CONTROLS[:3]],
    # the store's records
    *[
        bad(2, "store", "import", f"{{dir}}/{name}")
        for name in (
            "store-garbage.txt",
            "store-bad-date.txt",
            "store-bad-amount.txt",
            "store-other-currency.txt",
            "store-orders-missing.csv",
            "empty.csv",
            "latin1.csv",
            "adir",
            "fifo",
            "zero",
            "bomb.zip",
            "nonexistent",
        )
    ],
    bad(1, "store", "import", "--account", "Nobody", "{dir}/store-garbage.txt"),
    bad(1, "need", "bought", "1", "--order", "113-0000000-0000000", match="no spend of order"),
    bad(2, "need", "bought", "1", "--order", "113\x1b[2J"),
    bad(2, "config", "set", "notify_urls", "x\x1b[2J"),
    bad(2, "config", "set", "notify_urls", "not-a-url"),
    # names and free text
    *[bad(2, "account", "add", name) for name in CONTROLS],
    *[bad(2, "member", "add", name) for name in CONTROLS[:6]],
    *[bad(2, "need", "add", name, "--price", "1") for name in CONTROLS[:6]],
    *[bad(2, "add", "5", "--yes", "--from", name) for name in CONTROLS[:3]],
    *[bad(2, "add", "5", "--yes", "--note", text) for text in ("\x1b[2J", "a\x1fb", "\u202e")],
    bad(2, "spend", "1", "--note", "\x1b[2J"),
    *[bad(2, "account", "add", "Work", "--note", text) for text in ("\x1b[2J", "a\x00b")],
    *[bad(2, "account", "add", "Work", "--store", text) for text in ("a\x1fb", "a\nb\x1b")],
    *[bad(2, "account", "rename", "Personal", name) for name in CONTROLS[:3]],
    *[bad(2, "member", "rename", "Sam", name) for name in CONTROLS[:2]],
    *[
        bad(2, "need", "add", "Boots", "--price", "1", option, "a\x1b[31m")
        for option in ("--store", "--url", "--note")
    ],
    *[bad(2, "contact", "add", "--channel", "chat", "--summary", "a\x1bb")],
    *[
        bad(2, "contact", "add", "--channel", "chat", "--summary", "s", option, "a\x1fb")
        for option in ("--rep", "--case")
    ],
    bad(2, "contact", "update", "1", "--note", "\x1b[2J"),
    *[bad(2, "need", "edit", "1", "--name", name) for name in CONTROLS[:2]],
    bad(2, "account", "add", ""),
    bad(2, "account", "add", "   "),
    bad(2, "member", "add", ""),
    bad(2, "need", "add", "", "--price", "1"),
    bad(2, "account", "add", "x" * 101),
    bad(2, "member", "add", "x" * 101),
    bad(2, "need", "add", "x" * 201, "--price", "1"),
    bad(1, "account", "add", "personal", match="already"),
    bad(1, "member", "add", "sam"),
    bad(1, "add", "5", "--yes", "--account", "Nobody"),
    bad(1, "spend", "1", "--account", "Nobody"),
    bad(1, "need", "add", "Boots", "--price", "1", "--for", "Nobody"),
    bad(1, "member", "remove", "Nobody"),
    bad(1, "account", "archive", "Nobody"),
    bad(1, "account", "archive", "Personal", match="balance"),
    bad(1, "report", "--account", "Nobody"),
    bad(1, "balance", "--account", "Nobody"),
    bad(1, "log", "--account", "Nobody"),
    bad(1, "checklist", "--account", "Nobody"),
    bad(1, "plan", "--account", "Nobody"),
    bad(2, "config", "set", "colour", "red"),
    bad(2, "config", "get", "colour"),
    bad(2, "config", "set", "week_start", "friday"),
    bad(2, "config", "set", "week_start", "mon\x1bday"),
    bad(1, "config", "set", "default_account", "Nobody"),
    bad(2, "contact", "add", "--channel", "fax", "--summary", "s"),
    bad(2, "contact", "add", "--channel", "chat", "--summary", "s", "--outcome", "maybe"),
    bad(2, "need", "add", "Boots", "--price", "1", "--priority", "urgent"),
    bad(2, "report", "--format", "pdf"),
    bad(2, "export", "--format", "xml"),
    # paths: missing folders, folders, wrong kinds of file
    bad(2, "report", "--output", "{dir}/missing/r.txt"),
    bad(2, "report", "--output", "{dir}/adir"),
    bad(2, "report", "--chart", "{dir}/c.txt"),
    bad(2, "report", "--ics", "{dir}/c.txt"),
    bad(2, "report", "--chart", "{dir}/missing/c.png"),
    bad(2, "export", "--output", "{dir}/missing/x.json"),
    bad(2, "export", "--output", "{dir}/adir"),
    bad(2, "need", "export", "--output", "{dir}/missing/n.csv"),
    bad(2, "need", "export", "--output", "{dir}/adir"),
    bad(2, "backup", "{dir}/adir"),
    bad(1, "backup", "{dir}/existing.txt", match="exists already"),
    bad(1, "restore", "{dir}/notadb.db", "--yes"),
    bad(1, "restore", "{dir}/empty-file.db", "--yes"),
    bad(1, "restore", "{dir}/missing.db", "--yes"),
    bad(2, "restore", "{dir}/adir", "--yes"),
    bad(1, "restore", "/dev/zero", "--yes"),
    bad(1, "restore", "{dir}/fifo", "--yes"),
    bad(1, "restore", "{dir}/escapes.db", "--yes", match="fails the check"),
    bad(1, "restore", "{dir}/escapes.db", match="fails the check"),
    bad(1, "restore", "{db}", "--yes", match="is the database itself"),
    # names no file can have: too long for the system, or holding a NUL
    *[
        bad(2, *command, name, match=why)
        for command in (
            ("import",),
            ("need", "import"),
            ("restore",),
            ("backup",),
            ("report", "--output"),
            ("report", "--chart"),
            ("export", "--output"),
            ("need", "export", "--output"),
        )
        for name, why in (
            ("{dir}/" + "x" * 300, "longer than the system allows"),
            ("x" * 5000, "longer than the system allows"),
            ("{dir}/a\x00b", "NUL"),
        )
    ],
    bad(2, "--db", "{dir}/" + "x" * 300, "balance", match="longer than the system allows"),
    # every import reads regular files only, bounded
    *[
        bad(2, *command, path)
        for command in (("import",), ("need", "import"))
        for path in ("/dev/zero", "{dir}/fifo", "{dir}/adir", "{dir}/missing.csv", "/dev/null")
    ],
    bad(2, "import", "-", stdin=b""),
    bad(2, "import", "-", stdin=b"date,kind,amount\n-2026-11-02,redeem,5\n"),
    bad(2, "need", "import", "-", stdin=b"\xff\xfe"),
    # ledger CSV files
    *[
        bad(2, "import", f"{{dir}}/{name}")
        for name in (
            "empty.csv",
            "header.csv",
            "unknown-col.csv",
            "bad-date.csv",
            "ambiguous-date.csv",
            "arabic-amount.csv",
            "control.csv",
            "nul.csv",
            "latin1.csv",
            "quote.csv",
            "bigfield.csv",
            "huge-amount.csv",
            "overdraft.csv",
            "reversal.csv",
            "control-account.csv",
        )
    ],
    bad(1, "import", "--account", "Nobody", "{dir}/good.csv"),
    bad(2, "import", "--account", "Personal", "{dir}/qty30.json"),
    # needs CSV files
    *[
        bad(2, "need", "import", f"{{dir}}/{name}")
        for name in (
            "empty.csv",
            "needs-header.csv",
            "needs-unknown.csv",
            "needs-qty.csv",
            "needs-qty-huge.csv",
            "needs-control.csv",
            "needs-member.csv",
            "needs-every.csv",
            "needs-price.csv",
            "needs-date.csv",
            "latin1.csv",
            "nul.csv",
            "quote.csv",
        )
    ],
    # whole exports (json, zip): into the seeded database, and into an empty one
    bad(1, "import", "{dir}/good.json", match="already holds"),
    *[
        bad(2, "--db", "{dir}/empty.db", "import", f"{{dir}}/{name}")
        for name in (
            "qty30.json",
            "id30.json",
            "bigint.json",
            "deep.json",
            "deep-object.json",
            "escape.json",
            "setting.json",
            "qty-big.json",
            "float-qty.json",
            "bool-id.json",
            "not.json",
            "version2.json",
            "unknown-section.json",
            "balance.json",
            "rate.json",
            "damaged.zip",
            "nomanifest.zip",
            "escape.zip",
            "bigint.zip",
        )
    ],
    # --db values
    *[bad(code, "--db", value, "balance") for value, code in BAD_DB],
    bad(1, "--db", "{dir}/notadb.db", "check"),
    # the output guard: never the database, its side files, the config folder, or twice one file
    *[
        bad(2, *command, target, match="writing it would destroy it")
        for command in (
            ("report", "--output"),
            ("export", "--output"),
            ("need", "export", "--output"),
        )
        for target in PROTECTED
    ],
    bad(2, "report", "--output", "{config}/new.txt", match="config folder"),
    bad(2, "export", "--format", "csv", "--output", "{db}-wal"),
    bad(2, "export", "--format", "ledger", "--output", "{config}/code.key"),
    bad(2, "export", "--format", "beancount", "--output", "{db}"),
    bad(2, "report", "--chart", "{db}-shm.png", "--output", "{db}-shm.png", match="same file"),
    bad(2, "report", "--output", "{dir}/r.ics", "--ics", "{dir}/r.ics", match="same file"),
    bad(2, "report", "--output", "{dir}/r.png", "--chart", "{dir}/./r.png", match="same file"),
    bad(2, "report", "--output", "{dir}/r.txt", "--chart", "{dir}/out-link.png", match="same file"),
    bad(
        2,
        "report",
        "--chart",
        "{dir}/c.png",
        "--ics",
        "{dir}/../in/c.png.ics",
        "--output",
        "{dir}/c.png.ics",
        match="same file",
    ),
    bad(2, "report", "--format", "csv", "--output", "{db}"),
    # ... nor the default database (whatever --db says), another SQLite database, or a device
    *[
        bad(2, *command, target, match=why)
        for command in (
            ("report", "--output"),
            ("export", "--output"),
            ("need", "export", "--output"),
            ("backup",),
        )
        for target, why in (
            ("{default}", "is the default database"),
            ("{default}-wal", "file of the default database"),
            ("{dir}/fifo", "not a regular file"),
            ("{dir}/zero", "not a regular file"),
        )
    ],
    *[
        bad(2, *command, target, match="is a SQLite database")
        for command in (
            ("report", "--output"),
            ("export", "--output"),
            ("need", "export", "--output"),
        )
        for target in ("{dir}/empty.db", "{dir}/escapes.db")
    ],
    *[
        bad(2, "backup", target, "--yes", match="writing it would destroy it")
        for target in PROTECTED
    ],
]


# -- the files every case finds in {dir} -------------------------------------------------------


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _invoke(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=True)


def _seed(url: str) -> None:
    """The database every case meets: two accounts, entries, a member, a need, a contact."""
    for args in (
        ("account", "add", "Personal", "--currency", "USD", "--default", "--tax-rate", "8.875"),
        ("account", "add", "Japan", "--store", "amazon.co.jp", "--currency", "JPY"),
        ("add", "100", "--yes", "--date", "2026-11-02", "--from", "Aunt May"),
        ("spend", "10", "--date", "2026-11-03", "--note", "paper"),
        ("reconcile", "89.50", "--yes"),
        ("add", "5000", "--account", "Japan", "--yes", "--date", "2026-11-04"),
        ("member", "add", "Sam"),
        ("need", "add", "Socks", "--price", "3", "--for", "Sam", "--qty", "2"),
        ("contact", "add", "--channel", "chat", "--summary", "asked"),
    ):
        result = _invoke("--db", url, *args)
        assert result.exit_code == 0, (args, result.output, result.stderr)


def _export_of(url: str) -> dict[str, Any]:
    result = _invoke("--db", url, "export", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _changed(document: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> bytes:
    copy = json.loads(json.dumps(document))
    change(copy)
    return json.dumps(copy).encode()


def _export_zip(document: dict[str, Any], table: str, column: str, value: str) -> bytes:
    """The csv export of ``document`` with one cell of ``table`` replaced by ``value``."""
    from giftbalance.io import export

    data = export.to_zip(document)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            text = source.read(name).decode()
            if name == f"{table}.csv":
                rows = list(csv.reader(io.StringIO(text)))
                rows[1][rows[0].index(column)] = value
                out = io.StringIO()
                csv.writer(out, lineterminator="\n").writerows(rows)
                text = out.getvalue()
            archive.writestr(name, text)
    return buffer.getvalue()


def _with_escapes(template: Path, target: Path) -> None:
    """A copy of ``template`` whose names carry terminal escapes and a direction override, as
    a backup written by a tool that checks nothing would."""
    shutil.copyfile(template, target)
    conn = sqlite3.connect(target)
    try:
        conn.execute("UPDATE accounts SET name = 'Personal\x1b[2J' WHERE id = 1")
        conn.execute("UPDATE members SET name = 'Sam\u202e' WHERE id = 1")
        conn.commit()
    finally:
        conn.close()


@dataclass
class Seeded:
    """What the cases run against: the database's URL, its file (SQLite), and the files each
    case's folder gets."""

    backend: str
    url: str
    template: Path | None
    files: dict[str, bytes]
    empty_db: bytes


_SEEDED: dict[str, Seeded] = {}


def _build(backend: str, folder: Path, request: pytest.FixtureRequest) -> Seeded:
    config = folder / "config"
    config.mkdir()
    os.environ["GIFTBALANCE_CONFIG_DIR"] = str(config)
    if backend == SQLITE:
        template = folder / "template.db"
        url = "sqlite:///" + str(template)
    else:
        from urllib.parse import quote

        from sqlalchemy import text

        admin, database_url = request.getfixturevalue("pg_database")
        with admin.connect() as conn:
            conn.execute(text('CREATE SCHEMA "hostile"'))
        url = f"{database_url}?options={quote('-csearch_path=hostile')}"
        template = None
    _seed(url)
    document = _export_of(url)
    empty = folder / "empty.db"
    assert _invoke("--db", str(empty), "balance").exit_code == 0
    escapes = folder / "escapes.db"
    if template is not None:
        _with_escapes(template, escapes)
    else:  # a SQLite backup of the same content, for restore's checks
        sqlite_copy = folder / "copy.db"
        _seed("sqlite:///" + str(sqlite_copy))
        _with_escapes(sqlite_copy, escapes)

    def need(doc: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = doc["needs"][0]
        return record

    files = {
        "empty.csv": b"",
        "store-garbage.txt": _csv("garbage\tline\n"),
        "store-bad-date.txt": _csv(
            "Date\tDescription\tAmount\tBalance\nNovember 31, 2026\tGift Card claimed\t$5.00\t$5.00\n"
        ),
        "store-bad-amount.txt": _csv(
            "Date\tDescription\tAmount\tBalance\nNovember 25, 2026\tGift Card claimed\t$5.0.0\t$5.00\n"
        ),
        "store-other-currency.txt": _csv(
            "Date\tDescription\tAmount\tBalance\nNovember 25, 2026\tGift Card claimed\t£5.00\t£5.00\n"
        ),
        "store-orders-missing.csv": _csv(
            "Order ID,Order Date\n113-1234567-1234567,2026-11-25T10:00:00Z\n"
        ),
        "header.csv": _csv("date,account,kind,amount\n"),
        "unknown-col.csv": _csv("date,kind,amount,colour\n2026-11-05,redeem,5,red\n"),
        "bad-date.csv": _csv("date,kind,amount\n-2026-11-05,redeem,5\n"),
        "ambiguous-date.csv": _csv("date,kind,amount\n1/2/3,redeem,5\n"),
        "arabic-amount.csv": _csv("date,kind,amount\n2026-11-05,redeem,٥\n"),
        "control.csv": _csv("date,kind,amount,note\n2026-11-05,redeem,5,a\x1fb\n"),
        "control-account.csv": _csv("date,account,kind,amount\n2026-11-05,Per\x1fsonal,redeem,5\n"),
        "nul.csv": b"date,kind,amount\n2026-11-05,redeem,5\x00\n",
        "latin1.csv": "date,kind,amount,note\n2026-11-05,redeem,5,caf\xe9\n".encode("latin-1"),
        "quote.csv": _csv('date,kind,amount,note\n2026-11-05,redeem,5,"open\n'),
        "bigfield.csv": _csv("date,kind,amount,note\n2026-11-05,redeem,5," + "x" * 200_000 + "\n"),
        "huge-amount.csv": _csv("date,kind,amount\n2026-11-05,redeem,99999999999999999999999\n"),
        "overdraft.csv": _csv("date,kind,amount\n2026-11-05,spend,5000\n"),
        "reversal.csv": _csv("date,kind,amount\n2026-11-05,reversal,5\n"),
        "good.csv": _csv("date,kind,amount\n2026-11-05,redeem,5\n"),
        "needs-header.csv": _csv("name,price\n"),
        "needs-unknown.csv": _csv("name,price,colour\nBoots,5,red\n"),
        "needs-qty.csv": _csv("name,price,quantity\nBoots,5,٣\n"),
        "needs-qty-huge.csv": _csv("name,price,quantity\nBoots,5,99999999999999999999999\n"),
        "needs-control.csv": _csv("name,price\nBo\x1b[31mots,5\n"),
        "needs-member.csv": _csv("name,price,for\nBoots,5,Nobody\n"),
        "needs-every.csv": _csv("name,price,every\nBoots,5,FREQ=DAILY;COUNT=999999999999\n"),
        "needs-price.csv": _csv("name,price\nBoots,٥\n"),
        "needs-date.csv": _csv("name,price,need_by\nBoots,5,1/2/3\n"),
        "good.json": json.dumps(document).encode(),
        "qty30.json": _changed(document, lambda d: need(d).update(quantity=10**30)),
        "id30.json": _changed(document, lambda d: d["entries"][0].update(id=10**30)),
        "bigint.json": b'{"format": "giftbalance-export", "version": ' + b"1" * 5000 + b"}",
        "deep.json": b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "deep-object.json": b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        "escape.json": _changed(
            document, lambda d: d["accounts"][0].update(name="Personal\x1b]0;pwned\x07")
        ),
        "setting.json": _changed(
            document, lambda d: d.update(settings=[{"key": "default_account", "value": "abc"}])
        ),
        "qty-big.json": _changed(document, lambda d: need(d).update(quantity=20_000)),
        "float-qty.json": _changed(document, lambda d: need(d).update(quantity=1.5)),
        "bool-id.json": _changed(document, lambda d: need(d).update(id=True)),
        "not.json": b"{",
        "version2.json": _changed(document, lambda d: d.update(version=2)),
        "unknown-section.json": _changed(document, lambda d: d.update(passwords=[])),
        "balance.json": _changed(document, lambda d: d["entries"][0].update(amount="1000.00")),
        "rate.json": _changed(document, lambda d: d["accounts"][0].update(tax_rate="٥")),
        "damaged.zip": b"PK\x03\x04" + b"\x00" * 40,
        "nomanifest.zip": _zip({"accounts.csv": "id\n"}),
        "escape.zip": _export_zip(document, "members", "name", "Sam\x1b[8m"),
        "bigint.zip": _export_zip(document, "needs", "quantity", "9" * 30),
        "notadb.db": b"not a database, just text\n",
        "empty-file.db": b"",
        "existing.txt": b"keep me\n",
        "escapes.db": escapes.read_bytes(),
    }
    return Seeded(backend, url, template, files, empty.read_bytes())


@pytest.fixture
def seeded(
    db_backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Seeded, Path, Path]]:
    """The seeded database (a fresh copy of the template on SQLite; the one seeded schema,
    shared, on PostgreSQL: every case must leave it unchanged anyway) as ``GIFTBALANCE_DB``,
    and the case's folder ``{dir}`` with its files, and the config folder."""
    if db_backend not in _SEEDED:
        config_before = os.environ.get("GIFTBALANCE_CONFIG_DIR")
        try:
            _SEEDED[db_backend] = _build(
                db_backend, tmp_path_factory.mktemp(f"hostile-{db_backend}"), request
            )
        finally:
            if config_before is not None:
                os.environ["GIFTBALANCE_CONFIG_DIR"] = config_before
    state = _SEEDED[db_backend]
    if state.template is not None:
        database = tmp_path / "giftbalance.db"
        shutil.copyfile(state.template, database)
        os.chmod(database, 0o600)
        monkeypatch.setenv("GIFTBALANCE_DB", str(database))
    else:
        monkeypatch.setenv("GIFTBALANCE_DB", state.url)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in [*state.files.items(), ("empty.db", state.empty_db)]:
        (folder / name).write_bytes(data)
        os.chmod(folder / name, 0o600)  # as giftbalance writes them: no "readable" warning
    (folder / "adir").mkdir()
    os.mkfifo(folder / "fifo")
    with contextlib.suppress(OSError):  # a device node of our own: replacing it harms nothing
        os.mknod(folder / "zero", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    config = Path(os.environ["GIFTBALANCE_CONFIG_DIR"])
    config.mkdir(exist_ok=True)
    (config / "code.key").write_text(os.urandom(32).hex() + "\n")
    os.chmod(config / "code.key", 0o600)
    (config / "notify.url").write_text("mailto://someone@example.org\n")
    (folder / "key.link").symlink_to(config / "code.key")
    from giftbalance.storage.paths import default_db_path

    default = default_db_path()  # the user's own database, elsewhere than --db
    default.parent.mkdir(parents=True, exist_ok=True)
    default.write_bytes(state.empty_db)
    (folder / "out-link.png").symlink_to(folder / "r.txt")  # dangling: r.txt is not there
    if state.template is not None:
        (folder / "link.db").symlink_to(tmp_path / "giftbalance.db")
        os.link(tmp_path / "giftbalance.db", folder / "hard.db")
    yield state, folder, config


def _files(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: a regular file by its content's hash, anything else by
    its kind (a link by where it points), so any file written, replaced or removed shows."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        name = str(path.relative_to(folder))
        if stat.S_ISLNK(info.st_mode):
            found[name] = "link to " + os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = stat.filemode(info.st_mode)[0]
    return found


def _database_bytes(path: Path) -> dict[str, str]:
    """The SQLite file and its -wal, -shm and -journal, each by its content's hash."""
    found = {}
    for candidate in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        if candidate.exists():
            found[candidate.name] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    return found


def _run_refused(case: Bad, state: Seeded, folder: Path, config: Path) -> Result:
    """Run ``case`` and check everything the module doc promises; returns click's result."""
    database = os.environ["GIFTBALANCE_DB"]
    url = database if "://" in database else "sqlite:///" + database
    from giftbalance.storage.paths import default_db_path

    places = {"{dir}": folder, "{db}": database, "{config}": config, "{default}": default_db_path()}
    args = list(case.args)
    for placeholder, place in places.items():
        args = [arg.replace(placeholder, str(place)) for arg in args]
    assert not any("{" in arg and "}" in arg for arg in args), f"an unknown placeholder: {args}"
    before_rows = dump_database(url)
    before_bytes = _database_bytes(Path(database)) if state.template is not None else {}
    before_files = _files(folder)
    before_config = _files(config)
    before_default = _files(default_db_path().parent)
    result = CliRunner().invoke(cli, args, input=case.stdin, catch_exceptions=True)
    shown = f"giftbalance {case.name()}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{shown}\nraised {result.exception!r}") from result.exception
    assert result.exit_code == case.code, f"exit {result.exit_code}, expected {case.code}: {shown}"
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, shown
    assert lines[0] == errors[0], f"something before the Error: line: {shown}"
    assert all(line.startswith("  ") for line in lines[1:]), f"a stray stderr line: {shown}"
    assert not errors[0].startswith("Error: unexpected"), shown
    assert "GIFTBALANCE_DEBUG" not in result.stderr and "Traceback" not in result.output, shown
    assert case.match.lower() in errors[0].lower(), f"{case.match!r} not in: {shown}"
    assert "\x1b" not in result.stderr, f"the refusal replays an escape sequence: {shown}"
    assert dump_database(url) == before_rows, f"the database's content changed: {shown}"
    if state.template is not None:
        assert _database_bytes(Path(database)) == before_bytes, (
            f"the database file changed: {shown}"
        )
    assert _files(config) == before_config, f"the config folder changed: {shown}"
    assert _files(default_db_path().parent) == before_default, f"the default db changed: {shown}"
    assert _files(folder) == before_files, f"a file was written or changed: {shown}"
    return result


def _params() -> list[Any]:
    return [pytest.param(case, id=case.name()) for case in CASES]


def test_the_suite_has_at_least_200_cases_across_every_command_group() -> None:
    assert len(CASES) >= 200
    groups = {case.args[2] if case.args[0] == "--db" else case.args[0] for case in CASES}
    top_level = {name for name in cli.commands}
    assert top_level <= groups | {"--db"}, f"no hostile case for: {sorted(top_level - groups)}"


@pytest.mark.parametrize("case", _params())
def test_bad_input_is_refused_and_changes_nothing(case: Bad, seeded, db_backend) -> None:
    if case.sqlite_only and db_backend != SQLITE:
        pytest.skip("about the SQLite file, or backup/restore (SQLite only)")
    state, folder, config = seeded
    if case.needs_device and not (folder / "zero").is_char_device():
        pytest.skip("cannot make a device node here (needs root); the named pipe case stands in")
    _run_refused(case, state, folder, config)


# -- bounded reading -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("import",), ("need", "import")])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(seeded, command, tmp_path) -> None:
    from giftbalance.io.inputs import MAX_INPUT_BYTES

    state, folder, config = seeded
    huge = tmp_path / "huge.csv"  # outside {dir}, whose files the check hashes
    with huge.open("wb") as handle:  # sparse: the size is there, the bytes are not
        handle.truncate(MAX_INPUT_BYTES + 1)
    case = bad(2, *command, str(huge), match="larger than the import limit of 200 MB")
    _run_refused(case, state, folder, config)


def test_standard_input_over_the_size_limit_is_refused(seeded, monkeypatch) -> None:
    from giftbalance.io import inputs

    state, folder, config = seeded
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 1000)
    rows = b"date,kind,amount\n" + b"2026-11-05,redeem,1\n" * 100
    case = bad(2, "import", "-", stdin=rows, match="<stdin> is larger than the import limit")
    _run_refused(case, state, folder, config)


def test_a_zip_that_unpacks_past_the_limit_is_refused(seeded, monkeypatch) -> None:
    from giftbalance.io import inputs

    state, folder, config = seeded
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 100_000)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", "{}")
        archive.writestr("accounts.csv", "0" * 1_000_000)  # a few kB packed
    (folder / "bomb.zip").write_bytes(bomb.getvalue())
    assert len(bomb.getvalue()) < 100_000
    case = bad(2, "--db", "{dir}/empty.db", "import", "{dir}/bomb.zip", match="unpacks to")
    _run_refused(case, state, folder, config)


# -- database URLs --------------------------------------------------------------------------------


def test_postgresql_without_psycopg_names_the_extra(seeded, monkeypatch) -> None:
    import importlib.util

    state, folder, config = seeded
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a)
    )
    case = bad(
        1,
        "--db",
        "postgresql://me@localhost/x",
        "balance",
        match="pip install 'giftbalance[postgres]'",
    )
    _run_refused(case, state, folder, config)


# -- restore and check flag stored text giftbalance would refuse ------------------------------


@pytest.mark.sqlite_only
def test_check_names_the_table_row_and_field_of_unsafe_stored_text(seeded) -> None:
    state, folder, config = seeded
    database = Path(os.environ["GIFTBALANCE_DB"])
    _with_escapes(database, folder / "x.db")
    shutil.copyfile(folder / "x.db", database)
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "accounts row 1: name holds a control character ('\\x1b')" in result.stdout
    assert "members row 1: name holds a text-direction character ('\\u202e')" in result.stdout
    assert "\x1b" not in result.output
    restore = _run_refused(
        bad(1, "restore", "{dir}/escapes.db", match="fails the check (2 problems)"),
        state,
        folder,
        config,
    )
    assert "accounts row 1: name holds a control character" in restore.stdout


# -- spreadsheet-safe CSV ------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","click")', "+SUM(1,1)", "@SUM(1+1)", "-2+3", "=1+1"]


@given(st.text())
@example("'=1")
@example("''-2")
@example("'")
@example("\t=x")
def test_cell_in_undoes_exactly_what_cell_out_did(text: str) -> None:
    written = cell_out(text)
    assert cell_in(written) == text
    assert not written.startswith(FORMULA_STARTS)
    if not text.lstrip("'").startswith(FORMULA_STARTS):
        assert written == text  # anything else is written as it is


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_cell_in_changes_only_a_quote_before_a_formula(text: str) -> None:
    read = cell_in(text)
    assert read == text or (text.startswith("'") and read == text[1:])


def _household_with_formulas(ok) -> None:
    ok("account", "add", "Personal", "--currency", "USD")
    ok("add", "100", "--yes", "--date", "2026-11-02", "--from", "+SUM(1,1)", "--note", "=1+1")
    ok("reconcile", "95", "--yes")  # a negative adjustment: -5.00
    ok("member", "add", "--", "-2+3")
    for name in FORMULAS:
        ok("need", "add", "--price", "2", "--for", "-2+3", "--note", "@SUM(1+1)", "--", name)


def test_report_csv_neutralises_formulas_and_keeps_numbers(ok, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "2026-11-04")  # the adjustment falls in the week
    _household_with_formulas(ok)
    out = tmp_path / "report.csv"
    ok("report", "--format", "csv", "--output", str(out), "--week", "2026-11-02")
    rows = list(csv.DictReader(out.read_text().splitlines()))
    names = {row["name"] for row in rows if row["section"] in ("order", "unplanned", "late")}
    assert {"'" + name for name in FORMULAS} <= names
    members = {row["for"] for row in rows if row["for"]}
    assert members == {"'-2+3"}
    for row in rows:
        for column in ("section", "account", "name", "for", "detail"):
            assert not row[column].startswith(FORMULA_STARTS), row
    adjusted = [row["amount"] for row in rows if row["name"] == "adjusted"]
    assert adjusted and all(amount.startswith("-") for amount in adjusted), adjusted


def test_need_export_neutralises_formulas_and_imports_back_the_same(ok, tmp_path) -> None:
    _household_with_formulas(ok)
    out = tmp_path / "needs.csv"
    ok("need", "export", "--output", str(out))
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [row["name"] for row in rows] == ["'" + name for name in FORMULAS]
    assert {row["for"] for row in rows} == {"'-2+3"}
    assert {row["note"] for row in rows} == {"'@SUM(1+1)"}
    other = "sqlite:///" + str(tmp_path / "other.db")
    ok("--db", other, "account", "add", "Personal", "--currency", "USD")
    ok("--db", other, "member", "add", "--", "-2+3")
    ok("--db", other, "need", "import", str(out))
    listed = json.loads(ok("--db", other, "need", "list", "--json").stdout)["needs"]
    assert sorted(n["name"] for n in listed) == sorted(FORMULAS)
    assert {n["for"] for n in listed} == {"-2+3"} and {n["note"] for n in listed} == {"@SUM(1+1)"}


def test_export_zip_neutralises_formulas_and_restores_the_same(ok, tmp_path, db_url) -> None:
    _household_with_formulas(ok)
    out = tmp_path / "export.zip"
    ok("export", "--format", "csv", "--output", str(out))
    archive = zipfile.ZipFile(out)
    needs = list(csv.DictReader(archive.read("needs.csv").decode().splitlines()))
    assert [row["name"] for row in needs] == ["'" + name for name in FORMULAS]
    entries = list(csv.DictReader(archive.read("entries.csv").decode().splitlines()))
    assert {row["giver"] for row in entries if row["giver"]} == {"'+SUM(1,1)"}
    assert "-5.00" in {row["amount"] for row in entries}  # the tool's own number, as a number
    other = "sqlite:///" + str(tmp_path / "restored.db")
    ok("--db", other, "import", str(out))
    original = _export_of(db_url)
    restored = _export_of(other)
    for document in (original, restored):
        del document["exported_at"]
    assert restored == original


def test_every_csv_import_reads_a_quote_before_a_formula_as_the_neutraliser(ok, tmp_path) -> None:
    ok("account", "add", "=Personal", "--currency", "USD")
    path = tmp_path / "ledger.csv"
    path.write_text(
        "date,account,kind,amount,note,giver\n2026-11-02,'=Personal,redeem,5,'-1 note,'@Ann\n"
    )
    ok("import", str(path))
    entry = json.loads(ok("log", "--json").stdout)[0]
    assert (entry["account"], entry["note"], entry["from"]) == ("=Personal", "-1 note", "@Ann")
