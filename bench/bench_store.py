"""Benchmark: ``giftbalance store import`` of a five-year order history with its activity.

Run with ``.venv/bin/python bench/bench_store.py`` (``make bench``). It writes a five-year
amazon.com order history (20,000 item rows in the old naming, with addresses and payment
columns, zipped as the store's download) and the gift-card activity of the same years (2,000
rows, pasted as tab-separated text, newest first: redemptions, payments of the orders the gift
balance paid, alone or with a card, and refunds), on a database holding the account and 200
open needs. It times the preview and ``--apply`` as a user runs them (subprocesses, each on a
fresh copy of the database, best of 3) and checks what ``--apply`` wrote. The figures go to
stdout and to docs/store-bench.md. Exits 1 when a best run misses its target.
"""

from __future__ import annotations

import csv
import io
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
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ITEM_ROWS = 20_000
ACTIVITY_ROWS = 2_000
NEEDS = 200
RUNS = 3
PREVIEW_TARGET_S = 2.0
APPLY_TARGET_S = 3.0
SEED = 20261201
START = date(2022, 1, 1)
DAYS = 5 * 365
REPORT = Path(__file__).resolve().parent.parent / "docs" / "store-bench.md"
HEADER = [
    "Website",
    "Order ID",
    "Order Date",
    "Purchase Order Number",
    "Currency",
    "Unit Price",
    "Unit Price Tax",
    "Shipping Charge",
    "Total Discounts",
    "Total Owed",
    "Shipment Item Subtotal",
    "Shipment Item Subtotal Tax",
    "ASIN",
    "Product Condition",
    "Quantity",
    "Payment Instrument Type",
    "Order Status",
    "Shipment Status",
    "Ship Date",
    "Shipping Option",
    "Shipping Address",
    "Billing Address",
    "Carrier Name & Tracking Number",
    "Product Name",
    "Gift Message",
    "Gift Sender Name",
    "Gift Recipient Contact Details",
]
WORDS = [
    "Organic",
    "Coffee",
    "Beans",
    "Diapers",
    "Wipes",
    "Shampoo",
    "Socks",
    "Batteries",
    "Paper",
    "Towels",
    "Dish",
    "Soap",
    "Tea",
    "Notebook",
    "Pencils",
    "Toothpaste",
    "Vitamins",
    "Cereal",
    "Pasta",
    "Olive",
    "Oil",
    "Rice",
    "Charger",
    "Cable",
    "Lamp",
    "Mug",
    "Blanket",
    "Pillow",
    "Towel",
    "Kids",
    "Boots",
    "Gloves",
    "Scarf",
    "Detergent",
    "Sponges",
    "Candles",
    "Puzzle",
    "Crayons",
]


def cents(value: int) -> str:
    return f"{Decimal(value).scaleb(-2):.2f}"


def make_files(folder: Path) -> tuple[Path, Path, list[tuple[str, int]], int]:
    """The activity text and the order-history zip; the needs to add (name, price in cents)
    and the closing balance of the activity."""
    from babel.dates import format_date
    from babel.numbers import format_currency

    rng = random.Random(SEED)
    # The orders first (day, id, items), then which of them the gift balance paid: in date order
    # while the activity has room for their payments and the redemptions that fund them.
    orders: list[tuple[date, str, list[tuple[str, int, int]]]] = []
    rows_left = ITEM_ROWS
    while rows_left > 0:
        day = START + timedelta(days=rng.randrange(DAYS))
        order_id = f"113-{1000000 + len(orders):07d}-{rng.randrange(10**7):07d}"
        count = min(rows_left, rng.choice((1, 1, 2, 2, 3, 4)))
        rows_left -= count
        items = []
        for _ in range(count):
            name = " ".join(rng.sample(WORDS, 4)) + f", {rng.randint(1, 48)} Count"
            price = rng.randint(199, 8999)
            items.append((name, price, price * 8 // 100))
        orders.append((day, order_id, items))
    orders.sort()
    share = ACTIVITY_ROWS * 0.6 / len(orders)
    events: list[tuple[date, str, int]] = []
    payment_of: dict[str, str] = {}
    balance = 0
    for day, order_id, items in orders:
        if len(events) > ACTIVITY_ROWS - 6 or rng.random() >= share:
            continue
        total = sum(price + tax for _, price, tax in items)
        alone = rng.random() < 0.6
        part = total if alone else max(1, total // 2)
        payment_of[order_id] = (
            "Gift Certificate/Card" if alone else "Gift Certificate/Card and Visa - 1234"
        )
        while balance < part:
            amount = rng.choice((2500, 5000, 10000, 20000))
            events.append((day, "Gift Card claimed", amount))
            balance += amount
        events.append((day, f"Payment towards order {order_id}", -part))
        balance -= part
        if rng.random() < 0.1:
            back = max(1, part // 3)
            events.append((day, f"Refund from order {order_id}", back))
            balance += back
    while len(events) < ACTIVITY_ROWS:
        events.append((orders[-1][0], "Gift Card claimed", 2500))
        balance += 2500
    item_rows: list[list[str]] = []
    names: list[str] = []
    for day, order_id, items in orders:
        payment = payment_of.get(order_id, "Visa - 1234")
        for name, price, tax in items:
            names.append(name)
            owed = price + tax
            stamp = f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
            item_rows.append(
                [
                    "Amazon.com", order_id, stamp, "Not Applicable", "USD", cents(price), cents(tax),
                    "0", "0", cents(owed), cents(price), cents(tax), f"B0{rng.randrange(10**8):08d}",
                    "New", "1", payment, "Closed", "Shipped", stamp, "standard",
                    "Jane Doe 1 Main St Springfield IL 62701 United States",
                    "Jane Doe 1 Main St Springfield IL 62701 United States",
                    f"UPS(1Z999AA1{rng.randrange(10**8):08d})", name, "Not Available",
                    "Not Available", "Not Available",
                ]
            )  # fmt: skip
    lines, running = [], 0
    for day, description, amount in events:
        running += amount
        lines.append(
            "\t".join(
                [
                    format_date(day, "long", locale="en_US"),
                    description,
                    format_currency(Decimal(amount).scaleb(-2), "USD", locale="en_US"),
                    format_currency(Decimal(running).scaleb(-2), "USD", locale="en_US"),
                ]
            )
        )
    activity = folder / "activity.txt"
    activity.write_text("Date\tDescription\tAmount\tBalance\n" + "\n".join(reversed(lines)) + "\n")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(item_rows)
    history = folder / "Your Orders.zip"
    with zipfile.ZipFile(history, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "Retail.OrderHistory.1/Retail.OrderHistory.1.csv",
            "\ufeff" + text.getvalue(),
        )
    needs = [
        (" ".join(name.split()[:2]), rng.randint(199, 8999)) for name in rng.sample(names, NEEDS)
    ]
    return activity, history, needs, running


def giftbalance(db: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "giftbalance", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        print(f"giftbalance {' '.join(args)} failed: {done.stderr}")
        sys.exit(1)
    return done


def timed(db: Path, *args: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and output of one command."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = giftbalance(db, *args, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
    return wall, cpu, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gb-bench-store-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "GIFTBALANCE_CONFIG_DIR": str(folder / "config"),
            "GIFTBALANCE_TODAY": START.isoformat(),
        }
        env.pop("GIFTBALANCE_DB", None)
        activity, history, needs, closing = make_files(folder)
        template = folder / "template.db"
        giftbalance(template, "account", "add", "Personal", "--store", "amazon.com", env=env)
        with (folder / "needs.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "price"])
            writer.writerows((name, cents(price)) for name, price in needs)
        giftbalance(template, "need", "import", str(folder / "needs.csv"), env=env)
        env["GIFTBALANCE_TODAY"] = (START + timedelta(days=DAYS + 30)).isoformat()
        files = (str(activity), str(history))
        previews: list[float] = []
        applies: list[float] = []
        cpu: dict[str, list[float]] = {"preview": [], "apply": []}
        summary: dict[str, object] = {}
        for run in range(RUNS):
            db = folder / f"run{run}.db"
            shutil.copy(template, db)
            seconds, used, _ = timed(db, "store", "import", *files, "--json", env=env)
            previews.append(seconds)
            cpu["preview"].append(used)
            seconds, used, out = timed(db, "store", "import", *files, "--apply", "--json", env=env)
            applies.append(seconds)
            cpu["apply"].append(used)
            data = json.loads(out)
            statuses = [e["status"] for e in data["entries"]]
            summary = {
                "new": statuses.count("new"),
                "bought": sum(1 for n in data["needs"] if n["status"] == "bought"),
                "to confirm": sum(1 for n in data["needs"] if n["status"] == "to confirm"),
            }
            if data["difference"] != "0.00" or data["closing_balance"] != cents(closing):
                print(
                    f"WRONG: run {run + 1} ends at {data['balance_after']}, page {cents(closing)}"
                )
                sys.exit(1)
            if summary["new"] != ACTIVITY_ROWS:
                print(f"WRONG: run {run + 1} logged {summary['new']} of {ACTIVITY_ROWS} rows")
                sys.exit(1)
            again = json.loads(giftbalance(db, "store", "import", *files, "--json", env=env).stdout)
            if {e["status"] for e in again["entries"]} != {"already logged"}:
                print(f"WRONG: importing again after run {run + 1} would add entries")
                sys.exit(1)
        sizes = activity.stat().st_size / 1e3, history.stat().st_size / 1e6

    best_preview, best_apply = min(previews), min(applies)
    met = best_preview <= PREVIEW_TARGET_S and best_apply <= APPLY_TARGET_S
    lines = [
        "# Store import benchmark",
        "",
        f"`giftbalance store import` of a five-year amazon.com order history ({ITEM_ROWS:,} item "
        f"rows in the old naming, with addresses and payment columns; a {sizes[1]:.1f} MB zip) "
        f"with the gift-card activity of the same years ({ACTIVITY_ROWS:,} rows, "
        f"{sizes[0]:.0f} kB of pasted text: redemptions, payments of orders paid from the gift "
        f"balance alone or with a card, refunds), on a SQLite database holding the account and "
        f"{NEEDS} open needs. Run as subprocesses, each on a fresh copy of the database, best of "
        f"{RUNS}; every run's result is checked (every row logged, the closing balance agrees, "
        "importing again adds nothing). Produced by `bench/bench_store.py` (`make bench`).",
        "",
        "| measure | best | median | target |",
        "|---|---:|---:|---:|",
        f"| preview (writes nothing) | {best_preview:.2f} s | {statistics.median(previews):.2f} s "
        f"| {PREVIEW_TARGET_S:.0f} s |",
        f"| `--apply` | {best_apply:.2f} s | {statistics.median(applies):.2f} s "
        f"| {APPLY_TARGET_S:.0f} s |",
        f"| preview, CPU time (user + system) | {min(cpu['preview']):.2f} s "
        f"| {statistics.median(cpu['preview']):.2f} s | |",
        f"| `--apply`, CPU time (user + system) | {min(cpu['apply']):.2f} s "
        f"| {statistics.median(cpu['apply']):.2f} s | |",
        "",
        f"Each run logs {summary['new']:,} entries, records {summary['bought']} needs as bought "
        f"and lists {summary['to confirm']} to confirm. Result: "
        f"{'meets' if met else 'MISSES'} the targets.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.1f} at the "
        "end (wall times grow with other load).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    REPORT.write_text(text)
    if not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
