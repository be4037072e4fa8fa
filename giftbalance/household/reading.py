"""Reading the household for the everyday commands: members, the needs list, contact counts.

Like :mod:`giftbalance.ledger.reading`, everything here reads through
:mod:`giftbalance.storage.queries` on a :class:`~giftbalance.storage.reader.Reader` (or a
session, wrapped) and imports no SQLAlchemy, so ``need list``, ``member list`` and
``checklist`` start fast. The needs list is defined here once: ``need list``, the checklist,
``need show`` and the CSV export all read it through :func:`list_needs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from giftbalance.errors import NotFound
from giftbalance.ledger import reading as ledger
from giftbalance.storage import queries
from giftbalance.storage.queries import MemberRow
from giftbalance.storage.reader import Reader, as_reader
from giftbalance.values.vocabulary import PRIORITIES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}
ADD_MEMBER_HELP = "add one with: giftbalance member add NAME"


# -- members ------------------------------------------------------------------------------------


def no_such_member(name: str, known: Sequence[str]) -> NotFound:
    """The refusal for an unknown member name, listing the current members' names."""
    hint = f" (members: {', '.join(known)})" if known else f"; {ADD_MEMBER_HELP}"
    return NotFound(f"no member called {name!r}{hint}")


def members(reader: Reader, *, include_removed: bool = False) -> list[MemberRow]:
    """Current members by name (with ``include_removed``, former ones too, after them)."""
    return queries.members(reader, include_removed=include_removed)


def find_member(reader: Reader, name: str) -> MemberRow:
    """The current member called ``name`` (any case); :class:`NotFound` names the current
    members, or says how to add one."""
    found = queries.current_member_by_key(reader, ledger.name_key(name))
    if found is None:
        raise no_such_member(name, [m.name for m in members(reader)])
    return found


def open_need_counts(source: Session | Reader) -> dict[int, int]:
    """How many open needs belong to each member id (members without any are absent)."""
    return queries.open_need_counts(as_reader(source))


def contact_counts(source: Session | Reader) -> tuple[int, int]:
    """How many support contacts are logged, and how many still wait for an answer."""
    return queries.contact_counts(as_reader(source))


# -- the needs list -----------------------------------------------------------------------------


class NeedData(Protocol):
    """What the needs list reads of a need: a stored row
    (:class:`~giftbalance.storage.queries.NeedRow`) or a model being added or edited."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def unit_price(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def priority(self) -> str: ...
    @property
    def need_by(self) -> date | None: ...
    @property
    def member_id(self) -> int | None: ...
    @property
    def account_id(self) -> int | None: ...
    @property
    def store(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def first_date(self) -> date | None: ...
    @property
    def next_date(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def closed_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class NeedView:
    """A need with the names of its member and account, as lists and exports show it."""

    need: NeedData
    member: str | None
    account: str | None

    @property
    def due(self) -> date | None:
        """The need-by date, or the next occurrence of a recurring need."""
        return self.need.next_date if self.need.rule else self.need.need_by

    @property
    def total(self) -> int:
        """Unit price times the quantity still wanted, before tax (minor units)."""
        return self.need.unit_price * self.need.quantity


def sort_key(view: NeedView) -> tuple[int, int, int, date, int]:
    """Open first, then priority, then due date (no date last), then id."""
    due = view.due
    return (
        0 if view.need.status == "open" else 1,
        PRIORITY_RANK[view.need.priority],
        due is None,
        due or date.min,
        view.need.id,
    )


def list_needs(
    source: Session | Reader,
    *,
    include_closed: bool = False,
    member: str | None = None,
    account: str | None = None,
    ids: Iterable[int] | None = None,
) -> list[NeedView]:
    """Needs in list order (:func:`sort_key`): open ones, or all with ``include_closed``.

    ``member`` keeps that current member's needs; ``account`` keeps the needs that account
    can pay for: pinned to it, or pinned to none and priced in its currency. Raises
    :class:`NotFound` for an unknown member or account.
    """
    reader = as_reader(source)
    member_id = find_member(reader, member).id if member is not None else None
    payable_by = None
    if account is not None:
        chosen = ledger.find_account(reader, account)
        payable_by = (chosen.id, chosen.currency)
    rows = queries.needs(
        reader,
        include_closed=include_closed,
        member_id=member_id,
        payable_by=payable_by,
        ids=None if ids is None else list(ids),
    )
    return sorted((NeedView(*row) for row in rows), key=sort_key)


def open_totals(views: Iterable[NeedView]) -> dict[str, int]:
    """Sum of unit price x quantity of the open needs, per currency, before tax."""
    totals: dict[str, int] = {}
    for view in views:
        if view.need.status == "open":
            totals[view.need.currency] = totals.get(view.need.currency, 0) + view.total
    return dict(sorted(totals.items()))
