"""The ``giftbalance`` command line: a thin click layer over the domain modules.

Every failure reaches the user as one line ``Error: ...`` on stderr with exit status 2 for bad
input and 1 for refusals, never a traceback (set ``GIFTBALANCE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from giftbalance import __version__
from giftbalance.cli.common import App
from giftbalance.errors import GiftbalanceError


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
    """A click group whose errors are one ``Error:`` line and an exit status."""

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


def _register() -> None:
    from giftbalance.cli import (
        accounts,
        checklist,
        config,
        contacts,
        entries,
        maintenance,
        members,
        needs,
        notify,
        plan,
        reading,
        remind,
        report,
        schedule,
        transfer,
    )

    for module in (
        accounts,
        config,
        entries,
        reading,
        plan,
        members,
        needs,
        contacts,
        checklist,
        maintenance,
        transfer,
        report,
        remind,
        notify,
        schedule,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="giftbalance")
