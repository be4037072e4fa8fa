"""Benchmark: start-up of ``giftbalance --help`` and ``giftbalance balance`` on big ledgers.

Run with ``.venv/bin/python bench/bench_core.py`` (``make bench``). It measures

1. ``giftbalance --help`` as a subprocess, best of 10, and which heavy modules it imports
   (``python -X importtime``): none of sqlalchemy, alembic, pandas, matplotlib may be there;
2. ``giftbalance balance`` as a subprocess, best of 5, on ledgers of 100,000 and 1,000,000
   entries (two accounts, 90% of the entries on one), each built through the package's own code
   (``accounts.add_account`` and ``entries.append_in_order``, which derives every running balance)
   in one write transaction;
3. for comparison, an account whose very first entry is a redemption with an expiry date: its
   "expires first" column has to replay the entries after that redemption.

The figures go to stdout and to docs/core-bench.md. Exits 1 when a target is missed.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HEAVY = ("sqlalchemy", "alembic", "pandas", "matplotlib")
HELP_RUNS, BALANCE_RUNS = 10, 5
HELP_TARGET_S, BALANCE_TARGET_S = 0.1, 0.4
SIZES = (100_000, 1_000_000)
EXPIRING_SIZE = 100_000
REPORT = Path(__file__).resolve().parent.parent / "docs" / "core-bench.md"


def command() -> list[str]:
    """The console script next to this Python (what a user runs), else ``python -m``."""
    script = Path(sys.executable).parent / "giftbalance"
    return [str(script)] if script.exists() else [sys.executable, "-m", "giftbalance"]


def best_of(runs: int, args: list[str], env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def heavy_imports(args: list[str], env: dict[str, str]) -> list[str]:
    """Heavy top-level packages that ``python -X importtime -m giftbalance ARGS`` imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "giftbalance", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    found = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "giftbalance" in found, "could not read -X importtime output"
    return sorted(found.intersection(HEAVY))


def build_ledger(path: Path, size: int, *, expiring_first: bool = False) -> float:
    """A ledger of ``size`` entries over two accounts, written in one transaction.

    Entries alternate one redemption of 50.00 with three spends of 10.00 over ten years, so the
    balance grows and never goes below zero. Returns the seconds it took.
    """
    from giftbalance.ledger import accounts, entries
    from giftbalance.storage.db import Database, resolve_url

    start = time.perf_counter()
    db = Database(resolve_url(str(path)))
    first_day = date(2016, 1, 1)
    with db.write() as session:
        made = [
            accounts.add_account(
                session,
                name,
                store="amazon.com",
                currency="USD",
                tax_rate=Decimal(0),
                note=None,
                make_default=False,
            )
            for name in ("Personal", "Work")
        ]
        for account, share in zip(made, (size * 9 // 10, size - size * 9 // 10), strict=True):
            rows = []
            for index in range(share):
                day = first_day + timedelta(days=index * 3650 // share)
                redeem = index % 4 == 0
                rows.append(
                    entries.AccountEntry(
                        account_id=account.id,
                        currency="USD",
                        kind="redeem" if redeem else "spend",
                        amount=5000 if redeem else -1000,
                        occurred_on=day,
                        expires_on=(
                            day + timedelta(days=365 * 5)
                            if expiring_first and redeem and index == 0
                            else None
                        ),
                    )
                )
            entries.append_in_order(session, rows)
    db.dispose()
    return time.perf_counter() - start


def expiring_index(path: Path) -> str | None:
    """The name of an index that serves "entries of this account with an expiry date", if the
    schema has one (the figures depend on it; see docs/core-bench.md)."""
    connection = sqlite3.connect(path)
    try:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT min(id) FROM entries "
            "WHERE account_id = 1 AND expires_on IS NOT NULL"
        ).fetchall()
    finally:
        connection.close()
    detail = " ".join(str(row[-1]) for row in plan)
    if "expir" not in detail.lower():
        return None
    return detail.split("INDEX", 1)[1].split()[0] if "INDEX" in detail else detail


PROPOSED_INDEX = (
    "CREATE INDEX ix_entries_expiring ON entries (account_id, id) WHERE expires_on IS NOT NULL"
)


def with_proposed_index(path: Path) -> Path:
    """A copy of the ledger at ``path`` with the partial index proposed for the schema."""
    copy = path.with_name(path.stem + "-indexed.db")
    os.close(os.open(copy, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # private, as the tool's
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    try:
        source.backup(target)
        target.execute(PROPOSED_INDEX)
        target.commit()
    finally:
        target.close()
        source.close()
    return copy


def check_ledger(path: Path, size: int) -> None:
    """The benchmark measured a real ledger: the size and the last running balances add up."""
    connection = sqlite3.connect(path)
    try:
        count = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
        wrong = connection.execute(
            "SELECT count(*) FROM (SELECT account_id, max(id) AS last, sum(amount) AS total "
            "FROM entries GROUP BY account_id) t JOIN entries e ON e.id = t.last "
            "WHERE e.balance_after != t.total"
        ).fetchone()[0]
    finally:
        connection.close()
    assert count == size, (count, size)
    assert wrong == 0, "running balances do not add up"


def main() -> None:
    env = {**os.environ}
    env.pop("GIFTBALANCE_DB", None)
    gb = command()
    rows: list[tuple[str, str, str, bool]] = []

    help_heavy = heavy_imports(["--help"], env)
    help_s = best_of(HELP_RUNS, [*gb, "--help"], env)
    rows.append(
        (
            f"`giftbalance --help` (best of {HELP_RUNS})",
            f"{help_s:.3f} s",
            f"< {HELP_TARGET_S} s",
            help_s < HELP_TARGET_S,
        )
    )
    rows.append(
        (
            "heavy modules imported by `--help`",
            ", ".join(help_heavy) or "none",
            "none of " + ", ".join(HEAVY),
            not help_heavy,
        )
    )
    print(rows[0][0], rows[0][1], flush=True)
    print(rows[1][0], rows[1][1], flush=True)

    with tempfile.TemporaryDirectory(prefix="giftbalance-bench-") as folder:
        balance_times: dict[int, float] = {}
        cases = [(size, False) for size in SIZES] + [(EXPIRING_SIZE, True)]
        for size, expiring in cases:
            path = Path(folder) / f"ledger-{size}{'-expiring' if expiring else ''}.db"
            built = build_ledger(path, size, expiring_first=expiring)
            check_ledger(path, size)
            index = expiring_index(path)
            heavy = heavy_imports(["--db", str(path), "balance"], env)
            seconds = best_of(BALANCE_RUNS, [*gb, "--db", str(path), "balance"], env)
            if expiring:
                label = (
                    f"`giftbalance balance`, {size:,} entries after an expiring redemption "
                    f"(best of {BALANCE_RUNS})"
                )
                rows.append((label, f"{seconds:.3f} s", "(for comparison)", True))
            else:
                balance_times[size] = seconds
                label = f"`giftbalance balance`, {size:,} entries (best of {BALANCE_RUNS})"
                rows.append(
                    (
                        label,
                        f"{seconds:.3f} s",
                        f"< {BALANCE_TARGET_S} s",
                        seconds < BALANCE_TARGET_S,
                    )
                )
            rows.append(
                (
                    "heavy modules imported by that `balance` (besides sqlalchemy)",
                    ", ".join(m for m in heavy if m != "sqlalchemy") or "none",
                    "no alembic, pandas, matplotlib",
                    not set(heavy) - {"sqlalchemy"},
                )
            )
            print(f"{label}: {seconds:.3f} s (ledger built in {built:.1f} s)", flush=True)
            if index is None and not expiring:
                indexed = with_proposed_index(path)
                seconds = best_of(BALANCE_RUNS, [*gb, "--db", str(indexed), "balance"], env)
                label = (
                    f"the same with the proposed index (not in the schema yet), {size:,} entries"
                )
                rows.append((label, f"{seconds:.3f} s", "(for comparison)", True))
                print(f"{label}: {seconds:.3f} s", flush=True)
                indexed.unlink()
            path.unlink()  # 130 MB for a million entries: free it before the next one
        small, big = balance_times[SIZES[0]], balance_times[SIZES[1]]
        flat = big < small * 1.25 + 0.02
        rows.append(
            (
                f"growth from {SIZES[0]:,} to {SIZES[1]:,} entries",
                f"{big - small:+.3f} s",
                "flat (within 25%)",
                flat,
            )
        )

    failures = [label for label, _, _, met in rows if not met]
    write_report(rows, failures, index)
    print(f"wrote {REPORT}")
    if failures:
        print("MISSED: " + "; ".join(failures))
        sys.exit(1)


def write_report(
    rows: list[tuple[str, str, str, bool]], failures: list[str], index: str | None
) -> None:
    sqlite_version = sqlite3.sqlite_version
    if index:
        schema = (
            f"Finding an account's entries with an expiry date uses the index `{index}`, so "
            "`balance` costs the same whatever the ledger's length."
        )
    else:
        schema = (
            "The schema has no index on the entries with an expiry date yet: to learn that an "
            "account has none, `balance` scans that account's entries inside SQLite, which is "
            "the growth measured above. The rows 'with the proposed index' time copies of the "
            f"same ledgers after `{PROPOSED_INDEX}`."
        )
    lines = [
        "# Core benchmark",
        "",
        "Start-up of `giftbalance --help`, and `giftbalance balance` on big ledgers built through "
        "the package's own code in one transaction (two USD accounts, 90% of the entries on "
        "one; a redemption of 50.00 then three spends of 10.00, over ten years). Every time is a "
        "whole subprocess, as a user runs it. Produced by `bench/bench_core.py` (`make bench`).",
        "",
        "| measure | result | target | met |",
        "|---|---:|---|---|",
        *(f"| {a} | {b} | {c} | {'yes' if met else '**no**'} |" for a, b, c, met in rows),
        "",
        "Result: " + ("every target met." if not failures else "MISSED: " + "; ".join(failures)),
        "",
        schema,
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (`nproc`), Python "
        f"{platform.python_version()}, SQLite {sqlite_version}, {platform.system()} "
        f"{platform.release()}.",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
