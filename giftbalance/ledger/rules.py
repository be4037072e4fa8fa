"""The rules of a sound ledger, in one place. Pure: plain records in, problems out.

Every path that writes entries (``add``, ``spend``, ``undo``, ``reconcile``, ``need bought``, a
ledger CSV import, a json/zip restore, a store import) and ``giftbalance check`` replay entries
through a :class:`Replay`, so they accept and refuse exactly the same entries, for the same
reason, in the same words.

The rules, per account, in the order the entries were recorded (their ids):

1. the account exists, and the entry is in its currency;
2. the kind is one of :data:`ENTRY_KINDS`;
3. the amount is not zero, and its sign fits the kind (:data:`KIND_SIGNS`): a redeem or a refund
   brings money in, a spend takes it out, an adjust goes either way, a reversal mirrors the
   entry it reverses;
4. a reversal, and only a reversal, names the entry it reverses: an earlier entry of the same
   account, not itself a reversal, not reversed before, whose amount it negates;
5. only a redemption carries a giver or an expiry date, and it does not expire before the day it
   was redeemed;
6. no entry takes the balance below zero, and a stored ``balance_after`` is the running sum.

A replay also keeps each account's expiring lots (:class:`Lots`): what is left of every
redemption that expires, spent soonest-expiring first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from giftbalance.values.money import MAX_STORED as MAX_MINOR
from giftbalance.values.vocabulary import ENTRY_KINDS, KIND_SIGNS


class AccountFacts(NamedTuple):
    """What the rules need to know of an account."""

    id: int
    name: str
    currency: str


class EntryFacts(NamedTuple):
    """One entry as the rules see it. ``id`` is ``None`` for an entry not written yet (it comes
    after every written one); ``balance_after`` is ``None`` when it is to be derived."""

    account_id: int
    kind: str
    amount: int
    currency: str
    id: int | None = None
    reverses_id: int | None = None
    balance_after: int | None = None
    occurred_on: date | None = None
    expires_on: date | None = None
    giver: str | None = None


def _money(minor: int, currency: str) -> str:
    from giftbalance.values.money import show_money

    try:
        return show_money(minor, currency)
    except Exception:  # a damaged currency code must not stop a check
        return f"{minor} minor units of {currency!r}"


def _a(word: str) -> str:
    """``word`` with its indefinite article: a spend, an adjust."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def expiry_problem(occurred_on: date, expires_on: date | None) -> str | None:
    """Why a redemption of ``occurred_on`` cannot expire on ``expires_on``, or ``None``."""
    if expires_on is not None and expires_on < occurred_on:
        return f"the expiry date {expires_on} is before the redemption date {occurred_on}"
    return None


@dataclass
class Lots:
    """An account's expiring lots, replayed entry by entry (see :meth:`Replay.apply`).

    Money leaving the account is taken from the soonest-expiring lot first (the careful
    assumption, and what a plan spends first); money arriving without an expiry date does not
    refill lots, but undoing a spend puts back what it took. Reversing a redemption removes its
    lot.
    """

    #: What each lot (by the id of its redemption) still holds, and when it expires.
    left: dict[int, int] = field(default_factory=dict)
    due: dict[int, date] = field(default_factory=dict)
    #: What each outflow took from which lot: entry id -> [(lot id, amount)].
    took: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def apply(
        self,
        entry_id: int,
        kind: str,
        amount: int,
        expires_on: date | None,
        reverses_id: int | None,
    ) -> None:
        """Apply one entry, in ledger order."""
        left = self.left
        if kind == "redeem" and expires_on is not None:
            left[entry_id], self.due[entry_id] = amount, expires_on
            return
        if kind == "reversal" and reverses_id in self.took:
            # Undoing a spend puts back what it took from each lot still there.
            for lot_id, taken in self.took.pop(reverses_id):
                if lot_id in left:
                    left[lot_id] += taken
                    amount -= taken
        if kind == "reversal" and reverses_id in left:
            # The reversal takes back what is left of the lot; the rest came from other money.
            amount += left.pop(reverses_id)
        owed = -amount
        if owed <= 0 or not left:
            return
        takes: list[tuple[int, int]] = []
        for lot_id in sorted(left, key=lambda i: (self.due[i], i)):
            if owed <= 0:
                break
            take = min(owed, left[lot_id])
            if take:
                left[lot_id] -= take
                takes.append((lot_id, take))
            owed -= take
        if takes:
            self.took[entry_id] = takes

    def watched(self) -> list[int]:
        """The entries whose reversal could change the lots: the lots, and what took from them."""
        return [*self.took, *self.left]

    def empty(self) -> bool:
        return not any(self.left.values())

    def remaining(self) -> list[tuple[int, date, int]]:
        """``(amount, expires_on, redemption id)`` of every lot with money left, soonest first."""
        return sorted(
            ((amount, self.due[i], i) for i, amount in self.left.items() if amount > 0),
            key=lambda lot: (lot[1], lot[2]),
        )


class Replay:
    """The ledger's state after some entries, and the rules for the next one.

    ``accounts`` are the accounts entries may name. ``balances`` are their balances before the
    first entry replayed here (zero when left out). ``earlier`` are written entries a reversal
    may name (by id), and ``reversed_by`` which of them are reversed already (by which entry):
    a writer loads only what the entries it writes can touch, a full replay starts empty and
    learns every entry as it goes (``remember=True``).
    """

    def __init__(
        self,
        accounts: Iterable[AccountFacts],
        *,
        balances: Mapping[int, int] | None = None,
        earlier: Iterable[EntryFacts] = (),
        reversed_by: Mapping[int, int] | None = None,
        remember: bool = False,
        lots: bool = False,
    ) -> None:
        self.accounts = {a.id: a for a in accounts}
        self.balances: dict[int, int] = dict.fromkeys(self.accounts, 0)
        if balances:
            self.balances.update(balances)
        self.known: dict[int, EntryFacts] = {e.id: e for e in earlier if e.id is not None}
        self.reversed_by: dict[int, int] = dict(reversed_by or {})
        self.remember = remember
        self.lots: dict[int, Lots] | None = {} if lots else None
        self._pending = 0

    def balance(self, account_id: int) -> int:
        return self.balances.get(account_id, 0)

    def problems(self, entry: EntryFacts) -> list[str]:
        """Everything wrong with ``entry`` as the next entry; the state does not change."""
        # The common entry (money in or out of an account, in its currency, nothing else named)
        # is judged in a few comparisons: imports replay every row twice.
        account_id, kind, amount, currency, _, reverses_id, balance_after, _, expires_on, giver = (
            entry
        )
        account = self.accounts.get(account_id)
        if (
            account is not None
            and reverses_id is None
            and balance_after is None
            and expires_on is None
            and giver is None
            and currency == account.currency
            and (
                (kind == "spend" and -MAX_MINOR <= amount < 0)
                or (kind == "redeem" and 0 < amount <= MAX_MINOR)
            )
            and 0 <= self.balances.get(account_id, 0) + amount <= MAX_MINOR
        ):
            return []
        return self._problems(entry, account)

    def _problems(self, entry: EntryFacts, account: AccountFacts | None) -> list[str]:
        kind, amount, currency = entry.kind, entry.amount, entry.currency
        if account is None:
            return [f"account {entry.account_id} does not exist"]
        found: list[str] = []
        if currency != account.currency:
            found.append(
                f"currency {currency} differs from {account.currency}, "
                f"the currency of account {account.name!r}"
            )
        sign = KIND_SIGNS.get(kind)
        if sign is None:
            found.append(f"kind {kind!r} is not one of {', '.join(ENTRY_KINDS)}")
        if amount == 0:
            found.append("an entry of zero changes nothing")
        elif sign and (amount > 0) != (sign > 0):
            found.append(f"{_a(kind)} of {_money(amount, currency)} has the wrong sign")
        elif abs(amount) > MAX_MINOR:
            found.append(f"{_money(amount, currency)} is more than a balance can hold")
        if entry.reverses_id is not None or kind == "reversal":
            found += self._reversal_problems(entry)
        if kind != "redeem":
            if entry.expires_on is not None:
                found.append(f"an expiry date belongs to a redeem, not {_a(kind)}")
            if entry.giver is not None:
                found.append(f"a giver belongs to a redeem, not {_a(kind)}")
        elif entry.occurred_on is not None:
            expiry = expiry_problem(entry.occurred_on, entry.expires_on)
            if expiry is not None:
                found.append(expiry)
        before = self.balances.get(entry.account_id, 0)
        after = before + amount
        if after < 0 <= before:
            found.append(
                f"the balance of {account.name} is {_money(before, account.currency)}; "
                f"cannot take {_money(-amount, account.currency)} from it"
            )
        elif after > MAX_MINOR:
            found.append(f"the balance of {account.name} would be more than it can hold")
        if entry.balance_after is not None and entry.balance_after != after:
            found.append(
                f"balance_after is {_money(entry.balance_after, account.currency)} but the "
                f"entries of {account.name} up to it add up to {_money(after, account.currency)}"
            )
        return found

    def _reversal_problems(self, entry: EntryFacts) -> list[str]:
        target_id = entry.reverses_id
        if entry.kind != "reversal":
            return [f"{_a(entry.kind)} names entry {target_id} as reversed; only a reversal does"]
        if target_id is None:
            return ["a reversal that names no entry it reverses"]
        target = self.known.get(target_id)
        if target is None or (entry.id is not None and target_id >= entry.id):
            return [f"reverses entry {target_id}, which is not an earlier entry"]
        if target.kind == "reversal":
            return [f"reverses entry {target_id}, which is itself a reversal"]
        if target.account_id != entry.account_id:
            return [f"reverses entry {target_id}, which is of another account"]
        if entry.amount != -target.amount:
            return [
                f"{_money(entry.amount, entry.currency)} does not undo entry {target_id}'s "
                f"{_money(target.amount, target.currency)}"
            ]
        done = self.reversed_by.get(target_id)
        if done is not None:
            by = f"entry {done}" if done > 0 else "an earlier entry of the same batch"
            return [f"entry {target_id} was already reversed by {by}"]
        return []

    def apply(self, entry: EntryFacts) -> int:
        """Apply ``entry`` whatever its problems (a check carries on past them); returns the
        account's balance after it."""
        after = self.balances.get(entry.account_id, 0) + entry.amount
        self.balances[entry.account_id] = after
        entry_id = entry.id
        if entry_id is None:  # not written yet: a stand-in id after every written one
            self._pending -= 1
            entry_id = self._pending
        if entry.kind == "reversal" and entry.reverses_id is not None:
            self.reversed_by.setdefault(entry.reverses_id, entry_id)
        if self.remember:
            self.known[entry_id] = entry
        if self.lots is not None:
            lots = self.lots.get(entry.account_id)
            if lots is None:
                lots = self.lots[entry.account_id] = Lots()
            lots.apply(entry_id, entry.kind, entry.amount, entry.expires_on, entry.reverses_id)
        return after

    def take(self, entry: EntryFacts) -> list[str]:
        """Apply ``entry`` if it is sound; return its problems (then nothing changed)."""
        found = self.problems(entry)
        if not found:
            self.apply(entry)
        return found
