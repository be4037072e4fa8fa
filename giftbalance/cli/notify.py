"""``giftbalance notify``: send the weekly report and the reminders through Apprise."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from giftbalance.cli.common import DATE, App, pass_app
from giftbalance.cli.remind import days_option, due_reminders, mark_sent
from giftbalance.errors import Refused

if TYPE_CHECKING:
    from giftbalance.io.notify import Delivery, Message


class DeliveryFailed(Refused):
    """Some services did not take the message; ``details`` says which and why (exit 1)."""


def store_urls(value: str) -> str:
    """``config set notify_urls VALUE``: check and store the URLs; returns what to print."""
    from giftbalance.storage import notify_urls

    urls = notify_urls.split(value)
    if urls:
        from giftbalance.io.notify import check

        check(urls)
    notify_urls.save(urls)
    if not urls:
        return f"{notify_urls.KEY} = (none)"
    count = "1 URL" if len(urls) == 1 else f"{len(urls)} URLs"
    return (
        f"{notify_urls.KEY} = {notify_urls.masked(urls)} ({count} in {notify_urls.path()}, "
        "mode 0600)"
    )


def _send(urls: list[str], message: Message, what: str, quiet: bool) -> list[tuple[str, Delivery]]:
    from giftbalance.io.notify import send

    results = send(urls, message)
    if not quiet:
        for result in results:
            if result.ok:
                form = " (HTML and text)" if result.html else ""
                click.echo(f"Sent {what} to {result.where()}{form}.")
    return [(what, result) for result in results if not result.ok]


def _report_message(app: App, week: date | None, workdir: str) -> Message:
    from pathlib import Path

    from giftbalance.io.notify import Message
    from giftbalance.render.chart import chart_png
    from giftbalance.render.report_document import title
    from giftbalance.render.report_html import report_html
    from giftbalance.render.report_text import report_text
    from giftbalance.report import load as report_load
    from giftbalance.report.weekly import build_report
    from giftbalance.storage.files import write_atomically
    from giftbalance.values.dates import today

    with app.db.read() as session:
        data = report_load.load(session, day=week or today(), account=None, today=today())
    result = build_report(data)
    attachments: tuple[Path, ...] = ()
    if result.accounts:
        chart = Path(workdir) / "burn-down.png"
        write_atomically(chart, chart_png(result))
        attachments = (chart,)
    return Message(
        title=f"giftbalance: {title(result)}",
        text=report_text(result, color=False),
        html=report_html(result),
        attachments=attachments,
    )


@click.command("notify")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--report", "send_report", is_flag=True, help="Send this week's report.")
@click.option(
    "--remind", "send_reminders", is_flag=True, help="Send the reminders not delivered yet."
)
@click.option("--week", type=DATE, help="With --report: any date in the week to report.")
@days_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless something fails.")
@pass_app
def notify(
    app: App,
    urls: tuple[str, ...],
    send_report: bool,
    send_reminders: bool,
    week: date | None,
    days: str,
    quiet: bool,
) -> None:
    """Send the weekly report and/or the reminders to notification services (Apprise URLs;
    without URL: the ones stored with giftbalance config set notify_urls).

    Email gets the report as HTML with its chart beside a plain-text part; other services get
    the text. Reminders are marked delivered only once every service took them; after a
    failure they go out again at the next run. A failure names the service and why, and
    exits 1.

    \b
    Examples:
      giftbalance notify --report --remind
      giftbalance notify 'mailtos://me:app-password@gmail.com' --report
      giftbalance notify 'ntfys://ntfy.sh/my-secret-topic' --remind
      giftbalance notify 'json://127.0.0.1:8080/hook' --remind --days 14,3
    """
    from giftbalance.io.notify import Message, check
    from giftbalance.render.reminders import reminders_text, reminders_title
    from giftbalance.report.reminders import parse_thresholds
    from giftbalance.storage import notify_urls

    if not (send_report or send_reminders):
        raise click.UsageError("say what to send: --report, --remind, or both")
    if week is not None and not send_report:
        raise click.UsageError("--week goes with --report")
    parse_thresholds(days)
    chosen = list(urls) or notify_urls.load()
    check(chosen)

    failed: list[tuple[str, Delivery]] = []
    reminders_unsent = False
    if send_reminders:
        items = due_reminders(app, days)
        if items:
            message = Message(reminders_title(items), reminders_text(items))
            count = "1 reminder" if len(items) == 1 else f"{len(items)} reminders"
            missed = _send(chosen, message, count, quiet)
            if missed:
                failed += missed
                reminders_unsent = True
            else:
                mark_sent(app, items, "notify")
        elif not quiet:
            click.echo("No reminders to send.")
    if send_report:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="giftbalance-notify-") as workdir:
            failed += _send(chosen, _report_message(app, week, workdir), "the report", quiet)
    if failed:
        unsent = (
            "; the reminders stay unsent and go out at the next run" if reminders_unsent else ""
        )
        lines = [f"{f.where()} did not take {what}: {f.reason}" for what, f in failed]
        if len(lines) == 1:
            raise DeliveryFailed(lines[0] + unsent)
        error = DeliveryFailed(f"{len(lines)} deliveries failed{unsent}")
        error.details = tuple(lines)
        raise error


COMMANDS = [notify]
