"""The ``giftbalance`` command line: a thin click layer over the domain modules.

Every failure reaches the user as one line ``Error: ...`` on stderr with exit status 2 for bad
input and 1 for refusals, never a traceback (set ``GIFTBALANCE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from importlib import import_module
from typing import Any

import click

from giftbalance import __version__
from giftbalance.cli.common import App
from giftbalance.errors import GiftbalanceError

#: Every top-level command and the module of :mod:`giftbalance.cli` that defines it (in the
#: module's ``COMMANDS``). A module is imported when one of its commands runs, so a command
#: pays only for its own imports; ``--help``, the docs and the tests load them all.
#: tests/test_fast_path.py checks this table against the modules' ``COMMANDS``.
COMMAND_MODULES = {
    "account": "accounts",
    "add": "entries",
    "backup": "maintenance",
    "balance": "reading",
    "check": "maintenance",
    "checklist": "checklist",
    "config": "config",
    "contact": "contacts",
    "export": "transfer",
    "import": "transfer",
    "log": "reading",
    "member": "members",
    "need": "needs",
    "notify": "notify",
    "plan": "plan",
    "reconcile": "entries",
    "remind": "remind",
    "report": "report",
    "restore": "maintenance",
    "schedule": "schedule",
    "serve": "serve",
    "spend": "entries",
    "store": "store",
    "undo": "entries",
}


#: What ``giftbalance --help`` lists for each command: its one-line summary, so the list is
#: printed without importing every command's module: the first paragraph of the command's
#: help, which click shortens for the list. tests/test_fast_path.py checks each against the
#: command itself.
COMMAND_SUMMARIES = {
    "account": "Create, list, rename and archive store accounts.",
    "add": "Log a redeemed gift card of AMOUNT on an account.",
    "backup": "Copy the database to FILE (mode 0600), safely while other giftbalance processes write.",
    "balance": "Balance per account, and totals per currency.",
    "check": "Check the database: SQLite's integrity_check and foreign_key_check, then the ledger's invariants (balances, reversals, currencies, references).",
    "checklist": "Print the spend-down checklist, with your balances, needs, members and contacts.",
    "config": "Show and change settings (week_start, default_account, page_url, notify_urls).",
    "contact": "Log every contact with the store's support (document everything).",
    "export": "Export the whole database (csv, json) or its ledger as a journal (ledger, beancount).",
    "import": "Import ledger entries from a CSV FILE, or a whole csv/json export.",
    "log": "Ledger entries, oldest first, with the running balance of their account.",
    "member": "Add, list, rename and remove household members.",
    "need": "The needs list: what the household will buy with the balance.",
    "notify": "Send the weekly report and/or the reminders to notification services (Apprise URLs; without URL: the ones stored with giftbalance config set notify_urls).",
    "plan": "What to order in which week so the gift balance is used up on what matters most.",
    "reconcile": "Match the ledger to the balance AMOUNT the store shows, with an adjustment entry.",
    "remind": "What needs attention today, most urgent first, one line each: money expiring within 30, 7 and 1 days (once per threshold), late needs, this week's planned order not bought yet, and accounts not reconciled for more than 30 days.",
    "report": "The weekly report: per account, the week's balance and movements, this week's order, the projection to zero, money expiring within 4 weeks, late and unplanned needs, and what was bought for whom; then the checkout reminders.",
    "restore": "Replace the whole database with the backup FILE, after checking FILE.",
    "schedule": "Run the reminders every day and send the weekly report on the first day of the week (the week_start setting), on this database, by the absolute path of this giftbalance.",
    "serve": "Serve the household page on this database until Ctrl-C: members add what they need from their phones, see the plan and what was bought.",
    "spend": "Record AMOUNT spent from a gift balance (refused if the balance does not cover it).",
    "store": "The store's own records: gift-card activity and order history.",
    "undo": "Reverse the latest entry (or ENTRY_ID) with a reversing entry.",
}


def _database_message(exc: BaseException) -> str | None:
    """A one-line explanation for errors raised by the database driver, else ``None``."""
    module = type(exc).__module__
    if not module.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        return None
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    lowered = text.lower()
    if "full" in lowered:
        return "the database or disk is full; nothing was written"
    if "locked" in lowered or "busy" in lowered:
        return "the database stayed busy (another giftbalance is writing); nothing was written, try again"
    if "readonly" in lowered or "read-only" in lowered:
        return "the database is read-only; nothing was written"
    if "not a database" in lowered or "malformed" in lowered:
        return f"the database file is damaged or not a giftbalance database ({text})"
    return f"database error: {text}"


class GiftbalanceGroup(click.Group):
    """A click group whose errors are one ``Error:`` line and an exit status, and whose
    commands are imported on first use (see :data:`COMMAND_MODULES`)."""

    _registered: MutableMapping[str, click.Command]

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        """Every command, all modules imported (for code that walks them all)."""
        for name in COMMAND_MODULES:
            self._load(name)
        return self._registered

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._registered = value

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:  # pragma: no cover - click's own check
            raise TypeError("Command has no name.")
        self._registered[name] = cmd

    def _load(self, name: str) -> None:
        module = COMMAND_MODULES.get(name)
        if module is None or name in self._registered:
            return
        for command in import_module(f"giftbalance.cli.{module}").COMMANDS:
            self.add_command(command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(cmd_name)
        return self._registered.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self._registered})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from :data:`COMMAND_SUMMARIES` for the commands not
        imported yet, so the list costs no imports; shortened exactly as click shortens help."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self._registered.get(name)
            if command is None and name in COMMAND_SUMMARIES:
                command = click.Command(name, help=COMMAND_SUMMARIES[name])
            if command is None:
                command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message())
            sys.exit(0)
        except click.ClickException as exc:
            message = exc.format_message()
            ctx = getattr(exc, "ctx", None)
            if isinstance(exc, click.UsageError) and ctx is not None:
                message += f" (see '{ctx.command_path} --help')"
            click.echo(f"Error: {message}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Error: aborted; nothing was written", err=True)
            sys.exit(1)
        except GiftbalanceError as exc:
            click.echo(f"Error: {exc}", err=True)
            for detail in exc.details:
                click.echo(f"  {detail}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Error: interrupted; nothing was written", err=True)
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("GIFTBALANCE_DEBUG"):
                raise
            message = _database_message(exc) or (
                f"unexpected {type(exc).__name__}: {exc} (GIFTBALANCE_DEBUG=1 shows details)"
            )
            click.echo(f"Error: {message}", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else 0)
        return result


@click.group(
    "giftbalance", cls=GiftbalanceGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    "db_option",
    metavar="PATH_OR_URL",
    envvar="GIFTBALANCE_DB",
    show_envvar=True,
    help="SQLite file or SQLAlchemy URL (default: giftbalance.db in your user data folder).",
)
@click.version_option(__version__, "--version", prog_name="giftbalance")
@click.pass_context
def cli(ctx: click.Context, db_option: str | None) -> None:
    """Track redeemed gift-card balances and spend them down on purpose.

    \b
    Start here:
      giftbalance account add Personal --store amazon.com --currency USD
      giftbalance add 50.00 --account Personal --from "Aunt May"
      giftbalance balance
    """
    app = App(db_option)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="giftbalance")
