"""The words giftbalance stores and accepts, each list in one place.

The database's CHECK constraints, the domain's checks, the command line's choices and the
importers all read these tuples; a new word is added here (and, for a stored one, in a
migration's CHECK constraint).
"""

from __future__ import annotations

#: Every kind of ledger entry, and which way it moves money: +1 in, -1 out, 0 either way (an
#: adjust) or the opposite of the entry it reverses (a reversal). See giftbalance.ledger.rules.
KIND_SIGNS: dict[str, int] = {"redeem": 1, "spend": -1, "adjust": 0, "reversal": 0, "refund": 1}
ENTRY_KINDS: tuple[str, ...] = tuple(KIND_SIGNS)
#: Kinds a ledger CSV file may hold (a reversal is made by undo, a refund by the store import).
CSV_KINDS: tuple[str, ...] = ("redeem", "spend", "adjust")
#: Needs by priority, most important first.
PRIORITIES: tuple[str, ...] = ("must", "high", "normal", "low")
NEED_STATUSES: tuple[str, ...] = ("open", "bought", "removed")
#: How a support contact happened, and where it stands.
CHANNELS: tuple[str, ...] = ("chat", "phone", "email")
OUTCOMES: tuple[str, ...] = ("pending", "refused", "reversed", "credited", "other")


def sql_in(column: str, words: tuple[str, ...]) -> str:
    """A CHECK constraint's text: ``column IN ('a', 'b')``."""
    return f"{column} IN ({', '.join(repr(w) for w in words)})"
