"""``giftbalance import`` and ``export``: getting money records in and out (docs/import-export.md)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from giftbalance.cli.common import App, FilePath, pass_app
from giftbalance.errors import InputError
from giftbalance.storage.files import write_atomically
from giftbalance.values.money import show_money

if TYPE_CHECKING:
    from giftbalance.io.export import ExportFile
    from giftbalance.io.ledger_csv import CsvTable

EXPORT_FORMATS = ("csv", "json", "ledger", "beancount")


@contextmanager
def _progress(units: int, rows: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for files of more than a few thousand rows: yields the
    callback that advances it (``None``: no bar)."""
    from giftbalance.io.ledger_csv import PROGRESS_ROWS

    if rows <= PROGRESS_ROWS:
        yield None
        return
    with click.progressbar(length=units, label=label, file=sys.stderr) as bar:
        yield bar.update


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a large import allocates a million small
    objects that never form cycles, and the collector would rescan them over and over (a third
    of the import's time at 100,000 rows). Memory is still freed by reference counting."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@click.command("import")
@click.argument("file", metavar="FILE", type=FilePath(dir_okay=False, allow_dash=True))
@click.option(
    "--account",
    "-a",
    "account",
    metavar="NAME",
    help="Account for rows without one (a row naming another account is refused).",
)
@click.option("--dry-run", is_flag=True, help="Check everything and report; write nothing.")
@pass_app
def import_(app: App, file: str, account: str | None, dry_run: bool) -> None:
    """Import ledger entries from a CSV FILE, or a whole csv/json export.

    \b
    A ledger CSV has a header row, e.g.:
      date,account,kind,amount,currency,note
      2026-11-02,Personal,redeem,50.00,USD,birthday card
      2026-11-05,Personal,spend,12.34,USD,paper towels
      2026-11-09,Personal,adjust,-0.50,USD,store shows less
    kind is redeem, spend or adjust; only adjust amounts carry a sign. All rows are checked
    first: any bad row is listed with its line number and nothing is written.

    A file written by `giftbalance export --format json` (or csv, a zip) is restored whole,
    ids and all, into an empty database: giftbalance --db new.db import export.json
    """
    from giftbalance.io import export, ledger_csv
    from giftbalance.io.inputs import read_input

    data, source = read_input(file)
    if export.is_export(data):
        if account is not None:
            raise InputError("--account applies to a ledger CSV, not to a whole export")
        with _collector_paused():
            _restore(app, export.read_export(data, source), dry_run)
        return
    with _collector_paused():
        _import_csv(app, ledger_csv.read_table(data, source), account, dry_run)


def _import_csv(app: App, table: CsvTable, account: str | None, dry_run: bool) -> None:
    from giftbalance.io import ledger_csv

    units = ledger_csv.work_units(table, dry_run=dry_run)
    with _progress(units, len(table.rows), f"Importing {len(table.rows):,} rows") as advance:
        if dry_run:
            with app.db.read() as session:
                result = ledger_csv.import_table(
                    session, table, account=account, dry_run=True, progress=advance
                )
        else:
            with app.db.write() as session:
                result = ledger_csv.import_table(session, table, account=account, progress=advance)
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb} {result.rows:,} {'entry' if result.rows == 1 else 'entries'}:")
    for change in result.accounts:
        click.echo(
            f"  {change.name}: {change.rows:,} rows, balance {show_money(change.before, change.currency)}"
            f" -> {show_money(change.after, change.currency)}"
        )
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _restore(app: App, file: ExportFile, dry_run: bool) -> None:
    from giftbalance.io import export

    entries = len(file.records.get("entries", []))
    with _progress(entries, entries, f"Restoring {entries:,} entries") as advance:
        if dry_run:
            with app.db.read() as session:
                result = export.restore(session, file, dry_run=True)
        else:
            with app.db.write() as session:
                result = export.restore(session, file, progress=advance)
    what = ", ".join(f"{n:,} {table}" for table, n in result.counts.items() if n)
    click.echo(f"{'Would restore' if dry_run else 'Restored'} {what or 'nothing'}.")
    for name, amount, currency in result.balances:
        click.echo(f"  {name}: {show_money(amount, currency)}")
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="json",
    show_default=True,
    help="json or csv (a zip of one CSV per table): everything, re-importable; ledger "
    "(hledger, ledger-cli) or beancount: accounts and entries.",
)
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    type=FilePath(dir_okay=False, allow_dash=True),
    help="Write to FILE (replaced atomically, mode 0600) instead of standard output.",
)
@pass_app
def export_(app: App, fmt: str, output: str | None) -> None:
    """Export the whole database (csv, json) or its ledger as a journal (ledger, beancount).

    \b
    Examples:
      giftbalance export --format json --output backup.json
      giftbalance export --format csv --output backup.zip
      giftbalance export --format ledger > gifts.journal && hledger -f gifts.journal bal
      giftbalance export --format beancount -o gifts.beancount && bean-check gifts.beancount
    """
    from giftbalance.io import export, journals
    from giftbalance.values.dates import now

    to_stdout = output in (None, "-")
    if fmt == "csv" and to_stdout and _stdout_is_terminal():
        raise InputError(
            "the csv export is a zip archive; pass --output FILE.zip or redirect the output"
        )
    if not to_stdout:
        app.guard_outputs(("--output", Path(str(output))))
    with app.db.read() as session:
        if fmt in journals.FORMATS:
            data = journals.render(journals.load(session), fmt).encode()
            summary = ""
        else:
            document = export.build_document(session, exported_at=now())
            data = export.to_zip(document) if fmt == "csv" else export.to_json(document)
            summary = ", ".join(f"{n:,} {t}" for t, n in export.counts(document).items() if n)
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    assert output is not None
    write_atomically(Path(output), data, mode=0o600)
    click.echo(f"Exported {summary or 'accounts and entries'} to {output} ({fmt}).")


COMMANDS = [import_, export_]
