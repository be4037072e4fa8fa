"""``giftbalance report``: the weekly spend-down report (reads only; writes files on request)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from giftbalance.cli.common import DATE, App, FilePath, account_option, pass_app
from giftbalance.errors import InputError
from giftbalance.storage.files import write_atomically

FORMATS = ("text", "markdown", "html", "csv", "json")


def _check_target(path: Path, option: str, suffix: str = "", kind: str = "") -> None:
    """Refuse an output path before doing any work (exit 2); with ``suffix``, a name that does
    not end in it (a chart named ``.txt`` would open in the wrong program)."""
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise InputError(f"{option} {path}: the folder {path.parent} does not exist")
    if suffix and path.suffix.lower() != suffix:
        raise InputError(f"{option} {path}: the file is {kind}; give it a name ending in {suffix}")


@click.command("report")
@click.option("--week", type=DATE, help="Any date in the week to report (default: this week).")
@account_option("Report only this account (default: every active account).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=FilePath(dir_okay=False, path_type=Path),
    help="Write the report to FILE (replaced atomically) instead of printing it.",
)
@click.option(
    "--chart",
    type=FilePath(dir_okay=False, path_type=Path),
    metavar="FILE.png",
    help="Also draw the burn-down chart into this PNG file.",
)
@click.option(
    "--ics",
    type=FilePath(dir_okay=False, path_type=Path),
    metavar="FILE.ics",
    help="Also write the planned orders and the expiry dates (with alarms) into this iCalendar file.",
)
@pass_app
def report(
    app: App,
    week: date | None,
    account: str | None,
    fmt: str,
    output: Path | None,
    chart: Path | None,
    ics: Path | None,
) -> None:
    """The weekly report: per account, the week's balance and movements, this week's order,
    the projection to zero, money expiring within 4 weeks, late and unplanned needs, and what
    was bought for whom; then the checkout reminders.

    \b
    Examples:
      giftbalance report
      giftbalance report --week 2026-11-02 --account Family
      giftbalance report --format html --output report.html --chart burn-down.png --ics orders.ics
    """
    from giftbalance.report import load as report_load
    from giftbalance.report.weekly import build_report
    from giftbalance.values.dates import today

    app.guard_outputs(("--output", output), ("--chart", chart), ("--ics", ics))
    if output is not None:
        _check_target(output, "--output")
    if chart is not None:
        _check_target(chart, "--chart", ".png", "a PNG image")
    if ics is not None:
        _check_target(ics, "--ics", ".ics", "an iCalendar file")
    fmt = fmt.lower()
    # These show the week-by-week history (html in its chart); text and markdown read only
    # the report week and the balances before it.
    history = fmt in ("json", "csv", "html") or chart is not None
    with app.reader() as reader:
        data = report_load.load(
            reader, day=week or today(), account=account, today=today(), history=history
        )
    result = build_report(data)

    if fmt == "text":
        from giftbalance.render.report_text import report_text

        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = report_text(result, color=color)
    elif fmt == "markdown":
        from giftbalance.render.report_markdown import report_markdown

        text = report_markdown(result)
    elif fmt == "html":
        from giftbalance.render.report_html import report_html

        text = report_html(result)
    elif fmt == "csv":
        from giftbalance.render.report_csv import report_csv

        text = report_csv(result)
    else:
        from giftbalance.render.report_json import report_json

        text = report_json(result)

    # Everything is rendered before any file is touched, so a failure leaves no file changed.
    files: list[tuple[Path, bytes, str]] = []
    if chart is not None:
        from giftbalance.render.chart import chart_png

        files.append((chart, chart_png(result), f"Chart: {chart}"))
    if ics is not None:
        from giftbalance.render.calendar import calendar_ics

        ics_data = calendar_ics(result)
        orders = ics_data.count(b"UID:order-")
        expiries = ics_data.count(b"UID:expiry-")
        counted = f"{orders} planned order{'' if orders == 1 else 's'}"
        if expiries:
            counted += f", {expiries} expiry date{'' if expiries == 1 else 's'}"
        files.append((ics, ics_data, f"Calendar: {ics} ({counted})"))
    if output is not None:
        files.append((output, text.encode("utf-8"), f"Report: {output}"))
    else:
        click.echo(text, nl=False)
    for path, content, _ in files:
        write_atomically(path, content)
    # Where the files went: on stdout when the report itself went to a file, else on stderr,
    # so a report piped on stdout (csv, json) stays clean.
    for _, _, line in files:
        click.echo(line, err=output is None)


COMMANDS = [report]
