"""Reading the ledger for the everyday commands: accounts, balances, the log.

Everything here reads through :mod:`giftbalance.storage.queries` on a
:class:`~giftbalance.storage.reader.Reader` and returns plain records, and nothing here
imports SQLAlchemy, so ``giftbalance balance`` or ``log`` starts in the time Python and click
take. The writing side (:mod:`giftbalance.ledger.accounts`, :mod:`giftbalance.ledger.entries`)
works on SQLAlchemy sessions and shares its rules and messages with this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from giftbalance.errors import NotFound
from giftbalance.storage import queries, settings
from giftbalance.storage.queries import AccountRow, EntryRow
from giftbalance.storage.reader import Reader

NO_ACCOUNT_HELP = (
    "no account yet; create the account the card was redeemed on first, e.g.: "
    "giftbalance account add Personal --store amazon.com --currency USD"
)


def name_key(name: str) -> str:
    """Names are compared case-insensitively (``Work`` and ``work`` are the same account)."""
    return name.strip().casefold()


def no_such_account(name: str, known: Sequence[str]) -> NotFound:
    """The refusal for an unknown account name, listing the active accounts' names."""
    hint = f" (accounts: {', '.join(known)})" if known else f"; {NO_ACCOUNT_HELP}"
    return NotFound(f"no account called {name!r}{hint}")


def accounts(reader: Reader, *, include_archived: bool = False) -> list[AccountRow]:
    """Accounts by name: the active ones, or all of them."""
    return queries.accounts(reader, include_archived=include_archived)


def find_account(reader: Reader, name: str) -> AccountRow:
    """The account called ``name`` (any case, archived or not); :class:`NotFound` lists the
    active ones."""
    found = queries.account_by_key(reader, name_key(name))
    if found is None:
        raise no_such_account(name, [a.name for a in accounts(reader)])
    return found


def default_account(reader: Reader) -> AccountRow | None:
    """The account set with ``config set default_account`` (archived or not), if any."""
    value = settings.value(reader, "default_account")
    return queries.account_by_id(reader, int(value)) if value else None


def balance(reader: Reader, account: AccountRow) -> int:
    """The account's balance in minor units (one indexed lookup)."""
    return queries.balance(reader, account.id)


def totals_by_currency(pairs: Sequence[tuple[AccountRow, int]]) -> dict[str, int]:
    """The balances added up per currency, by currency code."""
    totals: dict[str, int] = {}
    for account, amount in pairs:
        totals[account.currency] = totals.get(account.currency, 0) + amount
    return dict(sorted(totals.items()))


@dataclass(frozen=True, slots=True)
class LogLine:
    """One entry of the log, with its account's name."""

    entry: EntryRow
    account: str


def log(
    reader: Reader,
    *,
    account: AccountRow | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> list[LogLine]:
    """Entries oldest first, filtered by account and date; ``limit`` keeps the newest N."""
    rows = queries.log(
        reader,
        account_id=None if account is None else account.id,
        since=since,
        until=until,
        limit=limit,
    )
    return [LogLine(entry, name) for entry, name in reversed(rows)]
