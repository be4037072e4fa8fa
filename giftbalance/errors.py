"""One base error for the domain; each kind carries its exit status.

The CLI turns any :class:`GiftbalanceError` into one line ``Error: ...`` on stderr and exits
with :attr:`GiftbalanceError.exit_code`: 2 for bad input (usage), 1 for refusals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class GiftbalanceError(Exception):
    """A refusal the user should read: the message is one line, fit to print."""

    exit_code = 1
    #: Lines printed after the one ``Error:`` line (every bad row of an import file, say).
    details: tuple[str, ...] = ()


class InputError(GiftbalanceError):
    """The command line is wrong: a bad amount, date, option value (exit 2)."""

    exit_code = 2


class NotFound(GiftbalanceError):
    """An account, entry, need, member or contact that does not exist."""


class Refused(GiftbalanceError):
    """The domain says no: an overdraft, a duplicate claim code, nothing to undo."""


class DatabaseError(GiftbalanceError):
    """The database cannot be opened, is locked for too long, is full, or is too new."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, and where: a file's row or record (``line 12``, ``entries.csv line 3``),
    or a database table's row (``entries row 7``; then :attr:`table` and :attr:`row_id` say
    which, and the table ``database`` stands for damage to the file itself)."""

    where: str
    reason: str
    table: str | None = None
    row_id: int | None = None

    @classmethod
    def in_table(cls, table: str, row_id: int | None, reason: str) -> Problem:
        """A problem with row ``row_id`` of ``table`` (``None``: the whole table or file)."""
        where = table if row_id is None else f"{table} row {row_id}"
        return cls(where, reason, table, row_id)

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class BadRows(InputError):
    """An import refused because some rows are bad; nothing was written (exit 2).

    The message is the one-line summary; :attr:`problems` lists every bad row in file order,
    and the CLI prints them after the ``Error:`` line.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        self.details = tuple(str(problem) for problem in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{count} bad {'row' if count == 1 else 'rows'} in {source}; nothing was imported"
        )
