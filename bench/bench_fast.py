"""Benchmark: the everyday commands at 1,000, 100,000 and 1,000,000 ledger entries.

Run with ``.venv/bin/python bench/bench_fast.py`` (``make bench``); ``--sizes 1000,100000``
measures fewer ledgers, ``--runs N`` changes the number of runs of each command, and
``--before DIR`` (or ``$GIFTBALANCE_BENCH_BEFORE``, for ``make bench``) also times another
checkout of giftbalance (``git archive REV | tar -x -C DIR``) on the same databases, its
runs interleaved with these, for a fair "before" table.

For each size it builds one SQLite database through the package's own code in one write
transaction (three USD accounts, the ledger in bulk with ``entries.append_in_order``, then
three recent redemptions, one of them expiring, 60 needs of which 10 are bought this week,
three members and two support contacts), then times every command of the issue as a user runs
it: a whole subprocess of the installed ``giftbalance`` script, the median of several runs.
Beside them, on the same entries exported by ``giftbalance export --format ledger``, it times
ledger-cli's and hledger's ``bal`` where they are installed, and ``python -c pass`` and
``python -c "import click"`` (the floor every Python command pays).

It also runs each read command once under ``python -X importtime`` and lists the heavy
packages it imported (none of sqlalchemy, alembic, pandas, matplotlib for the read commands).

Commands run as an installed package runs: with its bytecode cached (``PYTHONDONTWRITEBYTECODE``
is dropped from their environment, and each command runs once before it is timed). Each run's
CPU time (user + system) is recorded beside its wall-clock time: the machine is shared, and
CPU time grows less than wall time when other programs compete for the processors.

The figures go to stdout and to docs/fast-bench.md. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench_core import check_ledger, heavy_imports
from bench_core import command as giftbalance_command

SIZES = (1_000, 100_000, 1_000_000)
TODAY = date(2026, 11, 25)  # a Wednesday: the report week starts on Monday 2026-11-23
FIRST_DAY = TODAY - timedelta(days=3650)
OPEN_NEEDS, BOUGHT = 50, 10
RUNS = 7
#: Runs of the other tools at a million entries (hledger takes most of a minute per run there).
SLOW_RUNS = 1
REPORT = Path(__file__).resolve().parent.parent / "docs" / "fast-bench.md"

READ_TARGET_S, WRITE_TARGET_S, PLAN_TARGET_S, REPORT_TARGET_S = 0.10, 0.30, 0.30, 0.60


@dataclass(frozen=True)
class Command:
    """One command of the issue: its label, its arguments, and its target (seconds)."""

    label: str
    args: tuple[str, ...]
    target: float | None
    #: Sizes the target applies to (``None``: every size).
    target_sizes: tuple[int, ...] | None = None
    #: Must import none of :data:`HEAVY` (checked with ``python -X importtime``).
    light: bool = False
    #: Changes the database (run after the read commands).
    writes: bool = False


READS = (
    Command("`giftbalance --version`", ("--version",), READ_TARGET_S, light=True),
    Command("`giftbalance balance`", ("balance",), READ_TARGET_S, light=True),
    Command("`giftbalance log --limit 20`", ("log", "--limit", "20"), READ_TARGET_S, light=True),
    Command("`giftbalance account list`", ("account", "list"), READ_TARGET_S, light=True),
    Command("`giftbalance need list` (50 needs)", ("need", "list"), READ_TARGET_S, light=True),
    Command("`giftbalance member list`", ("member", "list"), READ_TARGET_S, light=True),
    Command(
        "`giftbalance config get week_start`",
        ("config", "get", "week_start"),
        READ_TARGET_S,
        light=True,
    ),
    Command("`giftbalance checklist`", ("checklist",), READ_TARGET_S, light=True),
    Command("`giftbalance plan` (50 needs, 3 accounts)", ("plan",), PLAN_TARGET_S),
    Command("`giftbalance report` (text)", ("report",), REPORT_TARGET_S, target_sizes=(100_000,)),
)
WRITES = (
    Command(
        "`giftbalance add 5.00 --yes`",
        ("add", "5.00", "--yes", "--account", "Family"),
        WRITE_TARGET_S,
        writes=True,
    ),
    Command(
        "`giftbalance spend 1.00`",
        ("spend", "1.00", "--account", "Family"),
        WRITE_TARGET_S,
        writes=True,
    ),
    Command(
        "`giftbalance need add`",
        ("need", "add", "Bench need", "--price", "1.00", "--account", "Family"),
        WRITE_TARGET_S,
        writes=True,
    ),
    Command("`giftbalance need bought`", ("need", "bought", "{need}"), WRITE_TARGET_S, writes=True),
)

# -- the data ---------------------------------------------------------------------------------


def build(path: Path, size: int) -> float:
    """The benchmark database at ``path`` with exactly ``size`` ledger entries; returns the
    seconds it took."""
    from giftbalance.household import contacts, members, needs
    from giftbalance.ledger import accounts, entries
    from giftbalance.storage.db import Database
    from giftbalance.values.money import Money

    started = time.perf_counter()
    database = Database("sqlite:///" + str(path))
    with database.write() as session:
        made = [
            accounts.add_account(
                session,
                name,
                store="amazon.com",
                currency="USD",
                tax_rate=Decimal(rate),
                note=note,
                make_default=name == "Family",
            )
            for name, rate, note in (
                ("Family", "8.875", None),
                ("Work", "0", "a family card was redeemed here by mistake"),
                ("Travel", "0", None),
            )
        ]
        for name in ("Sam", "Alex", "Robin"):
            members.add_member(session, name)
        contacts.add_contact(
            session, channel="chat", summary="asked to move a card to Family", account="Work"
        )
        contacts.add_contact(session, channel="phone", summary="called back", outcome="refused")
        # The bulk: a redemption of 30.00 then three spends of 10.00, so balances stay small,
        # spread over ten years up to ten days ago; 80% of it on Family.
        recent = 3
        bulk = size - recent - BOUGHT
        shares: tuple[int, ...] = (bulk * 8 // 10, bulk * 15 // 100)
        shares += (bulk - sum(shares),)
        last_bulk_day = TODAY - timedelta(days=10)
        span = (last_bulk_day - FIRST_DAY).days
        rows: list[entries.AccountEntry] = []
        for account, share in zip(made, shares, strict=True):
            for index in range(share):
                day = FIRST_DAY + timedelta(days=index * span // max(share, 1))
                redeem = index % 4 == 0
                rows.append(
                    entries.AccountEntry(
                        account.id,
                        "USD",
                        "redeem" if redeem else "spend",
                        3000 if redeem else -1000,
                        day,
                    )
                )
        rows.sort(key=lambda row: row.occurred_on)
        recently = TODAY - timedelta(days=9)
        rows += [
            entries.AccountEntry(
                made[0].id, "USD", "redeem", 40_000, recently, expires_on=TODAY + timedelta(60)
            ),
            entries.AccountEntry(made[1].id, "USD", "redeem", 15_000, recently),
            entries.AccountEntry(made[2].id, "USD", "redeem", 8_000, recently),
        ]
        entries.append_in_order(session, rows)
        who = [None, "Sam", "Alex", "Robin"]
        priorities = ["must", "high", "normal", "normal", "low"]
        for index in range(BOUGHT + OPEN_NEEDS):
            need = needs.add_need(
                session,
                needs.NeedFields(
                    name=f"need {index}",
                    price=Money(199 + (index * 997) % 6000, "USD"),
                    quantity=1 if index < BOUGHT else 1 + index % 3,
                    priority=priorities[index % len(priorities)],
                    by=TODAY + timedelta(days=(index * 7) % 90) if index % 3 else None,
                    member=who[index % len(who)],
                    every="2 weeks" if index >= BOUGHT and index % 10 == 5 else None,
                    account=None if index % 4 else ("Family", "Work", "Travel")[index % 3],
                ),
            )
            if index < BOUGHT:
                needs.buy(
                    session,
                    need.id,
                    account=None if need.account_id else "Family",
                    units=1,
                    paid=None,
                    occurred_on=TODAY - timedelta(days=index % 3),
                )
    database.dispose()
    check(path, size)
    return time.perf_counter() - started


def check(path: Path, size: int) -> None:
    """The benchmark measures what it says: ``size`` entries whose running balances add up,
    and the open needs."""
    check_ledger(path, size)
    connection = sqlite3.connect(path)
    try:
        needs = connection.execute("SELECT count(*) FROM needs WHERE status = 'open'").fetchone()
    finally:
        connection.close()
    assert needs[0] == OPEN_NEEDS, needs


# -- timing -----------------------------------------------------------------------------------


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: Sequence[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds of one run of ``args``, and what it printed."""
    cpu = child_cpu()
    started = time.perf_counter()
    done = subprocess.run(list(args), capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, child_cpu() - cpu, done.stdout


Median = tuple[float, float, float]  # wall (median), CPU (median), CPU (least)


@dataclass
class Figures:
    """Medians (wall, CPU) by row label and size, before and after, and what each command
    imported."""

    times: dict[str, dict[int, Median]] = field(default_factory=dict)
    before: dict[str, dict[int, Median]] = field(default_factory=dict)
    heavy: dict[str, set[str]] = field(default_factory=dict)
    built: dict[int, float] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)


FLOORS = (
    ("`python -c pass`", "pass"),
    ('`python -c "import click"`', "import click"),
    (
        "import SQLAlchemy's ORM and the models (every write's floor)",
        "import giftbalance.storage.models",
    ),
    ("import pandas (the report's floor)", "import pandas"),
)


def measure(sizes: Sequence[int], runs: int, folder: Path, before: Path | None) -> Figures:
    gb = giftbalance_command()
    figures = Figures()

    def record(
        label: str, size: int, got: list[tuple[float, float]], was: list[tuple[float, float]]
    ) -> None:
        median = (
            statistics.median(w for w, _ in got),
            statistics.median(c for _, c in got),
            min(c for _, c in got),
        )
        figures.times.setdefault(label, {})[size] = median
        line = f"  {label}: {median[0]:.3f} s (CPU {median[1]:.3f} s)"
        if was:
            then = (
                statistics.median(w for w, _ in was),
                statistics.median(c for _, c in was),
                min(c for _, c in was),
            )
            figures.before.setdefault(label, {})[size] = then
            line += f"; before {then[0]:.3f} s (CPU {then[1]:.3f} s)"
        print(line, flush=True)

    base_env = {
        **os.environ,
        "GIFTBALANCE_CONFIG_DIR": str(folder / "config"),
        "GIFTBALANCE_TODAY": TODAY.isoformat(),
        "MPLCONFIGDIR": str(folder / "mpl"),
    }
    for name in ("GIFTBALANCE_DB", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH"):
        base_env.pop(name, None)
    for label, code in FLOORS:
        timed([sys.executable, "-c", code], base_env)
        floor = [timed([sys.executable, "-c", code], base_env)[:2] for _ in range(runs)]
        record(label, 0, floor, [])
    added: list[str] = []  # needs made by the timed ``need add`` runs, for ``need bought``

    def args_of(command: Command) -> list[str]:
        return [*gb, *(added.pop(0) if arg == "{need}" else arg for arg in command.args)]

    for size in sizes:
        path = folder / f"ledger-{size}.db"
        print(f"== {size:,} entries", flush=True)
        figures.built[size] = build(path, size)
        print(f"  built in {figures.built[size]:.1f} s", flush=True)
        env = {**base_env, "GIFTBALANCE_DB": str(path)}
        then_env = {**env, "PYTHONPATH": str(before)} if before is not None else None
        figures.load.append(os.getloadavg()[0])
        added.clear()
        for command in (*READS, *WRITES):
            sides = [env] + ([then_env] if then_env is not None else [])
            if not command.writes:
                for side in sides:  # once untimed: the file cache and the bytecode cache
                    timed(args_of(command), side)
            got: list[tuple[float, float]] = []
            was: list[tuple[float, float]] = []
            for _ in range(runs):  # interleaved, so both meet the same load
                for side in sides:
                    wall, cpu, out = timed(args_of(command), side)
                    (got if side is env else was).append((wall, cpu))
                    if made := re.match(r"Added need (\d+):", out):
                        added.append(made.group(1))
            record(command.label, size, got, was)
            if not command.writes and (size == sizes[0] or command.light):
                found = heavy_imports(list(command.args), env)
                figures.heavy.setdefault(command.label, set()).update(found)
        journal = folder / f"ledger-{size}.journal"
        timed([*gb, "export", "--format", "ledger", "--output", str(journal)], env)
        tool_runs = SLOW_RUNS if size >= 1_000_000 else runs
        for tool, label in (("ledger", "ledger-cli `bal`"), ("hledger", "hledger `bal`")):
            if shutil.which(tool) is None:
                print(f"  {label}: not installed", flush=True)
                continue
            args = [tool, "-f", str(journal), "bal"]
            record(label, size, [timed(args, env)[:2] for _ in range(tool_runs)], [])
        figures.load.append(os.getloadavg()[0])
        journal.unlink()
        path.unlink()  # 150 MB for a million entries: free it before the next one
    return figures


# -- the page ---------------------------------------------------------------------------------


def wall(figures: Figures, label: str, size: int) -> float | None:
    found = figures.times.get(label, {}).get(size)
    return None if found is None else found[0]


VERSION = READS[0].label


def work(figures: Figures, label: str, size: int) -> float | None:
    """The least CPU seconds of ``label``'s runs beyond the least of ``--version``'s at the same
    size: what the command does once Python and click have started, as undisturbed as the
    runs got (a busy moment lengthens a run; nothing shortens one)."""
    found, start = figures.times.get(label, {}).get(size), figures.times[VERSION].get(size)
    return None if found is None or start is None else max(found[2] - start[2], 0.0)


def verdicts(figures: Figures, sizes: Sequence[int]) -> list[str]:
    """Every target missed, one line per command.

    A time target is met when the wall-clock median is within it. Flat means the work beyond
    start-up (:func:`work`) at the largest ledger is within 25% (+20 ms) of the smallest's:
    wall-clock medians of runs minutes apart mostly measure how busy the machine was then.
    """
    missed: list[str] = []
    for command in (*READS, *WRITES):
        over = [
            f"{seconds:.3f} s at {size:,}"
            for size in sizes
            if command.target is not None
            and (command.target_sizes is None or size in command.target_sizes)
            and (seconds := wall(figures, command.label, size)) is not None
            and seconds > command.target
        ]
        if over:
            missed.append(f"{command.label} over {command.target:.2f} s: {', '.join(over)}")
        if command.light and figures.heavy.get(command.label):
            heavy = ", ".join(sorted(figures.heavy[command.label]))
            missed.append(f"{command.label} imports {heavy}")
        if command.light and command.label != VERSION and len(sizes) > 1:
            small, big = (
                work(figures, command.label, sizes[0]),
                work(figures, command.label, sizes[-1]),
            )
            if small is not None and big is not None and big > small * 1.25 + 0.02:
                missed.append(
                    f"{command.label} is not flat: {small * 1000:.0f} ms -> {big * 1000:.0f} ms "
                    "of CPU beyond start-up"
                )
    return missed


def target_text(command: Command) -> str:
    if command.target is None:
        return ""
    where = (
        ""
        if command.target_sizes is None
        else " at " + ", ".join(f"{s:,}" for s in command.target_sizes)
    )
    return f"≤ {command.target:.2f} s{where}" + (", flat" if command.light else "")


def write_page(
    figures: Figures, sizes: Sequence[int], missed: list[str], runs: int, before: str | None
) -> None:
    def cell(table: dict[str, dict[int, Median]], label: str, size: int, index: int) -> str:
        found = table.get(label, {}).get(size)
        return "–" if found is None else f"{found[index]:.3f}"

    header = " | ".join(f"{s:,}" for s in sizes)
    rule = "|---|" + "---:|" * len(sizes)
    commands = (*READS, *WRITES)
    tools = [t for t in ("ledger-cli `bal`", "hledger `bal`") if t in figures.times]
    lines = [
        "# Everyday commands benchmark",
        "",
        "Every command of issue 13 as a user runs it: a whole subprocess of the installed "
        "`giftbalance` script on a SQLite ledger of 1,000, 100,000 and 1,000,000 entries, the "
        f"**median of {runs} runs**, in seconds. Produced by `bench/bench_fast.py` "
        "(`make bench`); how the commands read is in "
        "[Performance](performance.md#how-the-everyday-commands-stay-fast).",
        "",
        "The data, per size: three USD accounts (80% of the entries on one), the ledger in "
        "bulk over ten years (a redemption of 30.00 then three spends of 10.00), three recent "
        "redemptions (one expiring), 60 needs of which 10 were bought this week (so 50 open, "
        "some recurring, some for members), three members and two support contacts, built "
        "through the package's own code. ledger-cli and hledger read the same entries, "
        "exported with `giftbalance export --format ledger`"
        f" (at 1,000,000 entries: {SLOW_RUNS} run each).",
        "",
        "## Wall-clock time",
        "",
        f"| command | {header} | target |",
        rule + "---|",
    ]
    for label, _ in FLOORS:
        lines.append(
            f"| {label} | {cell(figures.times, label, 0, 0)} |"
            + " |" * (len(sizes) - 1)
            + " floor |"
        )
    for command in commands:
        row = " | ".join(cell(figures.times, command.label, s, 0) for s in sizes)
        lines.append(f"| {command.label} | {row} | {target_text(command)} |")
    for label in tools:
        row = " | ".join(cell(figures.times, label, s, 0) for s in sizes)
        lines.append(f"| {label} | {row} | (for comparison) |")
    lines += [
        "",
        "Result: "
        + (
            "every target met."
            if not missed
            else "missed:\n\n" + "\n".join(f"- {line}" for line in missed) + "\n"
        ),
        "",
        "A time target is met when the wall-clock median is within it. *Flat* means the CPU "
        "time a command spends beyond `giftbalance --version` (Python, click and the command "
        "line) at 1,000,000 entries is within 25% (+20 ms) of that at 1,000, each the least "
        "of its runs: runs minutes apart on a shared machine meet different loads, so the "
        "medians of different sizes say more about the load than about the ledger.",
        "",
        "Heavy packages imported (`python -X importtime`), by command: "
        + "; ".join(
            f"{c.label}: {', '.join(sorted(figures.heavy.get(c.label, ()))) or 'none'}"
            for c in READS
            if c.label in figures.heavy
        )
        + ".",
        "",
        "## CPU time",
        "",
        "User + system time of the same runs (medians): the work itself, which grows less "
        "than wall-clock time when other programs share the processors.",
        "",
        f"| command | {header} |",
        rule,
    ]
    for label, _ in FLOORS:
        lines.append(f"| {label} | {cell(figures.times, label, 0, 1)} |" + " |" * (len(sizes) - 1))
    for label in [c.label for c in commands] + tools:
        lines.append(
            f"| {label} | " + " | ".join(cell(figures.times, label, s, 1) for s in sizes) + " |"
        )
    if before:
        lines += [
            "",
            "## Before the fast path",
            "",
            f"The same commands from {before}, on the same databases, "
            "their runs interleaved with the runs above so both met the same load (medians; "
            "wall-clock, then CPU, in seconds):",
            "",
            f"| command | {header} |",
            rule,
        ]
        for command in commands:
            row = " | ".join(
                f"{cell(figures.before, command.label, s, 0)} ({cell(figures.before, command.label, s, 1)})"
                for s in sizes
            )
            lines.append(f"| {command.label} | {row} |")
    lines += [
        "",
        f"Built in: {', '.join(f'{figures.built[s]:.1f} s ({s:,})' for s in sizes)}. "
        f"System load average during the runs: {min(figures.load):.1f} to "
        f"{max(figures.load):.1f} on {os.cpu_count()} CPUs (the machine is shared).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()} "
        f"{platform.release()}; {tool_versions()}. Run on {datetime.now():%Y-%m-%d}.",
        "",
    ]
    REPORT.write_text("\n".join(lines))


def tool_versions() -> str:
    found = []
    for tool in ("ledger", "hledger"):
        if shutil.which(tool) is None:
            found.append(f"{tool} not installed")
            continue
        out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
        found.append(out.splitlines()[0].strip() if out else tool)
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--before",
        type=Path,
        default=os.environ.get("GIFTBALANCE_BENCH_BEFORE") or None,
        help="Also time this checkout of giftbalance (default: $GIFTBALANCE_BENCH_BEFORE).",
    )
    parser.add_argument(
        "--before-label",
        default=os.environ.get("GIFTBALANCE_BENCH_BEFORE_LABEL") or None,
        help="What --before is, for the page (e.g. 'commit 785c87b, before the fast path').",
    )
    parser.add_argument("--no-page", action="store_true", help="Do not write docs/fast-bench.md.")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    if options.before is not None and not (options.before / "giftbalance").is_dir():
        parser.error(f"--before {options.before}: no giftbalance package there")
    with tempfile.TemporaryDirectory(prefix="gb-bench-fast-") as folder:
        figures = measure(sizes, options.runs, Path(folder), options.before)
    missed = verdicts(figures, sizes)
    if not options.no_page:
        label = options.before_label or (
            None if options.before is None else f"the checkout in `{options.before}`"
        )
        write_page(figures, sizes, missed, options.runs, label)
        print(f"wrote {REPORT}")
    if missed:
        print("MISSED: " + "; ".join(missed))
        sys.exit(1)
    print("every target met")


if __name__ == "__main__":
    main()
