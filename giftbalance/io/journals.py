"""Plain-text-accounting journals of the ledger: ``ledger`` (hledger and ledger-cli) and
``beancount``. Accounts and entries only.

Each gift balance is an asset account, ``Assets:GiftCards:<store>:<account>``. A redemption
comes from ``Income:Gifts:<giver>`` (``Unknown`` when no giver was logged); a spend goes to
``Expenses:GiftCards:Spent``, or to ``Expenses:GiftCards:Needs:<need>`` when it bought a need;
an adjustment is booked against ``Equity:Adjustments`` (a correction of the record, either way);
a reversal mirrors the entry it reverses. Every transaction carries the entry's id (ledger's
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
    """An entry as a journal needs it; ``need`` names the need a spend bought, if any."""

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
    needs = dict(
        session.execute(
            select(Purchase.entry_id, Need.name).join(Need, Need.id == Purchase.need_id)
        ).all()
    )
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
        ).order_by(Entry.id)
    ).all()
    journal_entries = [JournalEntry(*row, need=needs.get(row[0])) for row in rows]
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
        text = f"Bought {entry.need}" if entry.need else "Spent"
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
        lines += [
            "",
            f"{entry.occurred_on.isoformat()} * ({entry.id}) {text}",
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
