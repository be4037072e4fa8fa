"""Household members: the people you order for from the account that holds the balance.

A member is never deleted: removing one sets ``removed_at``, so purchases and bought needs keep
the name they were for. Names are unique, case-insensitively, among current members only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from giftbalance.errors import InputError, Refused
from giftbalance.household.reading import no_such_member
from giftbalance.household.reading import open_need_counts as open_need_counts
from giftbalance.ledger.accounts import clean_name, name_key
from giftbalance.storage.models import Member, Need
from giftbalance.values.dates import now
from giftbalance.values.text import note_text


def members(session: Session, *, include_removed: bool = False) -> list[Member]:
    """Current members by name (with ``include_removed``, former ones too, after them)."""
    query = select(Member).order_by(Member.removed_at.is_not(None), Member.name_key, Member.id)
    if not include_removed:
        query = query.where(Member.removed_at.is_(None))
    return list(session.scalars(query))


def _current(session: Session, name: str) -> Member | None:
    return session.scalars(
        select(Member).where(Member.name_key == name_key(name), Member.removed_at.is_(None))
    ).first()


def find_member(session: Session, name: str) -> Member:
    """The current member called ``name`` (any case).

    Raises :class:`NotFound` naming the current members, or saying how to add one.
    """
    member = _current(session, name)
    if member is None:
        raise no_such_member(name, [m.name for m in members(session)])
    return member


def add_member(session: Session, name: str, *, note: str | None = None) -> Member:
    """Add a member; refused when a current member already has that name (any case)."""
    name = clean_name(name, "member name")
    clash = _current(session, name)
    if clash is not None:
        raise Refused(f"a member called {clash.name!r} already exists")
    member = Member(
        name=name, name_key=name_key(name), note=note_text(note), created_at=now(), removed_at=None
    )
    session.add(member)
    session.flush()
    return member


def rename_member(session: Session, old: str, new: str) -> tuple[str, Member]:
    """Rename a current member; returns the old spelling and the member.

    Needs and purchases point at the member's id, so history follows the new name. Refused when
    another current member already has the new name.
    """
    member = find_member(session, old)
    before = member.name
    new = clean_name(new, "member name")
    clash = _current(session, new)
    if clash is not None and clash.id != member.id:
        raise Refused(f"a member called {clash.name!r} already exists")
    member.name, member.name_key = new, name_key(new)
    return before, member


@dataclass(frozen=True, slots=True)
class Removal:
    """A member removed: how many open needs moved, and to whom."""

    member: Member
    moved: int
    to: Member | None


def remove_member(session: Session, name: str, *, reassign: str | None = None) -> Removal:
    """Remove a current member (history keeps the name).

    Refused while open needs belong to the member, unless ``reassign`` names the current
    member who takes them over; bought and removed needs keep the member they were for.
    """
    member = find_member(session, name)
    to = find_member(session, reassign) if reassign is not None else None
    if to is not None and to.id == member.id:
        raise InputError(f"cannot reassign {member.name}'s needs to {member.name}")
    open_needs = list(
        session.scalars(select(Need).where(Need.member_id == member.id, Need.status == "open"))
    )
    if open_needs and to is None:
        ids = ", ".join(str(n.id) for n in open_needs)
        raise Refused(
            f"{member.name} still has {len(open_needs)} open need(s) ({ids}); pass "
            "--reassign OTHER to move them, or edit or remove them first"
        )
    for need in open_needs:
        assert to is not None
        need.member_id = to.id
    member.removed_at = now()
    session.flush()
    return Removal(member, len(open_needs), to)
