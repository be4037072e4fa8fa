"""Store accounts: the places a gift balance was redeemed on, and which one a command acts on.

Every function works inside a session the caller opened (one transaction per command).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from giftbalance.errors import DatabaseError, InputError, NotFound, Refused
from giftbalance.ledger.entries import balance
from giftbalance.ledger.reading import NO_ACCOUNT_HELP as NO_ACCOUNT_HELP
from giftbalance.ledger.reading import name_key as name_key
from giftbalance.ledger.reading import no_such_account
from giftbalance.storage import settings
from giftbalance.storage.models import Account
from giftbalance.values.dates import now
from giftbalance.values.money import currency_digits, show_money
from giftbalance.values.text import note_text, required_line

MAX_NAME = 100


def clean_name(name: str, what: str = "name") -> str:
    """``name`` with its white space collapsed; :class:`InputError` when it is empty, too long,
    or holds control or text-direction characters (they would garble every table it is in)."""
    return required_line(name, what, max_length=MAX_NAME)


def accounts(session: Session, *, include_archived: bool = False) -> list[Account]:
    query = select(Account).order_by(Account.name_key)
    if not include_archived:
        query = query.where(Account.archived_at.is_(None))
    return list(session.scalars(query))


def find_account(session: Session, name: str) -> Account:
    """The account called ``name`` (any case); :class:`NotFound` lists the known names."""
    account = session.scalars(select(Account).where(Account.name_key == name_key(name))).first()
    if account is None:
        raise no_such_account(name, [a.name for a in accounts(session)])
    return account


def find_account_by_id(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    return account


def default_account(session: Session) -> Account | None:
    value = settings.get(session, "default_account")
    if not value:
        return None
    if settings.stored_problem("default_account", value) is not None:
        raise DatabaseError(
            f"the default_account setting holds {value[:40]!r}, not an account id; set it "
            "again with: giftbalance config set default_account NAME"
        )
    return session.get(Account, int(value))


def set_default_account(session: Session, account: Account | None) -> None:
    settings.put(session, "default_account", str(account.id) if account else "")


def resolve_account(
    session: Session,
    name: str | None,
    *,
    choose: Callable[[list[Account]], Account] | None = None,
    for_writing: bool = True,
) -> Account:
    """The account a command acts on: ``--account``, else the default, else the only one.

    With several accounts and no default, ``choose`` (the CLI's prompt) picks one; without it
    the command is refused with a hint.
    """
    account: Account | None
    if name is not None:
        account = find_account(session, name)
    else:
        account = default_account(session)
        if account is None or account.archived_at is not None:
            active = accounts(session)
            if not active:
                raise Refused(NO_ACCOUNT_HELP)
            if len(active) == 1:
                account = active[0]
            elif choose is not None:
                account = choose(active)
            else:
                names = ", ".join(a.name for a in active)
                raise InputError(
                    f"several accounts ({names}): pass --account NAME, or set one with "
                    "giftbalance config set default_account NAME"
                )
    if for_writing and account.archived_at is not None:
        raise Refused(f"account {account.name!r} is archived")
    return account


def add_account(
    session: Session,
    name: str,
    *,
    store: str,
    currency: str,
    tax_rate: Decimal,
    note: str | None,
    make_default: bool,
) -> Account:
    name = clean_name(name, "account name")
    store = clean_name(store, "store")
    exists = session.scalars(select(Account).where(Account.name_key == name_key(name))).first()
    if exists is not None:
        raise Refused(f"an account called {exists.name!r} already exists")
    account = Account(
        name=name,
        name_key=name_key(name),
        store=store,
        currency=currency,
        tax_rate=str(tax_rate),
        egift_minimum=10 ** currency_digits(currency),
        note=note_text(note),
        created_at=now(),
    )
    session.add(account)
    session.flush()
    if make_default:
        set_default_account(session, account)
    return account


def rename_account(session: Session, old: str, new: str) -> Account:
    account = find_account(session, old)
    new = clean_name(new, "account name")
    clash = session.scalars(select(Account).where(Account.name_key == name_key(new))).first()
    if clash is not None and clash.id != account.id:
        raise Refused(f"an account called {clash.name!r} already exists")
    account.name = new
    account.name_key = name_key(new)
    return account


def archive_account(session: Session, name: str) -> Account:
    account = find_account(session, name)
    if account.archived_at is not None:
        raise Refused(f"account {account.name!r} is already archived")
    left = balance(session, account)
    if left:
        raise Refused(
            f"account {account.name!r} still holds {show_money(left, account.currency)}; spend it down, "
            "or record what the store shows with giftbalance reconcile, before archiving"
        )
    account.archived_at = now()
    if (current := default_account(session)) is not None and current.id == account.id:
        set_default_account(session, None)
    return account
