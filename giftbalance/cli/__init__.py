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
