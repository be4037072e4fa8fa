"""One base error for the domain; each kind carries its exit status.

The CLI turns any :class:`GiftbalanceError` into one line ``Error: ...`` on stderr and exits
with :attr:`GiftbalanceError.exit_code`: 2 for bad input (usage), 1 for refusals.
"""

from __future__ import annotations


class GiftbalanceError(Exception):
    """A refusal the user should read: the message is one line, fit to print."""

    exit_code = 1


class InputError(GiftbalanceError):
    """The command line is wrong: a bad amount, date, option value (exit 2)."""

    exit_code = 2


class NotFound(GiftbalanceError):
    """An account, entry, need, member or contact that does not exist."""


class Refused(GiftbalanceError):
    """The domain says no: an overdraft, a duplicate claim code, nothing to undo."""


class DatabaseError(GiftbalanceError):
    """The database cannot be opened, is locked for too long, is full, or is too new."""
