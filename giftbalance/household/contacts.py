"""The support-contact log: every chat, call or e-mail with the store's support, documented.

When a card was redeemed on the wrong account, support is the last resort; what they said,
who said it and under which case number is what gets a mistake reversed. Contacts are
updated in place, but a note is only ever appended to, each addition under a timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giftbalance.errors import InputError, NotFound
from giftbalance.ledger import accounts
from giftbalance.storage.models import Account, Contact
from giftbalance.values.dates import now
from giftbalance.values.text import note_text, one_line
from giftbalance.values.vocabulary import CHANNELS, OUTCOMES

MAX_SHORT = 200


@dataclass(frozen=True, slots=True)
class ContactView:
    """A contact with the name of the account it was about (if any)."""

    contact: Contact
    account: str | None


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    lowered = value.strip().lower()
    if lowered not in allowed:
        raise InputError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return lowered


def add_contact(
    session: Session,
    *,
    channel: str,
    summary: str,
    occurred_at: datetime | None = None,
    rep: str | None = None,
    case_ref: str | None = None,
    account: str | None = None,
    outcome: str = "pending",
    note: str | None = None,
) -> Contact:
    """Log one contact with support; ``occurred_at`` defaults to now.

    ``account`` names the store account it was about (archived ones too: the mistake may be
    why it was archived). Raises :class:`InputError` for an empty summary or an unknown
    channel or outcome, :class:`NotFound` for an unknown account.
    """
    text = note_text(summary, "summary")
    if not text:
        raise InputError("the summary cannot be empty: say what was asked and what was answered")
    about: Account | None = accounts.find_account(session, account) if account else None
    stamp = now()
    contact = Contact(
        occurred_at=occurred_at or stamp,
        channel=_choice(channel, CHANNELS, "channel"),
        rep=one_line(rep, "representative's name", max_length=MAX_SHORT),
        case_ref=one_line(case_ref, "case id", max_length=MAX_SHORT),
        account_id=about.id if about is not None else None,
        summary=text,
        outcome=_choice(outcome, OUTCOMES, "outcome"),
        note=note_text(note),
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(contact)
    session.flush()
    return contact


def find_contact(session: Session, contact_id: int) -> Contact:
    """The contact with id ``contact_id``; :class:`NotFound` if there is none."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id} (see: giftbalance contact list)")
    return contact


def update_contact(
    session: Session, contact_id: int, *, outcome: str | None = None, note: str | None = None
) -> Contact:
    """Record what happened since: a new ``outcome`` and/or a ``note``.

    The note is appended to the existing one on a line of its own, stamped with the time and
    the outcome change (``[2026-11-25 14:30] outcome pending -> credited: text``), so the
    contact's history stays readable. Raises :class:`InputError` when nothing is given.
    """
    text = note_text(note)
    if outcome is None and not text:
        raise InputError("nothing to update: give --outcome and/or --note")
    contact = find_contact(session, contact_id)
    stamp = now()
    parts = []
    if outcome is not None:
        new = _choice(outcome, OUTCOMES, "outcome")
        if new != contact.outcome:
            parts.append(f"outcome {contact.outcome} -> {new}")
        contact.outcome = new
    if text:
        parts.append(text)
    if parts:
        line = f"[{stamp:%Y-%m-%d %H:%M}] " + ": ".join(parts)
        contact.note = f"{contact.note}\n{line}" if contact.note else line
    contact.updated_at = stamp
    session.flush()
    return contact


def list_contacts(session: Session) -> list[ContactView]:
    """Every contact, newest first."""
    rows = session.execute(
        select(Contact, Account.name)
        .outerjoin(Account, Account.id == Contact.account_id)
        .order_by(Contact.occurred_at.desc(), Contact.id.desc())
    ).all()
    return [ContactView(contact, name) for contact, name in rows]


def counts(session: Session) -> tuple[int, int]:
    """How many contacts are logged, and how many still wait for an answer (``pending``)."""
    total, pending = session.execute(
        select(func.count(), func.count().filter(Contact.outcome == "pending")).select_from(Contact)
    ).one()
    return int(total or 0), int(pending or 0)
