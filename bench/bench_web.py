"""Benchmark: the household page (``giftbalance serve``) under load while the CLI writes.

Run with ``.venv/bin/python bench/bench_web.py`` (``make bench``). It builds one SQLite database
through the package's own code (100,000 ledger entries, 1,000 open needs, three members), starts
``giftbalance serve`` on a free loopback port as a user would, signs a browser in with the
owner's link, and then, for 20 seconds at once:

* 8 clients (threads of a separate process, one keep-alive connection each) load the Home and
  Needs pages in turn, as fast as the server answers, and time every request;
* one CLI process spends 0.01 USD in a loop (``giftbalance spend``, each call its own command
  and transaction, through the console script's ``main``), counting the spends it was told
  were logged.

Every spend moves the data version, so the page recomputes its plan and lists after each one:
this measures the page while it cannot simply serve what it kept.

Afterwards it checks: every request answered 200 with the page asked for (zero errors), the
ledger holds exactly the spends the CLI reported (zero lost writes), and the Home page shows the
balance the CLI left. The figures go to stdout and to docs/web-bench.md; exits 1 when a goal
(p99 at most 100 ms, at least 200 requests per second, zero errors, zero lost writes) is missed.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ENTRIES = 100_000
NEEDS = 1_000
CLIENTS = 8
SECONDS = 20.0
GOAL_P99_MS = 100.0
GOAL_RPS = 200.0
SEED = 20261201
TODAY = date(2026, 11, 25)
FIRST_DAY = date(2023, 1, 2)
PAGES = ("/", "/needs")
MARKERS = {"/": "Gift balances", "/needs": "open needs"}
#: The two kinds of CLI loop (see :func:`spender`).
MODES = ("processes", "one process")
LABELS = {"processes": "shell loop", "one process": "one process, flat out"}
REPORT = Path(__file__).resolve().parent.parent / "docs" / "web-bench.md"


def build(db: Path) -> int:
    """The benchmark database; returns the Family account's balance (minor units)."""
    from giftbalance.household import members, needs
    from giftbalance.ledger import accounts, entries
    from giftbalance.storage.db import Database
    from giftbalance.values.money import Money

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
        for name in ("Sam", "Alex", "Robin"):
            members.add_member(session, name)
        rows: list[entries.AccountEntry] = []
        held = 0
        days = (TODAY - FIRST_DAY).days
        for index in range(ENTRIES):
            day = FIRST_DAY + timedelta(days=index * days // ENTRIES)
            if held < 100 or (held < 150_000 and rng.random() < 0.3):
                amount = rng.randint(1_000, 20_000)
                rows.append(entries.AccountEntry(family.id, "USD", "redeem", amount, day))
            else:
                amount = -rng.randint(1, min(held, 5_000))
                rows.append(entries.AccountEntry(family.id, "USD", "spend", amount, day))
            held += amount
        entries.append_in_order(session, rows)
        who = [None, "Sam", "Alex", "Robin"]
        for index in range(NEEDS):
            needs.add_need(
                session,
                needs.NeedFields(
                    name=f"need {index}",
                    price=Money(rng.randint(99, 25_000), "USD"),
                    quantity=rng.choice([1, 1, 2, 3]),
                    priority=rng.choice(["must", "high", "normal", "normal", "low"]),
                    by=TODAY + timedelta(days=rng.randint(-10, 120))
                    if rng.random() < 0.6
                    else None,
                    member=rng.choice(who),
                    every="2 weeks" if index % 20 == 0 else None,
                ),
            )
        balance = entries.balance(session, family)
    database.dispose()
    return balance


def spender(stop_at: float, counts: Any, mode: str) -> None:
    """The CLI in a loop: ``giftbalance spend 0.01`` until ``stop_at``; counts what it logged.

    ``mode`` ``"processes"``: each spend a new ``giftbalance`` process, as a shell loop
    (``while :; do giftbalance spend 0.01; done``) runs it; ``"one process"``: one process
    calling the command's ``main`` again and again, as fast as it can.
    """
    import contextlib
    import io

    from giftbalance.cli import main

    logged = failed = 0
    while time.time() < stop_at:
        if mode == "processes":
            done = subprocess.run(
                [sys.executable, "-m", "giftbalance", "spend", "0.01", "--note", f"bench {mode}"],
                capture_output=True,
                text=True,
            )
            if done.returncode == 0 and "Logged entry" in done.stdout:
                logged += 1
            else:
                failed += 1
            continue
        out = io.StringIO()
        argv, sys.argv = sys.argv, ["giftbalance", "spend", "0.01", "--note", f"bench {mode}"]
        code = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.argv = argv
        if code == 0 and "Logged entry" in out.getvalue():
            logged += 1
        else:
            failed += 1
    counts.put((logged, failed))


def client(port: int, cookie: str, stop_at: float, offset: int, results: list[Any]) -> None:
    """One browser: Home and Needs in turn on one keep-alive connection until ``stop_at``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"giftbalance_session={cookie}"}
    times: list[float] = []
    errors: list[str] = []
    index = offset
    while time.time() < stop_at:
        path = PAGES[index % len(PAGES)]
        index += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {exc!r}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        times.append(time.perf_counter() - started)
        if response.status != 200 or MARKERS[path].encode() not in body:
            errors.append(f"{path}: {response.status}")
    connection.close()
    results.append((times, errors))


def load(port: int, cookie: str, stop_at: float, queue: Any) -> None:
    """The clients, in a process of their own (so they do not share the server's CPU time in
    one interpreter): every latency, in seconds, and every error."""
    results: list[Any] = []
    threads = [
        threading.Thread(target=client, args=(port, cookie, stop_at, k, results))
        for k in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(
        ([t for times, _ in results for t in times], [e for _, errors in results for e in errors])
    )


def sign_in(base_port: int, token: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
    connection.request("GET", f"/signin?token={token}")
    response = connection.getresponse()
    response.read()
    found = re.search(r"giftbalance_session=([^;]+)", response.getheader("set-cookie") or "")
    connection.close()
    if response.status != 200 or found is None:
        raise SystemExit(f"sign-in failed: {response.status}")
    return found.group(1)


def page(port: int, cookie: str, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": f"giftbalance_session={cookie}"})
    body = connection.getresponse().read().decode()
    connection.close()
    return body


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Phase:
    """One run of the load with one kind of CLI loop, and what was checked after it."""

    mode: str
    times: list[float]
    errors: list[str]
    logged: int
    failed: int
    in_ledger: int = 0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    shown: bool = False

    @property
    def rps(self) -> float:
        return len(self.times) / SECONDS

    def ms(self, share: float) -> float:
        return percentile(self.times, share) * 1000

    @property
    def lost(self) -> int:
        return self.logged - self.in_ledger

    @property
    def met(self) -> bool:
        return (
            self.ms(0.99) <= GOAL_P99_MS
            and self.rps >= GOAL_RPS
            and not self.errors
            and self.lost == 0
            and self.failed == 0
            and self.shown
        )


def run_phase(port: int, cookie: str, mode: str) -> Phase:
    """8 clients for SECONDS while the CLI spends in a loop of kind ``mode``."""
    context = multiprocessing.get_context("spawn")
    load_before = os.getloadavg()
    stop_at = time.time() + 1.0 + SECONDS
    spends: Any = context.Queue()
    latencies: Any = context.Queue()
    cli = context.Process(target=spender, args=(stop_at - 1.0, spends, mode))
    clients = context.Process(target=load, args=(port, cookie, stop_at, latencies))
    cli.start()
    time.sleep(1.0)  # the spender's imports, so it is spending when the clients start
    clients.start()
    times, errors = latencies.get(timeout=SECONDS + 120)
    logged, failed = spends.get(timeout=SECONDS + 120)
    clients.join()
    cli.join()
    return Phase(mode, times, errors, logged, failed, 0, load_before, os.getloadavg())


def main() -> None:
    from giftbalance.ledger import accounts, entries, reading
    from giftbalance.storage.db import Database
    from giftbalance.storage.reader import as_reader
    from giftbalance.values.money import show_money

    keep = os.environ.get("GB_BENCH_KEEP")
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="gb-bench-web-") as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(exist_ok=True)
        db = folder / "bench.db"
        if db.exists():
            db.unlink()
        env = {
            **os.environ,
            "GIFTBALANCE_CONFIG_DIR": str(folder / "config"),
            "GIFTBALANCE_DB": str(db),
            "GIFTBALANCE_TODAY": TODAY.isoformat(),
            "PYTHONUNBUFFERED": "1",
        }
        os.environ.update(env)
        started = time.perf_counter()
        build(db)
        build_s = time.perf_counter() - started

        log = (folder / "serve.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "giftbalance", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
        )
        assert server.stdout is not None
        link = None
        for line in server.stdout:
            if line.startswith("http://"):
                link = line.strip()
                break
        if link is None:
            raise SystemExit("giftbalance serve printed no link")
        port = int(link.split(":")[2].split("/")[0])
        token = link.split("token=", 1)[1]
        # The rest of what serve prints (its access log) goes to a file, not a full pipe.
        threading.Thread(
            target=lambda: [log.write(rest) for rest in server.stdout],  # type: ignore[union-attr]
            daemon=True,
        ).start()
        database = Database("sqlite:///" + str(db))
        try:
            cookie = sign_in(port, token)
            for mode in MODES:
                for path in PAGES:  # each page computed once before the clock starts
                    page(port, cookie, path)
                phase = run_phase(port, cookie, mode)
                with database.read() as session:
                    family = accounts.find_account(session, "Family")
                    balance = show_money(entries.balance(session, family), "USD")
                    phase.in_ledger = sum(
                        1
                        for line in reading.log(
                            as_reader(session),
                            account=reading.find_account(as_reader(session), "Family"),
                            since=TODAY,
                        )
                        if line.entry.note == f"bench {mode}"
                    )
                phase.shown = f"<b>{balance}</b>" in page(port, cookie, "/")
                phases.append(phase)
        finally:
            database.dispose()
            server.terminate()
            server.wait(timeout=30)
            log.close()

    def row(name: str, cell: Any, goal: str = "") -> str:
        return f"| {name} | {' | '.join(cell(p) for p in phases)} | {goal} |"

    lines = [
        "# Household page benchmark",
        "",
        f"`giftbalance serve` (uvicorn, one process) on a SQLite database with {ENTRIES:,} ledger "
        f"entries and {NEEDS:,} open needs (three members, some needs recurring), built through "
        f"the package's own code ({build_s:.1f} s). {CLIENTS} clients on loopback (threads of "
        "one separate process, a keep-alive connection each) load the Home and Needs pages in "
        f"turn for {SECONDS:.0f} s, as fast as the server answers, while the CLI runs "
        "`giftbalance spend 0.01` in a loop, in one of two ways:",
        "",
        "- *a shell loop*: each spend a new `giftbalance` process "
        "(`while :; do giftbalance spend 0.01; done`), as a person or a script runs it;",
        "- *one process, flat out*: one process calling the command's `main()` again and "
        "again with no pause (each call still a full command with its own transaction).",
        "",
        "Every spend changes the balance, so the next load of Home plans again (the plan is "
        "kept only while nothing changes; requests that arrive while it is being made share "
        "it); the Needs page does not read the ledger and is kept while the needs do not "
        "change. The goals are for the shell loop; the flat-out loop shows where the page "
        "stops keeping up (each of its writes costs Home one new plan of 1,000 needs). "
        "Produced by `bench/bench_web.py` (`make bench`).",
        "",
        f"| measure | {' | '.join(LABELS[p.mode] for p in phases)} | goal |",
        f"|---|{'---:|' * len(phases)}---|",
        row("requests answered", lambda p: f"{len(p.times):,}"),
        row("requests per second", lambda p: f"{p.rps:.0f}", f"at least {GOAL_RPS:.0f}"),
        row("latency p50", lambda p: f"{p.ms(0.50):.1f} ms"),
        row("latency p99", lambda p: f"{p.ms(0.99):.1f} ms", f"at most {GOAL_P99_MS:.0f} ms"),
        row("latency, slowest", lambda p: f"{max(p.times) * 1000:.0f} ms"),
        row("errors (not 200, or not the page asked for)", lambda p: str(len(p.errors)), "0"),
        row("spends the CLI logged", lambda p: f"{p.logged} ({p.logged / SECONDS:.1f}/s)"),
        row("spends refused", lambda p: str(p.failed), "0"),
        row("lost writes (logged, not in the ledger)", lambda p: str(p.lost), "0"),
        row("Home shows the CLI's last balance", lambda p: "yes" if p.shown else "NO", "yes"),
        row(
            "load average (1 min) before / after",
            lambda p: f"{p.load_before[0]:.1f} / {p.load_after[0]:.1f}",
        ),
        row("result", lambda p: "meets the goals" if p.met else "misses a goal"),
        "",
        f"The machine was shared with other work while this ran (the load averages above, on "
        f"{os.cpu_count()} CPUs); the server, the clients and the CLI all ran on those CPUs.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}. "
        f"Run on {datetime.now():%Y-%m-%d}.",
    ]
    for p in phases:
        if p.errors:
            lines += [
                "",
                f"First errors ({LABELS[p.mode]}):",
                "",
                *[f"- {e}" for e in p.errors[:10]],
            ]
    text = "\n".join(lines) + "\n"
    print(text)
    REPORT.write_text(text)
    # The goals are for the CLI as people run it (the shell loop); the flat-out loop is a stress
    # figure. Errors and lost writes fail either way.
    sound = all(not p.errors and p.lost == 0 and p.failed == 0 and p.shown for p in phases)
    if not (sound and phases[0].met):
        sys.exit(1)


if __name__ == "__main__":
    main()
