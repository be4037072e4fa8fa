"""The spend-down checklist: the tool's advice, filled in with the user's own state.

:func:`checklist_lines` is pure (a :class:`ChecklistState` in, lines of text out), so every
wording can be tested without a database; :func:`gather` reads the state in one session.
The advice itself lives in :mod:`giftbalance.advice`, shared with plans and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from giftbalance.household import advice
from giftbalance.values.money import Money, format_money

if TYPE_CHECKING:
    from giftbalance.storage.reader import Reader

TITLE = "Spend-down checklist"
ANY_ACCOUNT = "the account that holds the balance"


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account and what it holds."""

    name: str
    store: str
    balance: Money


@dataclass(frozen=True, slots=True)
class ChecklistState:
    """What the checklist says about the user's situation."""

    accounts: tuple[AccountState, ...] = ()
    #: The account the checkout steps name (``None``: several and none chosen).
    account: str | None = None
    open_needs: int = 0
    #: Unit price x quantity of the open needs, per currency, before tax.
    open_totals: tuple[Money, ...] = ()
    members: tuple[str, ...] = ()
    contacts: int = 0
    pending_contacts: int = 0


def _money(money: Money) -> str:
    return format_money(money, grouping=True)


def _holdings(state: ChecklistState) -> list[str]:
    if not state.accounts:
        return [
            "No account yet. Add the one the card was redeemed on: "
            "giftbalance account add Personal --store amazon.com --currency USD"
        ]
    lines = [f"{a.name} ({a.store}): {_money(a.balance)}" for a in state.accounts]
    if all(a.balance.minor == 0 for a in state.accounts):
        lines.append("Nothing left to spend. Log a redeemed card with: giftbalance add AMOUNT")
    else:
        lines.append("Check it matches what the store shows; if not: giftbalance reconcile AMOUNT")
    return lines


def _needs(state: ChecklistState) -> list[str]:
    if state.open_needs == 0:
        return [
            "No open needs yet. List what the household will buy anyway (groceries, "
            'filters, school supplies): giftbalance need add NAME --price AMOUNT --every "2 weeks"'
        ]
    totals = ", ".join(_money(m) for m in state.open_totals)
    needs = "need" if state.open_needs == 1 else "needs"
    lines = [f"{state.open_needs} open {needs}, {totals} before tax: giftbalance need list"]
    held: dict[str, int] = {}
    for a in state.accounts:
        held[a.balance.currency] = held.get(a.balance.currency, 0) + a.balance.minor
    for total in state.open_totals:
        balance = held.get(total.currency)
        if balance is None:
            continue
        if total.minor > balance:
            lines.append(
                f"The list costs more than the {total.currency} balance: buy the must and "
                "high ones first."
            )
        elif balance:
            lines.append(
                f"The {total.currency} balance covers the list; add what else you will need, "
                "or pass the rest on (step 4)."
            )
    return lines


def _household(state: ChecklistState) -> list[str]:
    if not state.members:
        return [advice.HOUSEHOLD]
    account = state.account or ANY_ACCOUNT
    return [
        f"Members: {', '.join(state.members)}. Ask what they need and order it from "
        f"{account}; say who each need is for with --for NAME."
    ]


def _support(state: ChecklistState) -> list[str]:
    lines = [advice.SUPPORT]
    if state.contacts == 0:
        lines.append("No contacts logged yet.")
    else:
        contacts = "contact" if state.contacts == 1 else "contacts"
        lines.append(
            f"{state.contacts} {contacts} logged, {state.pending_contacts} pending: "
            "giftbalance contact list (record answers with giftbalance contact update ID)"
        )
    return lines


def checklist_lines(state: ChecklistState) -> list[str]:
    """The checklist as lines of text: numbered steps, each with indented points."""
    steps: list[tuple[str, list[str]]] = [
        ("Know what you hold", _holdings(state)),
        ("Decide what to buy", _needs(state)),
        ("Share it with the household", _household(state)),
        ("Pass value on with e-gift cards", [advice.EGIFT_CARDS]),
        ("Check out carefully", list(advice.checkout_reminders(state.account or ANY_ACCOUNT))),
        ("Ask support only as a last resort", _support(state)),
        ("Stay away from balance-exchange services", [advice.NO_EXCHANGES]),
        ("Next time", [advice.PREVENTION]),
    ]
    lines = [TITLE, ""]
    for number, (title, points) in enumerate(steps, start=1):
        lines.append(f"{number}. {title}")
        lines.extend(f"   - {point}" for point in points)
        lines.append("")
    return lines[:-1]


def gather(reader: Reader, account: str | None = None) -> ChecklistState:
    """Read the checklist's state: every active account (or only ``account``), the open
    needs it can pay for, the current members and the contact log."""
    from giftbalance.household import reading
    from giftbalance.ledger import reading as ledger

    if account is not None:
        chosen = [ledger.find_account(reader, account)]
        named: str | None = chosen[0].name
    else:
        chosen = ledger.accounts(reader)
        default = ledger.default_account(reader)
        if default is not None and default.archived_at is None:
            named = default.name
        else:
            named = chosen[0].name if len(chosen) == 1 else None
    open_needs = reading.list_needs(reader, account=account)
    total, pending = reading.contact_counts(reader)
    return ChecklistState(
        accounts=tuple(
            AccountState(a.name, a.store, Money(ledger.balance(reader, a), a.currency))
            for a in chosen
        ),
        account=named,
        open_needs=len(open_needs),
        open_totals=tuple(Money(v, c) for c, v in reading.open_totals(open_needs).items()),
        members=tuple(m.name for m in reading.members(reader)),
        contacts=total,
        pending_contacts=pending,
    )
