"""``giftbalance schedule``: a crontab or systemd timers that run remind and notify."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from giftbalance.cli.common import App, pass_app

if TYPE_CHECKING:
    from giftbalance.io.schedule import Schedule


def _schedule(app: App, at: str) -> Schedule:
    import os

    from giftbalance.io.schedule import Schedule, parse_time, program
    from giftbalance.storage import settings
    from giftbalance.storage.db import resolve_url, sqlite_path
    from giftbalance.storage.paths import ENV_CONFIG_DIR

    when = parse_time(at)
    url = resolve_url(app.db_option)
    path = sqlite_path(url)
    with app.db.read() as session:
        week_start = settings.get(session, "week_start")
    config_dir = os.environ.get(ENV_CONFIG_DIR)
    return Schedule(
        program=tuple(program()),
        db=str(path.absolute()) if path is not None else url,
        week_start=week_start,
        at=when,
        config_dir=str(os.path.abspath(os.path.expanduser(config_dir))) if config_dir else None,
    )


def _warn_without_urls() -> None:
    from giftbalance.storage import notify_urls

    if not notify_urls.load():
        click.echo(
            "Note: no notify_urls are stored yet; the jobs that notify need them: "
            "giftbalance config set notify_urls 'URL ...'",
            err=True,
        )


@click.command("schedule")
@click.option(
    "--print",
    "print_kind",
    type=click.Choice(["cron", "systemd"]),
    help="Print crontab lines, or systemd user units (a service and a timer per job).",
)
@click.option(
    "--install",
    "install_kind",
    type=click.Choice(["systemd"]),
    help="Write the systemd user units and enable their timers.",
)
@click.option(
    "--at",
    default="08:00",
    show_default=True,
    metavar="HH:MM",
    help="Time of day the jobs run.",
)
@click.option(
    "--no-enable",
    is_flag=True,
    help="With --install: write the units but do not run systemctl.",
)
@pass_app
def schedule(
    app: App, print_kind: str | None, install_kind: str | None, at: str, no_enable: bool
) -> None:
    """Run the reminders every day and send the weekly report on the first day of the week
    (the week_start setting), on this database, by the absolute path of this giftbalance.

    cron runs `giftbalance remind` daily (cron mails what it prints) and `notify --report`
    weekly; the systemd timers run `notify --remind` daily and `notify --report` weekly
    (through the stored notify_urls). --install systemd writes the units under
    $XDG_CONFIG_HOME/systemd/user and enables the timers; it says what it wrote.

    \b
    Examples:
      giftbalance schedule --print cron
      giftbalance schedule --print systemd --at 07:30
      giftbalance schedule --install systemd
    """
    from giftbalance.io import schedule as jobs

    if (print_kind is None) == (install_kind is None):
        raise click.UsageError("give --print cron|systemd or --install systemd")
    if no_enable and install_kind is None:
        raise click.UsageError("--no-enable goes with --install systemd")
    plan = _schedule(app, at)
    if print_kind == "cron":
        click.echo(jobs.crontab(plan), nl=False)
        _warn_without_urls()
        return
    folder = jobs.systemd_folder()
    if print_kind == "systemd":
        click.echo(jobs.systemd_text(plan, folder), nl=False)
        _warn_without_urls()
        return
    from giftbalance.errors import Refused
    from giftbalance.storage import notify_urls

    if not notify_urls.load():
        raise Refused(
            "no notify_urls stored: the timers send the reminders and the report through them; "
            "store them first with giftbalance config set notify_urls 'URL ...'"
        )
    for line in jobs.install_systemd(plan, folder, enable=not no_enable):
        click.echo(line)


COMMANDS = [schedule]
