"""The append-only ledger: redemptions, spends, adjustments, reversals, balances.

Every function works inside a session the caller opened (one transaction per command). Rows of
``entries`` are only ever inserted: a correction is a new entry. :func:`append` is the one place
a single entry is written and :func:`append_in_order` the bulk one; both derive
``balance_after`` and refuse what the ledger's rules (:mod:`giftbalance.ledger.rules`) refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from giftbalance.errors import InputError, NotFound, Refused
from giftbalance.ledger.rules import AccountFacts, EntryFacts, Replay, expiry_problem
from giftbalance.storage.models import Account, Entry, Reconciliation
from giftbalance.values.dates import now
from giftbalance.values.money import Money, show_money
from giftbalance.values.text import note_text, one_line

MAX_GIVER = 200


def balance(session: Session, account: Account) -> int:
    """The account's balance in minor units: its latest entry's ``balance_after`` (indexed)."""
    return balance_of(session, account.id)


def balance_of(session: Session, account_id: int) -> int:
    """The balance of the account with id ``account_id`` (zero for one without entries)."""
    value = session.scalars(
        select(Entry.balance_after)
        .where(Entry.account_id == account_id)
        .order_by(Entry.id.desc())
        .limit(1)
    ).first()
    return value or 0


# -- entries ----------------------------------------------------------------------------------


def facts(account: Account) -> AccountFacts:
    """What the ledger's rules need to know of ``account``."""
    return AccountFacts(account.id, account.name, account.currency)


def append(
    session: Session,
    account: Account,
    kind: str,
    amount: int,
    *,
    occurred_on: date,
    note: str | None = None,
    **fields: Any,
) -> Entry:
    """Insert one entry and its running balance, if the ledger's rules allow it
    (:class:`Refused` with the first reason otherwise).

    The caller's write transaction holds the database's write lock, so the last balance read
    here cannot change before the insert commits.
    """
    before = balance(session, account)
    record = EntryFacts(
        account.id,
        kind,
        amount,
        account.currency,
        reverses_id=fields.get("reverses_id"),
        occurred_on=occurred_on,
        expires_on=fields.get("expires_on"),
        giver=fields.get("giver"),
    )
    earlier, reversed_by = _reversal_context(session, [record.reverses_id])
    replay = Replay(
        [facts(account)],
        balances={account.id: before},
        earlier=earlier,
        reversed_by=reversed_by,
    )
    problems = replay.problems(record)
    if problems:
        raise Refused(problems[0])
    entry = Entry(
        account_id=account.id,
        kind=kind,
        amount=amount,
        currency=account.currency,
        balance_after=before + amount,
        occurred_on=occurred_on,
        recorded_at=now(),
        note=note_text(note),
        **fields,
    )
    session.add(entry)
    session.flush()
    return entry


def _reversal_context(
    session: Session, reverses: Sequence[int | None]
) -> tuple[list[EntryFacts], dict[int, int]]:
    """The written entries that new entries reverse (``reverses``: their ``reverses_id``), and
    by which entry each is reversed already: all a replay needs to judge the reversals."""
    targets = sorted({target for target in reverses if target is not None})
    if not targets:
        return [], {}
    earlier: list[EntryFacts] = []
    reversed_by: dict[int, int] = {}
    reversal = aliased(Entry)
    for start in range(0, len(targets), 500):
        rows = session.execute(
            select(
                Entry.id,
                Entry.account_id,
                Entry.kind,
                Entry.amount,
                Entry.currency,
                reversal.id,
            )
            .outerjoin(reversal, reversal.reverses_id == Entry.id)
            .where(Entry.id.in_(targets[start : start + 500]))
        ).all()
        for entry_id, account_id, kind, amount, currency, undone_by in rows:
            earlier.append(EntryFacts(account_id, kind, amount, currency, id=entry_id))
            if undone_by is not None:
                reversed_by[entry_id] = undone_by
    return earlier, reversed_by


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

    The bulk path of :func:`append` for imports and restores, under the same rules
    (:mod:`giftbalance.ledger.rules`): each account's running balance starts from its current
    balance and follows ``entries`` in order. Checks every entry before inserting any; the first
    bad one raises :class:`Refused`. ``progress`` gets the number of entries written after each
    batch. Returns each touched account's final balance by account id.
    """
    touched = list(dict.fromkeys(e.account_id for e in entries))
    known = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(touched)))}
    balances = {account_id: balance_of(session, account_id) for account_id in known}
    keeping = bool(entries) and entries[0].kept is not None
    earlier, reversed_by = _reversal_context(
        session, [e.kept.reverses_id for e in entries if e.kept is not None]
    )
    replay = Replay(
        (facts(a) for a in known.values()),
        balances=balances,
        earlier=earlier,
        reversed_by=reversed_by,
        remember=keeping,
    )
    keys = _BASE_KEYS + (_KEPT_KEYS if keeping else ())
    statement, pack, day, moment = _entry_insert(session, keys)
    stamp = moment(now())
    rows: list[Any] = []
    append = rows.append
    take = replay.take
    for account_id, currency, kind, amount, occurred_on, note, giver, expires_on, kept in entries:
        if (kept is not None) != keeping:
            raise ValueError("append_in_order: kept must be given for every entry or for none")
        record = EntryFacts(
            account_id,
            kind,
            amount,
            currency,
            None if kept is None else kept.id,
            None if kept is None else kept.reverses_id,
            None,
            occurred_on,
            expires_on,
            giver,
        )
        problems = take(record)
        if problems:
            raise Refused(f"entry {len(rows) + 1} of the batch: {problems[0]}")
        values: tuple[object, ...] = (
            account_id,
            kind,
            amount,
            currency,
            replay.balances[account_id],
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
    return {account_id: replay.balances[account_id] for account_id in touched}


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
        owner = session.get(Account, first.account_id)
        assert owner is not None
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
    problem = expiry_problem(occurred_on, expires_on)
    if problem is not None:
        raise InputError(problem)
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
    """Record an adjustment so the ledger matches what the store shows (``None``: it already
    matches). Either way the check itself is recorded (a :class:`Reconciliation`), so the
    reminders know when the account was last reconciled."""
    _check_money(account, store_balance)
    difference = store_balance.minor - balance(session, account)
    entry = None
    if difference != 0:
        entry = append(
            session,
            account,
            "adjust",
            difference,
            occurred_on=occurred_on,
            note=f"reconciled to {show_money(store_balance.minor, account.currency)} shown by the store",
        )
    session.add(
        Reconciliation(
            account_id=account.id,
            checked_on=occurred_on,
            store_balance=store_balance.minor,
            entry_id=entry.id if entry is not None else None,
            created_at=now(),
        )
    )
    return entry


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
