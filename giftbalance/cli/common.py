"""What every command shares: the application context, option decorators, parameter types,
prompts and output helpers. Only light modules are imported here (click and the stdlib), so
``giftbalance --help`` stays fast; commands import the domain inside their bodies.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from giftbalance.errors import InputError
from giftbalance.values.dates import iso

__all__ = ["iso"]  # the one ISO date writer, for the commands' JSON

if TYPE_CHECKING:
    from giftbalance.storage.db import Database
    from giftbalance.storage.models import Account
    from giftbalance.storage.reader import Reader
    from giftbalance.values.money import Money

F = TypeVar("F", bound=Callable[..., Any])


class AmountCommand(click.Command):
    """A command whose AMOUNT argument may be typed negative by mistake (``spend -5``): say
    that amounts are positive, instead of click's "No such option '-5'"."""

    negative_hint = " (to correct an entry, reverse it with giftbalance undo ENTRY_ID)"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        typed_args = list(args)  # click's parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            typed = next((a for a in typed_args if a.startswith(exc.option_name)), "")
            if not re.fullmatch(r"-[\d.,]+", typed):
                raise
            raise click.UsageError(
                f"amount must be positive: '{typed}'{self.negative_hint}", ctx
            ) from None


class App:
    """The application context: which database, opened on first use."""

    def __init__(self, db_option: str | None) -> None:
        self.db_option = db_option

    @cached_property
    def url(self) -> str:
        from giftbalance.storage.paths import resolve_url

        return resolve_url(self.db_option)

    @cached_property
    def db(self) -> Database:
        """The database through SQLAlchemy: for writes (created or upgraded first if need be)."""
        from giftbalance.storage.db import Database

        return Database(self.url)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """One read snapshot for a read command: plain SQL through ``sqlite3`` on a SQLite
        file, without importing SQLAlchemy (see :mod:`giftbalance.storage.reader`)."""
        from giftbalance.storage.reader import snapshot

        with snapshot(self.url, lambda: self.db) as reader:
            yield reader

    @cached_property
    def db_file(self) -> Path | None:
        """The SQLite file in use (``None`` on a server), known without opening it."""
        from giftbalance.storage.paths import sqlite_path

        return sqlite_path(self.url)

    def guard_outputs(self, *targets: tuple[str, Path | None]) -> None:
        """Refuse (exit 2) output files that would destroy something: a database (this one, the
        default one, any SQLite file) or its side files, a file of the config folder, a device,
        or another output of the same command (:func:`giftbalance.storage.files.guard_outputs`).
        ``None`` targets (options not given) are skipped."""
        from giftbalance.storage.files import guard_outputs

        given = [(label, path) for label, path in targets if path is not None]
        if given:
            guard_outputs(given, database=self.db_file)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()


pass_app = click.make_pass_decorator(App)


class DateType(click.ParamType):  # type: ignore[type-arg]
    """A date as users type it (``2026-11-25``, ``Nov 25``, ``yesterday``)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from giftbalance.values.dates import DateError, parse_date

        try:
            return parse_date(value)
        except DateError as exc:
            self.fail(str(exc), param, ctx)


class DateTimeType(click.ParamType):  # type: ignore[type-arg]
    """A local date and time (``2026-11-25 14:30``, ``now``)."""

    name = "DATETIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        from giftbalance.values.dates import DateError, parse_datetime

        try:
            return parse_datetime(value)
        except DateError as exc:
            self.fail(str(exc), param, ctx)


class WholeNumberType(click.ParamType):  # type: ignore[type-arg]
    """A whole number in ASCII digits from ``minimum`` to ``maximum`` (by default what a 64-bit
    database column holds): ``٥``, ``1_000``, ``+5`` and numbers past the maximum are refused
    (exit 2), where click's own INT would take them and the database driver would overflow
    (:func:`giftbalance.values.numbers.parse_whole`)."""

    name = "INTEGER"

    def __init__(self, minimum: int = 1, maximum: int | None = None) -> None:
        from giftbalance.values.numbers import INT64_MAX

        self.minimum = minimum
        self.maximum = INT64_MAX if maximum is None else maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        from giftbalance.values.numbers import parse_whole

        what = param.human_readable_name if param is not None else "the number"
        try:
            return parse_whole(value, what, minimum=self.minimum, maximum=self.maximum)
        except InputError as exc:
            self.fail(str(exc).removeprefix(f"{what} "), param, ctx)

    def __repr__(self) -> str:
        return f"WholeNumber({self.minimum}, {self.maximum})"


class FilePath(click.Path):
    """click's Path, which first refuses (exit 2) a name no file can have: a NUL character, or
    longer than the system allows (:func:`giftbalance.storage.files.check_path`); click's own
    check would fail on those with an internal error."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value != "-":
            from giftbalance.storage.files import check_path

            try:
                check_path(value)
            except InputError as exc:
                self.fail(str(exc), param, ctx)
        return super().convert(value, param, ctx)


DATE = DateType()
DATETIME = DateTimeType()
#: An id of a row (entry, need, contact, member): ids are INTEGER columns, which hold up to
#: 2**31-1 on PostgreSQL, so a larger id is refused on every database alike.
ID = WholeNumberType(1, 2**31 - 1)
#: A count typed by the user (units, a limit): 1 and up, ASCII digits.
COUNT = WholeNumberType()


def account_option(
    help_text: str = "Account to use (default: the default or only account).",
) -> Callable[[F], F]:
    return click.option("--account", "-a", "account", metavar="NAME", help=help_text)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def yes_option(func: F) -> F:
    return click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")(func)


def note_option(func: F) -> F:
    return click.option("--note", metavar="TEXT", help="A free-text note.")(func)


def parse_amount(text: str, currency: str, *, allow_zero: bool = False) -> Money:
    """User text to :class:`Money` in ``currency``; bad text is a usage error (exit 2)."""
    from giftbalance.values.money import MoneyError, parse_money

    try:
        return parse_money(text, currency, allow_zero=allow_zero)
    except MoneyError as exc:
        raise InputError(str(exc)) from None


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def choose_account(accounts: Sequence[Account]) -> Account:
    """Ask which account to use (a terminal only; scripts must say --account)."""
    names = ", ".join(a.name for a in accounts)
    if not stdin_is_terminal():
        raise InputError(
            f"several accounts ({names}) and no terminal to ask: pass --account NAME, or set "
            "one with giftbalance config set default_account NAME"
        )
    by_key = {a.name.casefold(): a for a in accounts}

    def pick(answer: str) -> Account:
        chosen = by_key.get(" ".join(answer.split()).casefold())
        if chosen is None:
            raise click.BadParameter(f"no account called {answer!r}; type one of: {names}")
        return chosen

    picked: Account = click.prompt(f"Which account? ({names})", value_proc=pick)
    return picked


def confirm(question: str, yes: bool) -> None:
    """Ask ``question``; a "no" stops the command with nothing written (exit 1)."""
    if yes:
        return
    if not click.confirm(question, default=False):
        raise click.Abort()


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
