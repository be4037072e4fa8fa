"""Accounts and the append-only ledger: redemptions, spends, adjustments, reversals, balances.

Every function works inside a session the caller opened (one transaction per command). Rows of
``entries`` are only ever inserted: a correction is a new entry. :func:`append` is the one place
an entry is written; it derives ``balance_after`` from the account's last entry and refuses to
take the balance below zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from giftbalance import settings
from giftbalance.dates import now
from giftbalance.errors import InputError, NotFound, Refused
from giftbalance.models import ENTRY_KINDS, Account, Entry
from giftbalance.money import Money, currency_digits, show_money
from giftbalance.text import note_text, one_line, required_line

NO_ACCOUNT_HELP = (
    "no account yet; create the account the card was redeemed on first, e.g.: "
    "giftbalance account add Personal --store amazon.com --currency USD"
)
MAX_NAME = 100
MAX_GIVER = 200


def name_key(name: str) -> str:
    """Names are compared case-insensitively (``Work`` and ``work`` are the same account)."""
    return name.strip().casefold()


def clean_name(name: str, what: str = "name") -> str:
    """``name`` with its white space collapsed; :class:`InputError` when it is empty, too long,
    or holds control or text-direction characters (they would garble every table it is in)."""
    return required_line(name, what, max_length=MAX_NAME)


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
    refill lots, but undoing a spend puts back what it took. Reversing a redemption removes its
    lot.

    The cost does not follow the length of the ledger: the replay starts at the first expiring
    redemption, and whenever every lot is used up it jumps to the next entry that can change
    that (another expiring redemption, or the undo of a spend that took from a lot, or of a
    lot). An account that never had an expiring redemption costs a single lookup.
    """
    cursor = _next_lot_event(session, account, 0, ())
    left: dict[int, int] = {}
    due: dict[int, date] = {}
    took: dict[int, list[tuple[int, int]]] = {}  # outflow entry -> (lot, amount) it took
    while cursor is not None:
        rows = session.execute(
            select(Entry.id, Entry.kind, Entry.amount, Entry.expires_on, Entry.reverses_id)
            .where(Entry.account_id == account.id, Entry.id >= cursor)
            .order_by(Entry.id)
            .limit(_LOT_BATCH)
        ).all()
        cursor = rows[-1][0] + 1 if len(rows) == _LOT_BATCH else None
        for entry_id, kind, amount, expires_on, reverses_id in rows:
            _replay(left, due, took, entry_id, kind, amount, expires_on, reverses_id)
            if not any(left.values()):
                cursor = _next_lot_event(session, account, entry_id, [*took, *left])
                break
    lots = [Lot(amount, due[i], i) for i, amount in left.items() if amount > 0]
    return sorted(lots, key=lambda lot: (lot.expires_on, lot.entry_id))


_LOT_BATCH = 2_000


def _replay(
    left: dict[int, int],
    due: dict[int, date],
    took: dict[int, list[tuple[int, int]]],
    entry_id: int,
    kind: str,
    amount: int,
    expires_on: date | None,
    reverses_id: int | None,
) -> None:
    """Apply one entry to the lots (``left``: what each still holds), in ledger order."""
    if kind == "redeem" and expires_on is not None:
        left[entry_id], due[entry_id] = amount, expires_on
        return
    if kind == "reversal" and reverses_id in took:
        # Undoing a spend puts back what it took from each lot still there.
        for lot_id, taken in took.pop(reverses_id):
            if lot_id in left:
                left[lot_id] += taken
                amount -= taken
    if kind == "reversal" and reverses_id in left:
        # The reversal takes back what is left of the lot; the rest came from other money.
        amount += left.pop(reverses_id)
    owed = -amount
    takes: list[tuple[int, int]] = []
    for lot_id in sorted(left, key=lambda i: (due[i], i)):
        if owed <= 0:
            break
        take = min(owed, left[lot_id])
        if take:
            left[lot_id] -= take
            takes.append((lot_id, take))
        owed -= take
    if takes:
        took[entry_id] = takes


def _next_lot_event(
    session: Session, account: Account, after: int, watched: Iterable[int]
) -> int | None:
    """The first entry after ``after`` that can change the lots once they are used up: an
    expiring redemption, or the reversal of one of the ``watched`` entries (the spends that took
    from a lot, and the lots). ``None`` when there is none."""
    found = session.scalar(
        select(func.min(Entry.id)).where(
            Entry.account_id == account.id, Entry.expires_on.is_not(None), Entry.id > after
        )
    )
    ids = list(watched)
    for start in range(0, len(ids), 500):  # reverses_id is unique, so each is an index lookup
        undo = session.scalar(
            select(func.min(Entry.id)).where(
                Entry.reverses_id.in_(ids[start : start + 500]), Entry.id > after
            )
        )
        if undo is not None and (found is None or undo < found):
            found = undo
    return found


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
            f"the balance of {account.name} is {show_money(before, account.currency)}; "
            f"cannot take {show_money(-amount, account.currency)} from it"
        )
    entry = Entry(
        account_id=account.id,
        kind=kind,
        amount=amount,
        currency=account.currency,
        balance_after=after,
        occurred_on=occurred_on,
        recorded_at=now(),
        note=note_text(note),
        **fields,
    )
    session.add(entry)
    session.flush()
    return entry


_BULK_BATCH = 10_000


class Kept(NamedTuple):
    """Columns a restore keeps exactly as they were exported."""

    id: int
    recorded_at: datetime
    reverses_id: int | None
    code_last4: str | None
    code_hmac: str | None


class AccountEntry(NamedTuple):
    """An entry of any account for :func:`append_in_order`, as plain data (``balance_after``
    is always derived there). ``kept`` is set by a restore, for every entry or for none."""

    account_id: int
    currency: str
    kind: str
    amount: int
    occurred_on: date
    note: str | None = None
    giver: str | None = None
    expires_on: date | None = None
    kept: Kept | None = None


_BASE_KEYS = (
    "account_id",
    "kind",
    "amount",
    "currency",
    "balance_after",
    "occurred_on",
    "recorded_at",
    "note",
    "giver",
    "expires_on",
)
_KEPT_KEYS = ("id", "reverses_id", "code_last4", "code_hmac")


def append_in_order(
    session: Session,
    entries: Sequence[AccountEntry],
    *,
    progress: Callable[[int], None] | None = None,
    chunk: int = _BULK_BATCH,
) -> dict[int, int]:
    """Insert entries of several accounts in the given order, by batched ``executemany``.

    The bulk path of :func:`append` for imports and restores, with its rules: each account's
    running balance starts from its current balance and follows ``entries`` in order; nothing is
    zero, redemptions are positive, spends negative, a reversal names the entry it reverses, and
    no balance goes below zero. Checks every entry before inserting any; the first bad one
    raises :class:`Refused`. ``progress`` gets the number of entries written after each batch.
    Returns each touched account's final balance by account id.
    """
    running: dict[int, int] = {}
    for account_id in dict.fromkeys(e.account_id for e in entries):
        last = session.scalars(
            select(Entry.balance_after)
            .where(Entry.account_id == account_id)
            .order_by(Entry.id.desc())
            .limit(1)
        ).first()
        running[account_id] = last or 0
    keeping = bool(entries) and entries[0].kept is not None
    keys = _BASE_KEYS + (_KEPT_KEYS if keeping else ())
    statement, pack, day, moment = _entry_insert(session, keys)
    stamp = moment(now())
    rows: list[Any] = []
    append = rows.append
    for account_id, currency, kind, amount, occurred_on, note, giver, expires_on, kept in entries:
        if (kept is not None) != keeping:
            raise ValueError("append_in_order: kept must be given for every entry or for none")
        if (
            (amount <= 0 and kind == "redeem")
            or (amount >= 0 and kind == "spend")
            or amount == 0
            or kind not in ENTRY_KINDS
        ):
            raise Refused(f"entry {len(rows) + 1} of the batch: a {kind} of {amount} minor units")
        if (kind == "reversal") != (kept is not None and kept.reverses_id is not None):
            raise Refused(f"entry {len(rows) + 1} of the batch: only a reversal reverses an entry")
        after = running[account_id] + amount
        if after < 0:
            raise Refused(
                f"entry {len(rows) + 1} of the batch takes the balance from "
                f"{show_money(running[account_id], currency)} below zero"
            )
        running[account_id] = after
        values: tuple[object, ...] = (
            account_id,
            kind,
            amount,
            currency,
            after,
            day(occurred_on),
            stamp if kept is None else moment(kept.recorded_at),
            note,
            giver,
            None if expires_on is None else day(expires_on),
        )
        if kept is not None:
            values += (kept.id, kept.reverses_id, kept.code_last4, kept.code_hmac)
        append(values if pack is None else pack(values))
    connection = session.connection()
    for start in range(0, len(rows), chunk):
        batch = rows[start : start + chunk]
        connection.exec_driver_sql(statement, batch)
        if progress is not None:
            progress(len(batch))
    return running


_Pack = Callable[[tuple[object, ...]], object]


def _entry_insert(
    session: Session, keys: Sequence[str]
) -> tuple[str, _Pack | None, Callable[[date], object], Callable[[datetime], object]]:
    """An ``INSERT`` into ``entries`` of ``keys``, compiled by SQLAlchemy for the session's
    dialect, for the driver's ``executemany``: its text; how to turn values given in ``keys``
    order into the driver's parameters (``None``: they already are; a dict for drivers with
    named parameters such as psycopg); the dialect's conversions of a date and a date-time.

    :func:`append_in_order` sends rows straight to the driver because SQLAlchemy's per-row
    parameter processing costs more than the insert itself for a 100,000-row import; the
    conversions are SQLAlchemy's own, applied once per distinct value (dates repeat).
    """
    from sqlalchemy import Table, insert

    dialect = session.connection().dialect
    table = Entry.__table__
    assert isinstance(table, Table)

    def memo(column: str) -> Callable[[Any], object]:
        convert = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is None:
            return lambda value: value
        done: dict[object, object] = {}

        def converted(value: object) -> object:
            found = done.get(value)
            if found is None:
                found = done[value] = convert(value)
            return found

        return converted

    names = list(keys)
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    pack: _Pack | None = None
    if not compiled.positional:
        pack = lambda values: dict(zip(names, values, strict=True))  # noqa: E731
    else:
        assert compiled.positiontup is not None
        order = [names.index(name) for name in compiled.positiontup]
        if order != list(range(len(names))):
            pack = lambda values: tuple(values[i] for i in order)  # noqa: E731
    return compiled.string, pack, memo("occurred_on"), memo("recorded_at")


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


def check_redemption(
    occurred_on: date, *, giver: str | None, expires_on: date | None
) -> str | None:
    """The giver as stored (one line, ``None`` when blank); refuses (:class:`InputError`) a giver
    with control characters or longer than :data:`MAX_GIVER` characters (the column's size:
    PostgreSQL enforces it, SQLite would not), and an expiry before the redemption date."""
    cleaned = one_line(giver, "giver", max_length=MAX_GIVER)
    if expires_on is not None and expires_on < occurred_on:
        raise InputError(
            f"the expiry date {expires_on} is before the redemption date {occurred_on}"
        )
    return cleaned


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
    giver = check_redemption(occurred_on, giver=giver, expires_on=expires_on)
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
    """The entry ``undo`` would reverse: the given one, or the latest one not yet undone.

    Raises :class:`NotFound` for an unknown id and :class:`Refused` when there is nothing to
    undo, for a reversal, for an entry already reversed, and when reversing it would take the
    balance below zero (a redemption whose money was spent).
    """
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
    # Checked here too, so the CLI refuses before asking "Reverse it?".
    _check_reversible(session, entry)
    return entry


def _check_reversible(session: Session, entry: Entry) -> Account:
    account = session.get(Account, entry.account_id)
    assert account is not None
    before = balance(session, account)
    if before - entry.amount < 0:
        raise Refused(
            f"cannot undo entry {entry.id}: its {show_money(entry.amount, entry.currency)} was already "
            f"spent (balance {show_money(before, entry.currency)})"
        )
    return account


def reverse(session: Session, entry: Entry, *, note: str | None = None) -> Entry:
    """Append the reversing entry of ``entry`` (checked by :func:`undo_target`)."""
    account = _check_reversible(session, entry)
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
        note=f"reconciled to {show_money(store_balance.minor, account.currency)} shown by the store",
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
