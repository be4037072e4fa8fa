"""Plain-text-accounting journals of the ledger: ``ledger`` (hledger and ledger-cli) and
``beancount``. Accounts and entries only.

Each gift balance is an asset account, ``Assets:GiftCards:<store>:<account>``. A redemption
comes from ``Income:Gifts:<giver>`` (``Unknown`` when no giver was logged); a spend goes to
``Expenses:GiftCards:Spent``, or to ``Expenses:GiftCards:Needs:<need>`` when it bought a need;
an adjustment is booked against ``Equity:Adjustments`` (a correction of the record, either way);
a refund (money back from a store order) goes back to the expense of the order it refunds (the
account its spend was booked to; ``Expenses:GiftCards:Spent`` when the ledger has no spend of
that order), so the expense shrinks by what came back; a reversal mirrors the entry it
reverses. A spend or refund of a store order carries the order id (an ``order:`` tag in ledger
format, ``order:`` metadata in beancount); a spend that bought several needs at once (one
store order) goes to ``Expenses:GiftCards:Spent`` and names them in its description. Every transaction carries the entry's id (ledger's
code ``(12)``, beancount's ``entry: 12``), and the journal ends with balance assertions of
giftbalance's own balances, so hledger, ledger-cli and bean-check each verify them on load.

The rendering functions are pure: :func:`load` reads what they need from a session.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from giftbalance.values.money import data_money

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FORMATS = ("ledger", "beancount")
ASSETS = ("Assets", "GiftCards")
SPENT = ("Expenses", "GiftCards", "Spent")
NEEDS = ("Expenses", "GiftCards", "Needs")
GIFTS = ("Income", "Gifts")
ADJUSTMENTS = ("Equity", "Adjustments")


@dataclass(frozen=True, slots=True)
class JournalAccount:
    """A giftbalance account as a journal needs it; ``balance`` is giftbalance's own."""

    id: int
    name: str
    store: str
    currency: str
    opened: date
    balance: int


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """An entry as a journal needs it; ``need`` names the need a spend bought, if it bought one
    (``needs``: every need it bought, for the description)."""

    id: int
    account_id: int
    kind: str
    amount: int
    currency: str
    occurred_on: date
    note: str | None = None
    giver: str | None = None
    reverses_id: int | None = None
    need: str | None = None
    order_id: str | None = None
    needs: tuple[str, ...] = ()
    #: For a refund: the spend of the same order it gives money back for, if the ledger has it.
    refunds: int | None = None


@dataclass(frozen=True, slots=True)
class JournalData:
    accounts: list[JournalAccount]
    entries: list[JournalEntry]


def load(session: Session) -> JournalData:
    """Every account (archived ones too) and every entry in id order, with the need each spend
    bought; ``session`` from Database.read() reads one snapshot."""
    from sqlalchemy import select

    from giftbalance.ledger import accounts, entries
    from giftbalance.storage.models import Entry, Need, Purchase

    journal_accounts = [
        JournalAccount(
            a.id, a.name, a.store, a.currency, a.created_at.date(), entries.balance(session, a)
        )
        for a in sorted(accounts.accounts(session, include_archived=True), key=lambda a: a.id)
    ]
    needs: dict[int, list[str]] = {}
    for entry_id, name in session.execute(
        select(Purchase.entry_id, Need.name)
        .join(Need, Need.id == Purchase.need_id)
        .order_by(Purchase.id)
    ):
        needs.setdefault(entry_id, []).append(name)
    rows = session.execute(
        select(
            Entry.id,
            Entry.account_id,
            Entry.kind,
            Entry.amount,
            Entry.currency,
            Entry.occurred_on,
            Entry.note,
            Entry.giver,
            Entry.reverses_id,
            Entry.order_id,
        ).order_by(Entry.id)
    ).all()
    first_spend: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.kind == "spend" and row.order_id:
            first_spend.setdefault((row.account_id, row.order_id), row.id)
    journal_entries = []
    for row in rows:
        bought = tuple(needs.get(row.id, ()))
        journal_entries.append(
            JournalEntry(
                row.id,
                row.account_id,
                row.kind,
                row.amount,
                row.currency,
                row.occurred_on,
                row.note,
                row.giver,
                row.reverses_id,
                need=bought[0] if len(bought) == 1 else None,
                order_id=row.order_id,
                needs=bought,
                refunds=first_spend.get((row.account_id, row.order_id or ""))
                if row.kind == "refund"
                else None,
            )
        )
    return JournalData(journal_accounts, journal_entries)


# -- names --------------------------------------------------------------------------------------


def ledger_component(text: str) -> str:
    """One account-name component for hledger and ledger-cli: single spaces only (two spaces
    or a tab end an account name), no ``:`` (the separator) nor characters either tool reads
    as syntax (``;`` comments, brackets for virtual postings, ``@`` prices...)."""
    cleaned = re.sub(r"[^\w .'&+/-]", " ", text)
    cleaned = " ".join(cleaned.split()).strip(" -")
    return cleaned or "Unknown"


def beancount_component(text: str) -> str:
    """One account-name component for beancount: letters, digits and dashes, starting with a
    capital letter or a digit. Accents are dropped (``Émile`` -> ``Emile``), words are joined
    with dashes and the first letter is capitalised (``amazon.com`` -> ``Amazon-com``)."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    cleaned = "-".join(w for w in re.split(r"[\W_]+", plain) if w)
    cleaned = cleaned[:1].upper() + cleaned[1:]
    if not cleaned:
        return "Unknown"
    if not (cleaned[0].isascii() and (cleaned[0].isdigit() or cleaned[0].isupper())):
        # A letter without case (CJK) or a digit that is not a decimal digit (Ethiopic ``፩``,
        # which str.isdigit accepts) cannot start a component: bean-check refuses the account.
        cleaned = "X" + cleaned
    return cleaned


def _name(path: Sequence[str], component: Callable[[str], str], fixed: int) -> str:
    """The full account name: the first ``fixed`` parts are ours and already valid."""
    return ":".join([*path[:fixed], *(component(p) for p in path[fixed:])])


def asset_names(
    accounts: Sequence[JournalAccount], component: Callable[[str], str]
) -> dict[int, str]:
    """Each giftbalance account's asset account; names that would merge get ``-<id>``."""
    names: dict[int, str] = {}
    used: set[str] = set()
    for account in accounts:
        name = _name((*ASSETS, account.store, account.name), component, len(ASSETS))
        if name.casefold() in used:
            name = f"{name}-{account.id}"
        used.add(name.casefold())
        names[account.id] = name
    return names


def counterpart(entry: JournalEntry, by_id: dict[int, JournalEntry]) -> tuple[str, ...]:
    """The other side of ``entry``: where the money came from or went (a reversal: its
    original's side)."""
    if entry.kind == "reversal" and entry.reverses_id in by_id:
        return counterpart(by_id[entry.reverses_id], by_id)
    if entry.kind == "refund":
        spend = by_id.get(entry.refunds) if entry.refunds is not None else None
        return counterpart(spend, by_id) if spend is not None else SPENT
    if entry.kind == "redeem":
        return (*GIFTS, entry.giver or "Unknown")
    if entry.kind == "spend":
        return (*NEEDS, entry.need) if entry.need else SPENT
    return ADJUSTMENTS


def _fixed_parts(path: tuple[str, ...]) -> int:
    if path[: len(GIFTS)] == GIFTS:
        return len(GIFTS)
    if path[: len(NEEDS)] == NEEDS:
        return len(NEEDS)
    return len(path)


def description(entry: JournalEntry) -> str:
    """A one-line description of ``entry`` for a person reading the journal."""
    if entry.kind == "redeem":
        text = f"Gift card from {entry.giver}" if entry.giver else "Gift card redeemed"
    elif entry.kind == "spend":
        bought = entry.needs or ((entry.need,) if entry.need else ())
        text = f"Bought {', '.join(bought)}" if bought else "Spent"
        if entry.order_id:
            text += f" (order {entry.order_id})"
    elif entry.kind == "refund":
        text = f"Refund from order {entry.order_id}" if entry.order_id else "Refund"
    elif entry.kind == "adjust":
        text = "Adjustment"
    else:
        text = f"Reversal of entry {entry.reverses_id}"
    if entry.note:
        text += f" - {entry.note}"
    return " ".join(text.split())


def _amount(minor: int, currency: str) -> str:
    return f"{data_money(minor, currency)} {currency}"


def _check_date(data: JournalData) -> date:
    """The day after everything: when the closing balance assertions are made."""
    days = [e.occurred_on for e in data.entries] + [a.opened for a in data.accounts]
    return max(days) + timedelta(days=1)


# -- ledger / hledger ---------------------------------------------------------------------------


def ledger_text(data: JournalData, *, title: str = "giftbalance export") -> str:
    """The journal in ledger format, readable unchanged by hledger and ledger-cli."""
    assets = asset_names(data.accounts, ledger_component)
    currency = {a.id: a.currency for a in data.accounts}
    by_id = {e.id: e for e in data.entries}
    sides = {
        e.id: _name(counterpart(e, by_id), ledger_component, _fixed_parts(counterpart(e, by_id)))
        for e in data.entries
    }
    lines = [
        f"; {title}",
        "; gift balances as assets; written by giftbalance export --format ledger",
        "",
    ]
    # Declared commodities and accounts: both tools then load the file with --strict/--pedantic.
    lines += [f"commodity {code}" for code in sorted({a.currency for a in data.accounts})]
    if any(e.order_id for e in data.entries):
        lines.append("tag order")  # the order id's tag, declared for ledger-cli --pedantic
    declared = list(dict.fromkeys([*assets.values(), *sorted(set(sides.values()))]))
    lines += [f"account {name}" for name in declared]
    # One column for account names and one for amounts, across the whole file.
    width = max((len(n) for n in declared), default=0) + 4
    for entry in data.entries:
        asset = assets[entry.account_id]
        side = sides[entry.id]
        plus = _amount(entry.amount, entry.currency)
        minus = _amount(-entry.amount, entry.currency)
        text = description(entry).replace(";", ",")
        lines += ["", f"{entry.occurred_on.isoformat()} * ({entry.id}) {text}"]
        if entry.order_id:
            lines.append(f"    ; order: {entry.order_id}")
        lines += [
            f"    {asset.ljust(width)}{plus.rjust(16)}",
            f"    {side.ljust(width)}{minus.rjust(16)}",
        ]
    if data.accounts:
        lines += ["", f"{_check_date(data).isoformat()} * Balances recorded by giftbalance"]
        for account in data.accounts:
            zero = _amount(0, currency[account.id])
            lines.append(
                f"    {assets[account.id].ljust(width)}{zero.rjust(16)} = "
                f"{_amount(account.balance, account.currency)}"
            )
    return "\n".join(lines) + "\n"


# -- beancount ----------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def beancount_text(data: JournalData, *, title: str = "giftbalance export") -> str:
    """The journal in beancount format; passes ``bean-check``."""
    assets = asset_names(data.accounts, beancount_component)
    by_id = {e.id: e for e in data.entries}
    sides = {
        e.id: _name(counterpart(e, by_id), beancount_component, _fixed_parts(counterpart(e, by_id)))
        for e in data.entries
    }
    opened: dict[str, date] = {assets[a.id]: a.opened for a in data.accounts}
    for entry in data.entries:
        for name in (assets[entry.account_id], sides[entry.id]):
            opened[name] = min(opened.get(name, entry.occurred_on), entry.occurred_on)
    currencies = sorted({a.currency for a in data.accounts})
    lines = [f"option {_quoted('title')} {_quoted(title)}"]
    lines += [f'option "operating_currency" {_quoted(c)}' for c in currencies]
    lines.append("")
    asset_currency = {assets[a.id]: a.currency for a in data.accounts}
    for name, day in sorted(opened.items(), key=lambda item: (item[1], item[0])):
        constraint = f" {asset_currency[name]}" if name in asset_currency else ""
        lines.append(f"{day.isoformat()} open {name}{constraint}")
    for entry in data.entries:
        lines += [
            "",
            f"{entry.occurred_on.isoformat()} * {_quoted(description(entry))}",
            f"  entry: {entry.id}",
        ]
        if entry.reverses_id is not None:
            lines.append(f"  reverses: {entry.reverses_id}")
        if entry.order_id:
            lines.append(f"  order: {_quoted(entry.order_id)}")
        lines += [
            f"  {assets[entry.account_id]}  {_amount(entry.amount, entry.currency)}",
            f"  {sides[entry.id]}  {_amount(-entry.amount, entry.currency)}",
        ]
    if data.accounts:
        lines.append("")
        checked_on = _check_date(data).isoformat()
        for account in data.accounts:
            # An explicit tolerance of zero: by default beancount lets a balance assertion be
            # off by one unit of its last digit, which would hide a one-cent difference.
            zero = data_money(0, account.currency)
            number = data_money(account.balance, account.currency)
            lines.append(
                f"{checked_on} balance {assets[account.id]}  {number} ~ {zero} {account.currency}"
            )
    return "\n".join(lines) + "\n"


def render(data: JournalData, fmt: str) -> str:
    """The journal in ``fmt`` (one of :data:`FORMATS`)."""
    return ledger_text(data) if fmt == "ledger" else beancount_text(data)
