"""Benchmark: ``giftbalance import`` of a 100,000-row ledger CSV, as a user runs it.

Run with ``.venv/bin/python bench/bench_import.py`` (``make bench``). It builds a database with
three accounts (USD, JPY, KWD), writes 100,000 valid rows (redemptions, spends, signed
adjustments, in date order, never overdrawing), then times ``python -m giftbalance import`` as a
subprocess on a fresh copy of that database, best of 3, and checks the balances it leaves. The
figures go to stdout and to docs/import-bench.md. Exits 1 when the best run misses the target.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from giftbalance.values.money import Money, currency_digits, format_money

ROWS = 100_000
RUNS = 3
TARGET_S = 1.5
SEED = 20261125
ACCOUNTS = (
    ("Personal", "amazon.com", "USD"),
    ("Japan", "amazon.co.jp", "JPY"),
    ("Kuwait", "xcite.com", "KWD"),
)
REPORT = Path(__file__).resolve().parent.parent / "docs" / "import-bench.md"


def giftbalance(db: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "giftbalance", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )


def write_rows(path: Path, rows: int, seed: int) -> dict[str, int]:
    """Write ``rows`` valid ledger rows; returns each account's final balance (minor units)."""
    rng = random.Random(seed)
    balances = {name: 0 for name, _, _ in ACCOUNTS}
    day = date(2024, 1, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "account", "kind", "amount", "currency", "note"])
        for index in range(rows):
            if index % 60 == 59:
                day += timedelta(days=1)
            name, _, currency = ACCOUNTS[rng.randrange(len(ACCOUNTS))]
            unit = 10 ** currency_digits(currency)
            roll = rng.random()
            if roll < 0.2 or balances[name] < unit:
                kind, amount = "redeem", rng.randint(10 * unit, 200 * unit)
            elif roll < 0.95:
                kind, amount = "spend", rng.randint(1, min(balances[name], 40 * unit))
            else:
                kind, amount = "adjust", rng.randint(-min(balances[name], unit), unit) or 1
            signed = -amount if kind == "spend" else amount
            balances[name] += signed
            text = format_money(Money(amount, currency), code=False)
            note = rng.choice(["", "", "paper towels", "birthday card", 'a "quoted", note'])
            writer.writerow([day.isoformat(), name, kind, text, currency, note])
    return balances


def fresh_copy(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(template) + suffix)
        if source.exists():
            shutil.copy(source, str(target) + suffix)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gb-bench-import-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "GIFTBALANCE_CONFIG_DIR": str(folder / "config")}
        env.pop("GIFTBALANCE_DB", None)
        template = folder / "template.db"
        for name, store, currency in ACCOUNTS:
            giftbalance(
                template, "account", "add", name, "--store", store, "--currency", currency, env=env
            )
        csv_path = folder / "entries.csv"
        expected = write_rows(csv_path, ROWS, SEED)
        size_mb = csv_path.stat().st_size / 1e6

        startup: list[float] = []
        times: list[float] = []
        cpu: list[float] = []
        for run in range(RUNS):
            db = folder / f"run{run}.db"
            fresh_copy(template, db)
            started = time.perf_counter()
            giftbalance(db, "balance", env=env)
            startup.append(time.perf_counter() - started)
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            giftbalance(db, "import", str(csv_path), env=env)
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
            shown = json.loads(giftbalance(db, "balance", "--json", env=env).stdout)
            got = {a["name"]: a["balance"] for a in shown["accounts"]}
            want = {
                name: format_money(Money(expected[name], currency), code=False)
                for name, _, currency in ACCOUNTS
            }
            if got != want:
                print(f"WRONG BALANCES after run {run + 1}: {got} != {want}")
                sys.exit(1)

    best = min(times)
    verdict = "meets" if best < TARGET_S else "MISSES"
    lines = [
        "# Import benchmark",
        "",
        f"`giftbalance import` of {ROWS:,} ledger rows ({size_mb:.1f} MB CSV, three accounts in "
        "USD, JPY and KWD: redemptions, spends and signed adjustments, in date order), run as a "
        "subprocess on a fresh copy of a SQLite database that holds only the accounts. "
        f"Best of {RUNS}; every run's balances are checked against the generator's. "
        "Produced by `bench/bench_import.py` (`make bench`).",
        "",
        "| measure | best | median |",
        "|---|---:|---:|",
        f"| `giftbalance import` ({ROWS:,} rows) | {best:.2f} s | {statistics.median(times):.2f} s |",
        f"| its CPU time (user + system) | {min(cpu):.2f} s | {statistics.median(cpu):.2f} s |",
        f"| start-up alone (`giftbalance balance` on the same database) | {min(startup):.2f} s "
        f"| {statistics.median(startup):.2f} s |",
        "",
        f"Target: under {TARGET_S} s. Result: {verdict} the target "
        f"({ROWS / best:,.0f} rows per second including start-up).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.1f} at the "
        "end (wall times grow with other load; CPU time much less).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text)
    if best >= TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
