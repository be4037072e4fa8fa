"""Benchmark: ``giftbalance report`` on a 100,000-entry ledger with 200 open needs.

Run with ``.venv/bin/python bench/bench_report.py`` (``make bench``). It builds one SQLite
database through the package's own code in one write transaction (``accounts.add_account``,
``entries.append_in_order`` for the bulk of the ledger, ``needs.add_need`` and ``needs.buy`` for
the needs and purchases, ``members.add_member``, ``contacts.add_contact``), then times:

* ``giftbalance report`` as a user runs it: a subprocess, best of 3 (the target: under 1 s);
* the same with ``--format json``, and with ``--format html --chart --ics`` (for information:
  the chart pays for importing matplotlib);
* start-up alone (``giftbalance --help``), the loading alone (``report_load.load``) and the
  pure report build alone (``report.build_report``), in this process, best of 3.

The figures go to stdout and to docs/report-bench.md. Exits 1 when the best text report run
misses the target or the report's figures disagree with the ledger.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from giftbalance.household import contacts, members, needs
from giftbalance.ledger import accounts, entries
from giftbalance.report import load as report_load
from giftbalance.report.weekly import build_report
from giftbalance.storage.db import Database
from giftbalance.values.money import Money, format_money

ENTRIES = 100_000
OPEN_NEEDS = 200
BOUGHT = 60
RUNS = 3
TARGET_S = 1.0
SEED = 20261125
TODAY = date(2026, 11, 25)
FIRST_DAY = date(2023, 1, 2)
HOVER = 150_000  # 1,500.00 USD
FAMILY_BALANCE = 250_000  # before the purchases
WORK_BALANCE = 15_000
REPORT = Path(__file__).resolve().parent.parent / "docs" / "report-bench.md"


def build(db: Path) -> dict[str, int]:
    """The benchmark database; returns each account's balance (minor units)."""
    rng = random.Random(SEED)
    database = Database("sqlite:///" + str(db))
    with database.write() as session:
        family = accounts.add_account(
            session,
            "Family",
            store="amazon.com",
            currency="USD",
            tax_rate=Decimal("8.875"),
            note=None,
            make_default=True,
        )
        work = accounts.add_account(
            session,
            "Work",
            store="amazon.com",
            currency="USD",
            tax_rate=Decimal("0"),
            note="a family card was redeemed here by mistake",
            make_default=False,
        )
        for name in ("Sam", "Alex", "Robin"):
            members.add_member(session, name)
        contacts.add_contact(
            session, channel="chat", summary="asked to move a card to Family", account="Work"
        )

        # The ledger: ENTRIES entries in all, most of them in bulk, dated oldest first.
        bulk = ENTRIES - BOUGHT - 2  # two top-ups at the end
        days = (TODAY - FIRST_DAY).days
        rows: list[entries.AccountEntry] = []
        held = {family.id: 0, work.id: 0}
        for index in range(bulk):
            account = family.id if rng.random() < 0.8 else work.id
            day = FIRST_DAY + timedelta(days=index * days // bulk)
            roll = rng.random()
            # Redeem less often above the target balance, so the balance hovers around it.
            redeem = 0.25 if held[account] < HOVER else 0.1
            if roll < redeem or held[account] < 100:
                kind, amount = "redeem", rng.randint(1_000, 20_000)
            elif roll < 0.95:
                kind, amount = "spend", -rng.randint(1, min(held[account], 5_000))
            else:
                amount = rng.randint(-min(held[account], 100), 100) or 1
                kind = "adjust"
            held[account] += amount
            rows.append(entries.AccountEntry(account, "USD", kind, amount, day))
        # Top each account up to a known balance, so the plan has something to spend down.
        for account, target in ((family.id, FAMILY_BALANCE), (work.id, WORK_BALANCE)):
            top_up = max(1, target - held[account])
            rows.append(entries.AccountEntry(account, "USD", "redeem", top_up, TODAY))
        entries.append_in_order(session, rows)

        # Needs: BOUGHT bought over the last weeks (purchases for the per-member use) and
        # OPEN_NEEDS still open, a few recurring; prices from 0.99 to 250.00.
        who = [None, "Sam", "Alex", "Robin"]
        priorities = ["must", "high", "normal", "normal", "low"]
        for index in range(BOUGHT + OPEN_NEEDS):
            recurring = index >= BOUGHT and index % 20 == 0
            need = needs.add_need(
                session,
                needs.NeedFields(
                    name=f"need {index}",
                    price=Money(rng.randint(99, 25_000), "USD"),
                    quantity=rng.choice([1, 1, 1, 2, 3]),
                    priority=rng.choice(priorities),
                    by=TODAY + timedelta(days=rng.randint(-10, 120))
                    if rng.random() < 0.6
                    else None,
                    member=rng.choice(who),
                    every="2 weeks" if recurring else None,
                ),
            )
            if index < BOUGHT:
                needs.buy(
                    session,
                    need.id,
                    account="Family",
                    units=None,
                    paid=Money(rng.randint(99, 5_000), "USD"),
                    occurred_on=TODAY - timedelta(days=rng.randint(0, 60)),
                )
        balances = {a.name: entries.balance(session, a) for a in (family, work)}
    database.dispose()
    return balances


def best_of(fn: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def child_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_runs(fn: Callable[[], object]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``RUNS`` runs of a subprocess-running ``fn``."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(RUNS):
        cpu_before = child_cpu()
        started = time.perf_counter()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(child_cpu() - cpu_before)
    return wall, cpu


def main() -> None:
    keep = os.environ.get("GB_BENCH_KEEP")
    with tempfile.TemporaryDirectory(prefix="gb-bench-report-") as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(exist_ok=True)
        db = folder / "bench.db"
        env = {
            **os.environ,
            "GIFTBALANCE_CONFIG_DIR": str(folder / "config"),
            "GIFTBALANCE_DB": str(db),
            "GIFTBALANCE_TODAY": TODAY.isoformat(),
            "MPLCONFIGDIR": str(folder / "mpl"),
        }
        os.environ.update(env)
        started = time.perf_counter()
        balances = build(db)
        build_s = time.perf_counter() - started

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "giftbalance", *args],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )

        cli("report")  # warm the OS file cache and the bytecode cache once
        load_before = os.getloadavg()[0]
        text_times, text_cpu = timed_runs(lambda: cli("report"))
        json_times, json_cpu = timed_runs(lambda: cli("report", "--format", "json"))
        files = [
            "--format",
            "html",
            "--output",
            str(folder / "r.html"),
            "--chart",
            str(folder / "c.png"),
            "--ics",
            str(folder / "o.ics"),
        ]
        all_times, all_cpu = timed_runs(lambda: cli("report", *files))
        help_times, help_cpu = timed_runs(lambda: cli("--help"))
        load_after = os.getloadavg()[0]

        document = json.loads(cli("report", "--format", "json").stdout)
        shown = {a["account"]: a["plan_balance"] for a in document["accounts"]}
        want = {name: format_money(Money(v, "USD"), code=False) for name, v in balances.items()}
        if shown != want:
            print(f"WRONG BALANCES: {shown} != {want}")
            sys.exit(1)
        orders = sum(len(a["orders"]) for a in document["accounts"])

        database = Database("sqlite:///" + str(db))
        loaded: list[object] = []

        def load() -> None:
            with database.read() as session:
                loaded.append(report_load.load(session, day=TODAY, account=None, today=TODAY))

        load_times = best_of(load)
        data = loaded[-1]
        build_times = best_of(lambda: build_report(data))  # type: ignore[arg-type]
        load_cpu: list[float] = []
        build_cpu: list[float] = []
        for _ in range(RUNS):
            started = time.process_time()
            load()
            load_cpu.append(time.process_time() - started)
            started = time.process_time()
            build_report(data)  # type: ignore[arg-type]
            build_cpu.append(time.process_time() - started)
        database.dispose()

    best = min(text_times)
    verdict = "meets" if best < TARGET_S else "MISSES"
    rows = [
        ("`giftbalance report` (text)", text_times, text_cpu),
        ("`giftbalance report --format json`", json_times, json_cpu),
        (
            "`giftbalance report --format html --output ... --chart ... --ics ...`",
            all_times,
            all_cpu,
        ),
        ("start-up alone (`giftbalance --help`)", help_times, help_cpu),
        ("loading alone (`report_load.load`, in process)", load_times, load_cpu),
        ("pure report build alone (`report.build_report`, in process)", build_times, build_cpu),
    ]
    lines = [
        "# Report benchmark",
        "",
        f"`giftbalance report` on a SQLite database with {ENTRIES:,} ledger entries on two "
        f"accounts ({FIRST_DAY} to {TODAY}), {OPEN_NEEDS} open needs (some recurring) and "
        f"{BOUGHT} purchases; the plan has {orders} weekly orders. The database is built "
        f"through the package's own code in one transaction ({build_s:.1f} s). Commands run "
        f"as subprocesses, best of {RUNS}. Produced by `bench/bench_report.py` (`make bench`).",
        "",
        "Wall-clock time is what a user waits; CPU time (user + system) is the work itself, "
        "and does not grow when other programs compete for the processors.",
        "",
        "| measure | wall, best | wall, median | CPU, best |",
        "|---|---:|---:|---:|",
    ]
    for name, times, cpu in rows:
        lines.append(
            f"| {name} | {min(times):.2f} s | {statistics.median(times):.2f} s | {min(cpu):.2f} s |"
        )
    lines += [
        "",
        f"Target: the text report under {TARGET_S:.0f} s. Result: {verdict} the target "
        f"(system load average {load_before:.1f} before the runs, {load_after:.1f} after, "
        f"on {os.cpu_count()} CPUs).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}. "
        f"Run on {datetime.now():%Y-%m-%d}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    REPORT.write_text(text)
    if best >= TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
