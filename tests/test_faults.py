"""What machines do to a database: kill -9 mid-write, a full disk, loose file permissions.

After every fault, ``giftbalance check`` must be clean and each command's effect all or nothing.
The kills are random but seeded (the seed is in the test's output when it fails); each test is
bounded in time (workers are killed after ``WORKER_TIMEOUT_S``).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FORK = multiprocessing.get_context("fork")
KILLS = 6
SEED = int(os.environ.get("GIFTBALANCE_TEST_SEED", "20261125"))


def giftbalance(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """Start the real program (``python -m giftbalance``) with this test's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "giftbalance", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **kwargs,
    )


def kill(process: Any) -> bool:
    """SIGKILL a process (``Popen`` or ``multiprocessing.Process``); whether it was still
    running when killed."""
    pid = process.pid
    running = (process.poll() if hasattr(process, "poll") else process.exitcode) is None
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        running = False
    if hasattr(process, "communicate"):
        process.communicate(timeout=60)
    else:
        process.join(60)
    return running


def _balance(ok: Any) -> str:
    return json.loads(ok("balance", "--json").stdout)["accounts"][0]["balance"]


def _assert_clean(ok: Any) -> None:
    result = ok("check")
    assert "clean" in result.stdout, result.output


# -- kill -9 -----------------------------------------------------------------------------------


def test_kill_9_during_writes_leaves_every_command_all_or_nothing(
    ok, cli_call, sql, personal, tmp_path
):
    rng = random.Random(SEED)
    for round_ in range(KILLS):
        log = tmp_path / f"done-{round_}.log"

        def spender(round_: int = round_, log: Path = log) -> None:
            fd = os.open(log, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
            for i in range(10_000):
                code, _, err = cli_call("spend", "0.01", "--note", f"r{round_}-{i}")
                os.write(fd, f"{i} {code} {err!r}\n".encode())

        worker = FORK.Process(target=spender, daemon=True)
        worker.start()
        time.sleep(rng.uniform(0.05, 0.6))
        assert kill(worker), "the writer finished before it was killed"

        finished = log.read_text().splitlines() if log.exists() else []
        assert all(line.split(" ", 2)[1] == "0" for line in finished), finished
        written = sql("SELECT count(*) FROM entries WHERE note LIKE :p", p=f"r{round_}-%")[0][0]
        # The spend in flight when the kill came is entirely there or entirely absent.
        assert len(finished) <= written <= len(finished) + 1, (round_, len(finished), written)
        _assert_clean(ok)

    spends = sql("SELECT count(*) FROM entries WHERE kind = 'spend'")[0][0]
    assert spends > 0
    assert _minor(_balance(ok)) == 100_00 - spends


@pytest.fixture
def big_csv(tmp_path: Path) -> tuple[Path, int]:
    """A ledger CSV of a 1,000.00 redemption and 40,000 spends of 0.01 on Personal."""
    rows = 40_000
    path = tmp_path / "big.csv"
    lines = ["date,account,kind,amount,currency,note", "2026-01-01,Personal,redeem,1000.00,USD,big"]
    lines += [f"2026-01-02,Personal,spend,0.01,USD,row {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path, rows + 1


def _wait_for_line(stream: Any, marker: str) -> bool:
    """Read ``stream`` until a line containing ``marker`` (False: the stream ended first)."""
    return any(marker in line for line in iter(stream.readline, ""))


def test_kill_9_during_a_large_import_leaves_all_or_nothing(ok, sql, personal, big_csv):
    csv_path, rows = big_csv
    adds = 1000_00 - (rows - 1)  # minor units one whole import adds to the balance
    rng = random.Random(SEED)

    # One import to the end, to time its write: from the progress line that opens it.
    probe = giftbalance("import", str(csv_path))
    assert _wait_for_line(probe.stderr, "Importing"), "no progress line to time the import by"
    started = time.monotonic()
    probe.communicate(timeout=120)
    assert probe.returncode == 0
    write_time = time.monotonic() - started
    entries = sql("SELECT count(*) FROM entries")[0][0]
    assert entries == 1 + rows
    balance = _minor(_balance(ok))
    assert balance == 100_00 + adds

    killed_mid_write = 0
    for _ in range(KILLS):
        importer = giftbalance("import", str(csv_path))
        assert _wait_for_line(importer.stderr, "Importing")  # the write transaction begins
        time.sleep(rng.uniform(0, write_time * 0.9))
        killed_mid_write += kill(importer)

        now = sql("SELECT count(*) FROM entries")[0][0]
        assert now in (entries, entries + rows), (entries, now)
        assert _minor(_balance(ok)) == balance + (adds if now > entries else 0)
        _assert_clean(ok)
        entries, balance = now, _minor(_balance(ok))
    assert killed_mid_write > 0


def _minor(text: str) -> int:
    from giftbalance.values.money import parse_money

    return parse_money(text, "USD").minor


@pytest.mark.sqlite_only
def test_kill_9_during_restore_leaves_the_old_or_the_new_database(
    ok, personal, db_path, tmp_path, dump, dump_file
):
    # A backup with many entries (so the restore takes a while), built behind the CLI's back.
    ok("backup", str(tmp_path / "old.db"))
    big = tmp_path / "big.db"
    ok("backup", str(big))
    import sqlite3

    conn = sqlite3.connect(big)
    conn.executemany(
        "INSERT INTO entries (account_id, kind, amount, currency, balance_after, occurred_on,"
        " recorded_at, note) VALUES (1, 'redeem', 1, 'USD', ?, '2026-11-03',"
        " '2026-11-03 12:00:00', ?)",
        [(10000 + i, "x" * 200) for i in range(1, 60_001)],
    )
    conn.commit()
    conn.close()
    old, new = dump(), dump_file(big)
    rng = random.Random(SEED)

    # One restore to the end, to time its two phases: copy and check, then write in.
    started = time.monotonic()
    probe = giftbalance("restore", str(big), "--yes")
    assert _wait_for_line(probe.stdout, "a sound giftbalance database")
    checked = time.monotonic()
    probe.communicate(timeout=120)
    assert probe.returncode == 0 and dump() == new
    total, writing = time.monotonic() - started, time.monotonic() - checked
    ok("restore", str(tmp_path / "old.db"), "--yes")

    for round_ in range(KILLS):
        restorer = giftbalance("restore", str(big), "--yes")
        if round_ % 2:  # while the backup is copied beside the database and checked
            time.sleep(rng.uniform(0, total))
        else:  # while it is written into the database
            assert _wait_for_line(restorer.stdout, "a sound giftbalance database")
            time.sleep(rng.uniform(0, writing))
        kill(restorer)

        assert dump() in (old, new)
        _assert_clean(ok)
        if dump() == new:  # start the next round from the small database again
            ok("restore", str(tmp_path / "old.db"), "--yes")
    for leftover in db_path.parent.glob(".giftbalance.db.tmp-*"):
        assert oct(leftover.stat().st_mode & 0o777) == "0o600"  # a killed restore's staging


@pytest.mark.sqlite_only
def test_kill_9_during_backup_never_leaves_a_half_written_file(ok, personal, tmp_path):
    for _ in range(20):
        ok("add", "1", "--yes", "--note", "x" * 2000)
    rng = random.Random(SEED)
    for round_ in range(KILLS):
        target = tmp_path / f"b{round_}.db"
        backup = giftbalance("backup", str(target))
        time.sleep(rng.uniform(0, 0.5))
        kill(backup)
        if target.exists():
            assert "clean" in ok("--db", str(target), "check").stdout
            assert oct(target.stat().st_mode & 0o777) == "0o600"


# -- full disk ---------------------------------------------------------------------------------

# The real CLI, with SQLite's page limit set on every connection to the database's current
# size: the file may not grow by a single page, as on a disk with no room left.
NO_ROOM_TO_GROW = """
import sys
from giftbalance.storage import db

def connect_with_no_room(dbapi_connection, record):
    connect(dbapi_connection, record)
    pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
    dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

connect, db._sqlite_on_connect = db._sqlite_on_connect, connect_with_no_room
from giftbalance.cli import main
sys.argv[0] = "giftbalance"
main()
"""


def giftbalance_on_a_full_disk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_ROOM_TO_GROW, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


FULL = "Error: the database or disk is full; nothing was written\n"


@pytest.mark.sqlite_only
def test_a_full_database_refuses_cleanly_and_keeps_the_data(ok, dump, personal, big_csv):
    ok("spend", "1")
    before = dump()

    spend = giftbalance_on_a_full_disk("spend", "2", "--note", "n" * 100_000)
    assert (spend.returncode, spend.stderr) == (1, FULL)
    assert "Traceback" not in spend.stdout + spend.stderr

    imported = giftbalance_on_a_full_disk("import", str(big_csv[0]))
    assert imported.returncode == 1
    assert imported.stderr.endswith(FULL) and "Traceback" not in imported.stderr

    assert dump() == before
    _assert_clean(ok)
    ok("spend", "2", "--note", "n" * 100_000)  # with room again, the same command works


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MiB file system (tmpfs), where a root test run can mount one."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not root'})")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def _fill(disk: Path, leave_kib: int) -> Path:
    """Fill ``disk`` up to ``leave_kib`` KiB of free space; the filler file to remove later."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as out, contextlib.suppress(OSError):
        out.write(b"\0" * max(0, free - leave_kib * 1024))
    return filler


@pytest.mark.sqlite_only
def test_a_really_full_disk_refuses_cleanly_and_keeps_the_data(
    ok, run, dump_file, small_disk, monkeypatch
):
    db = small_disk / "giftbalance.db"
    monkeypatch.setenv("GIFTBALANCE_DB", str(db))
    ok("account", "add", "Personal", "--store", "amazon.com", "--currency", "USD")
    ok("add", "100", "--yes")
    before = dump_file(db)

    filler = _fill(small_disk, leave_kib=96)
    spend = run("spend", "2", "--note", "n" * 100_000)
    assert (spend.exit_code, spend.stderr) == (1, FULL)

    filler.unlink()
    filler = _fill(small_disk, leave_kib=0)
    opened = run("balance")
    assert opened.exit_code == 1
    assert opened.stderr == f"Error: cannot open database {db}: the disk holding it is full\n"

    filler.unlink()
    assert dump_file(db) == before
    _assert_clean(ok)
    ok("spend", "2")


# -- permissions -------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_files_a_killed_writer_leaves_behind_are_private(ok, cli_call, personal, db_path):
    in_write = FORK.Event()

    def careless_writer() -> None:
        os.umask(0)
        from giftbalance.ledger import entries

        append = entries.append

        def append_then_hang(*args: Any, **kwargs: Any) -> Any:
            entry = append(*args, **kwargs)
            in_write.set()  # inside the write transaction: the -wal and -shm files are open
            time.sleep(120)
            return entry

        entries.append = append_then_hang
        cli_call("spend", "1")

    worker = FORK.Process(target=careless_writer, daemon=True)
    worker.start()
    assert in_write.wait(timeout=60)
    assert kill(worker)

    wal, shm = (db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))
    assert wal.exists() and shm.exists()
    for path in (db_path, wal, shm):
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
    assert _balance(ok) == "100.00"  # the killed spend left nothing
    _assert_clean(ok)


@pytest.mark.sqlite_only
def test_a_wal_file_readable_by_others_gets_a_warning(ok, run, personal, db_path):
    import sqlite3

    keep = sqlite3.connect(db_path)  # keeps the -wal file in place
    try:
        keep.execute("SELECT count(*) FROM entries").fetchone()
        wal = db_path.with_name(db_path.name + "-wal")
        wal.chmod(0o644)
        result = run("balance")
    finally:
        keep.close()
    assert result.exit_code == 0
    assert f"Warning: {wal} can be read by other users (mode 644); run: chmod 600 {wal}" in (
        result.stderr
    )


@pytest.mark.sqlite_only
def test_backups_and_restored_databases_are_private_under_any_umask(
    ok, personal, db_path, tmp_path
):
    old = os.umask(0)
    try:
        ok("backup", str(tmp_path / "b.db"))
        db_path.chmod(0o644)  # even a database that was readable comes back private
        ok("restore", str(tmp_path / "b.db"), "--yes")
    finally:
        os.umask(old)
    saved = next(tmp_path.glob("giftbalance.before-restore-*.db"))
    for path in (tmp_path / "b.db", db_path, saved):
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
