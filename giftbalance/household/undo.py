"""Undo: reverse a ledger entry and put right every record linked to it.

A reversal is a new entry (the ledger is append-only); what the reversed entry did elsewhere is
undone in the same transaction: a spend that bought a need reopens that need. Every writer
that undoes (the command line, the household page, an import) calls :func:`undo`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from giftbalance.household.needs import on_reversed
from giftbalance.ledger import entries
from giftbalance.storage.models import Entry


@dataclass(frozen=True, slots=True)
class Undone:
    """What :func:`undo` wrote: the reversal, and a line for the user about a reopened need
    (``None`` when the entry bought none)."""

    reversal: Entry
    reopened: str | None


def undo(session: Session, entry_id: int, *, note: str | None = None) -> Undone:
    """Reverse entry ``entry_id`` and reopen the need it bought, in the caller's transaction.

    Refused (:class:`~giftbalance.errors.Refused`, :class:`~giftbalance.errors.NotFound`) as
    :func:`giftbalance.ledger.entries.undo_target` refuses: an unknown entry, a reversal, an
    entry reversed already, or one whose money was spent since.
    """
    original = entries.undo_target(session, entry_id)
    reversal = entries.reverse(session, original, note=note)
    return Undone(reversal, on_reversed(session, original))
