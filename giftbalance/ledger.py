"""Accounts and the append-only ledger: redemptions, spends, adjustments, reversals, balances.

Every function works inside a session the caller opened (one transaction per command). Rows of
``entries`` are only ever inserted: a correction is a new entry. :func:`append` is the one place
an entry is written; it derives ``balance_after`` from the account's last entry and refuses to
take the balance below zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from giftbalance import settings
from giftbalance.dates import now
from giftbalance.errors import InputError, NotFound, Refused
from giftbalance.models import Account, Entry
from giftbalance.money import Money, currency_digits, format_money

NO_ACCOUNT_HELP = (
    "no account yet; create the account the card was redeemed on first, e.g.: "
    "giftbalance account add Personal --store amazon.com --currency USD"
)
MAX_NAME = 100


def name_key(name: str) -> str:
    """Names are compared case-insensitively (``Work`` and ``work`` are the same account)."""
    return name.strip().casefold()


def clean_name(name: str, what: str = "name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InputError(f"the {what} cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise InputError(f"the {what} is longer than {MAX_NAME} characters")
    return cleaned


def fmt(amount: int, currency: str) -> str:
    """Minor units shown to a person, e.g. ``1,234.50 USD``."""
    return format_money(Money(amount, currency), grouping=True)


# -- accounts ---------------------------------------------------------------------------------


def accounts(session: Session, *, include_archived: bool = False) -> list[Account]:
    query = select(Account).order_by(Account.name_key)
    if not include_archived:
        query = query.where(Account.archived_at.is_(None))
    return list(session.scalars(query))


def find_account(session: Session, name: str) -> Account:
    """The account called ``name`` (any case); :class:`NotFound` lists the known names."""
    account = session.scalars(select(Account).where(Account.name_key == name_key(name))).first()
    if account is None:
        known = [a.name for a in accounts(session)]
        hint = f" (accounts: {', '.join(known)})" if known else f"; {NO_ACCOUNT_HELP}"
        raise NotFound(f"no account called {name!r}{hint}")
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
        note=note,
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
            f"account {account.name!r} still holds {fmt(left, account.currency)}; spend it down, "
            "or record what the store shows with giftbalance reconcile, before archiving"
        )
    account.archived_at = now()
    if (current := default_account(session)) is not None and current.id == account.id:
        set_default_account(session, None)
    return account


# -- balances ---------------------------------------------------------------------------------


def balance(session: Session, account: Account) -> int:
    """The account's balance in minor units: its latest entry's ``balance_after`` (indexed)."""
    value = session.scalars(
        select(Entry.balance_after)
        .where(Entry.account_id == account.id)
        .order_by(Entry.id.desc())
        .limit(1)
    ).first()
    return value or 0


@dataclass(frozen=True, slots=True)
class Lot:
    """Part of a balance that expires: ``amount`` minor units unspent, gone on ``expires_on``."""

    amount: int
    expires_on: date
    entry_id: int


def expiring_lots(session: Session, account: Account) -> list[Lot]:
    """What is left of each redemption that has an expiry date, soonest first.

    Money leaving the account is taken from the soonest-expiring lot first (the careful
    assumption, and what a plan spends first); money arriving without an expiry date does not
    refill lots. Reversing a redemption removes its lot.
    """
    rows = session.execute(
        select(Entry.id, Entry.kind, Entry.amount, Entry.expires_on, Entry.reverses_id)
        .where(Entry.account_id == account.id)
        .order_by(Entry.id)
    ).all()
    left: dict[int, int] = {}
    due: dict[int, date] = {}
    for entry_id, kind, amount, expires_on, reverses_id in rows:
        if kind == "redeem" and expires_on is not None:
            left[entry_id], due[entry_id] = amount, expires_on
            continue
        if kind == "reversal" and reverses_id in left:
            # The reversal takes back what is left of the lot; the rest came from other money.
            amount += left.pop(reverses_id)
        owed = -amount
        for lot_id in sorted(left, key=lambda i: (due[i], i)):
            if owed <= 0:
                break
            take = min(owed, left[lot_id])
            left[lot_id] -= take
            owed -= take
    lots = [Lot(amount, due[i], i) for i, amount in left.items() if amount > 0]
    return sorted(lots, key=lambda lot: (lot.expires_on, lot.entry_id))


# -- entries ----------------------------------------------------------------------------------


def append(
    session: Session,
    account: Account,
    kind: str,
    amount: int,
    *,
    occurred_on: date,
    note: str | None = None,
    **fields: object,
) -> Entry:
    """Insert one entry and its running balance; refuse a balance below zero.

    The caller's write transaction holds the database's write lock, so the last balance read
    here cannot change before the insert commits.
    """
    if amount == 0:
        raise Refused("an entry of zero changes nothing")
    before = balance(session, account)
    after = before + amount
    if after < 0:
        raise Refused(
            f"the balance of {account.name} is {fmt(before, account.currency)}; "
            f"cannot take {fmt(-amount, account.currency)} from it"
        )
    entry = Entry(
        account_id=account.id,
        kind=kind,
        amount=amount,
        currency=account.currency,
        balance_after=after,
        occurred_on=occurred_on,
        recorded_at=now(),
        note=note,
        **fields,
    )
    session.add(entry)
    session.flush()
    return entry


def _check_money(account: Account, money: Money) -> None:
    if money.currency != account.currency:
        raise InputError(
            f"amount is in {money.currency} but {account.name} is in {account.currency}"
        )


def live_code_entry(session: Session, code_hmac: str) -> Entry | None:
    """The redemption that logged this claim code and has not been reversed, if any."""
    reversal = aliased(Entry)
    return session.scalars(
        select(Entry)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(Entry.code_hmac == code_hmac, reversal.id.is_(None))
        .order_by(Entry.id)
        .limit(1)
    ).first()


def refuse_known_code(session: Session, code: tuple[str, str]) -> None:
    """Refuse a claim code already logged (and not undone), naming when and where."""
    first = live_code_entry(session, code[1])
    if first is not None:
        owner = find_account_by_id(session, first.account_id)
        raise Refused(
            f"claim code ****{code[0]} was already logged on {first.occurred_on} "
            f"to account {owner.name} (entry {first.id})"
        )


def redeem(
    session: Session,
    account: Account,
    money: Money,
    *,
    occurred_on: date,
    giver: str | None = None,
    note: str | None = None,
    expires_on: date | None = None,
    code: tuple[str, str] | None = None,
) -> Entry:
    """Log a redeemed gift card. ``code`` is ``(last4, hmac)`` from :func:`codes.protect`."""
    _check_money(account, money)
    if expires_on is not None and expires_on < occurred_on:
        raise InputError(
            f"the expiry date {expires_on} is before the redemption date {occurred_on}"
        )
    last4, code_hmac = code if code else (None, None)
    if code is not None:
        refuse_known_code(session, code)
    return append(
        session,
        account,
        "redeem",
        money.minor,
        occurred_on=occurred_on,
        note=note,
        giver=giver,
        expires_on=expires_on,
        code_last4=last4,
        code_hmac=code_hmac,
    )


def spend(
    session: Session, account: Account, money: Money, *, occurred_on: date, note: str | None = None
) -> Entry:
    """Record money spent from the gift balance; refused when the balance does not cover it."""
    _check_money(account, money)
    return append(session, account, "spend", -money.minor, occurred_on=occurred_on, note=note)


def find_entry(session: Session, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(f"no entry {entry_id}")
    return entry


def reversal_of(session: Session, entry: Entry) -> Entry | None:
    return session.scalars(select(Entry).where(Entry.reverses_id == entry.id)).first()


def undo_target(session: Session, entry_id: int | None, account: Account | None = None) -> Entry:
    """The entry ``undo`` would reverse: the given one, or the latest one not yet undone."""
    if entry_id is not None:
        entry = find_entry(session, entry_id)
    else:
        reversal = aliased(Entry)
        query = (
            select(Entry)
            .outerjoin(reversal, reversal.reverses_id == Entry.id)
            .where(Entry.kind != "reversal", reversal.id.is_(None))
            .order_by(Entry.id.desc())
            .limit(1)
        )
        if account is not None:
            query = query.where(Entry.account_id == account.id)
        found = session.scalars(query).first()
        if found is None:
            raise Refused("nothing to undo")
        entry = found
    if entry.kind == "reversal":
        raise Refused(f"entry {entry.id} is itself a reversal; record the entry again instead")
    done = reversal_of(session, entry)
    if done is not None:
        raise Refused(f"entry {entry.id} was already reversed by entry {done.id}")
    return entry


def reverse(session: Session, entry: Entry, *, note: str | None = None) -> Entry:
    """Append the reversing entry of ``entry`` (checked by :func:`undo_target`)."""
    account = session.get(Account, entry.account_id)
    assert account is not None
    before = balance(session, account)
    if before - entry.amount < 0:
        raise Refused(
            f"cannot undo entry {entry.id}: its {fmt(entry.amount, entry.currency)} was already "
            f"spent (balance {fmt(before, entry.currency)})"
        )
    return append(
        session,
        account,
        "reversal",
        -entry.amount,
        occurred_on=entry.occurred_on,
        note=note or f"undo of entry {entry.id}",
        reverses_id=entry.id,
    )


def reconcile(
    session: Session, account: Account, store_balance: Money, *, occurred_on: date
) -> Entry | None:
    """Record an adjustment so the ledger matches what the store shows (``None``: it matches)."""
    _check_money(account, store_balance)
    difference = store_balance.minor - balance(session, account)
    if difference == 0:
        return None
    return append(
        session,
        account,
        "adjust",
        difference,
        occurred_on=occurred_on,
        note=f"reconciled to {fmt(store_balance.minor, account.currency)} shown by the store",
    )


@dataclass(frozen=True, slots=True)
class LogLine:
    entry: Entry
    account: str


def log(
    session: Session,
    *,
    account: Account | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> list[LogLine]:
    """Entries oldest first, filtered by account and date; ``limit`` keeps the newest N."""
    query = select(Entry, Account.name).join(Account, Account.id == Entry.account_id)
    if account is not None:
        query = query.where(Entry.account_id == account.id)
    if since is not None:
        query = query.where(Entry.occurred_on >= since)
    if until is not None:
        query = query.where(Entry.occurred_on <= until)
    query = query.order_by(Entry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = [LogLine(entry, name) for entry, name in session.execute(query).all()]
    rows.reverse()
    return rows


def totals_by_currency(pairs: Sequence[tuple[Account, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for account, amount in pairs:
        totals[account.currency] = totals.get(account.currency, 0) + amount
    return dict(sorted(totals.items()))


def entry_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Entry)) or 0
