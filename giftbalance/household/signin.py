"""Sign-in to the household page: links, browser sessions, and who added which need there.

A sign-in link carries a random secret (256 bits). Only its SHA-256 is stored, so a copy of
the database cannot sign anyone in. Opening the link exchanges it for a browser session: a new
random cookie secret, also stored only as a SHA-256, valid for :data:`SESSION_DAYS` days. The
owner's link is made anew by every ``giftbalance serve``; a member's by ``giftbalance member
link NAME``, which replaces that member's earlier link (its URL stops working; browsers already
signed in stay signed in). Revoking a link ends every session made with it, and removing a
member ends theirs.

Two more secrets are derived from a session's cookie secret with HMAC-SHA256, each for one
purpose: the CSRF token every form carries, and the calendar feed's secret (a calendar app
cannot send the cookie, so the feed's URL carries its own secret, stored as a SHA-256 too).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from giftbalance.errors import InputError, Refused
from giftbalance.household.members import find_member
from giftbalance.storage.models import Member, PageLink, PageNeed, PageSession
from giftbalance.values.dates import now

#: Random bytes in a link's, a session's and a feed's secret (256 bits).
SECRET_BYTES = 32
#: How long a browser stays signed in after opening a link.
SESSION_DAYS = 90
#: The path a sign-in link opens (the secret is its ``token`` query parameter).
SIGNIN_PATH = "/signin"
OWNER, MEMBER = "owner", "member"
#: Where links point when the ``page_url`` setting is empty (``giftbalance serve``'s default).
DEFAULT_PAGE_URL = "http://127.0.0.1:8765"
CSRF, FEED = "csrf", "calendar-feed"


def new_secret() -> str:
    """A fresh random secret, URL-safe (43 characters for 256 bits)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """What is stored in place of a secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def derived(secret: str, purpose: str) -> str:
    """A secret for one ``purpose`` (:data:`CSRF`, :data:`FEED`) derived from a session's
    secret with HMAC-SHA256: knowing it tells nothing about the session's secret."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("ascii"), hashlib.sha256).hexdigest()


def same_secret(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def link_url(base: str, secret: str) -> str:
    """The sign-in URL: ``base`` (``http://host:port``) + :data:`SIGNIN_PATH` + the secret."""
    return f"{base.rstrip('/')}{SIGNIN_PATH}?{urlencode({'token': secret})}"


def check_page_url(text: str) -> str:
    """The household page's address as links start with it (``http://host:port`` or
    ``https://name``, no query); :class:`InputError` for anything else."""
    from urllib.parse import urlsplit

    value = text.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"page_url {text!r} is not an address like http://192.168.1.20:8765 or "
            "https://giftbalance.example.org"
        )
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        raise InputError(f"page_url {text!r} must not hold spaces, a query or a fragment")
    return value


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who a signed-in browser belongs to, and what they may do."""

    role: str
    member_id: int | None
    #: The member's name; ``None`` for the owner.
    member: str | None
    for_anyone: bool
    session_id: int

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER

    @property
    def name(self) -> str:
        """How the page greets them."""
        return self.member or "Owner"

    @property
    def adds_for_anyone(self) -> bool:
        """Whether they may say a need they add is for any member (else only themselves)."""
        return self.is_owner or self.for_anyone


# -- links ------------------------------------------------------------------------------------


def _live_link(session: Session, role: str, member_id: int | None) -> PageLink | None:
    query = select(PageLink).where(PageLink.role == role, PageLink.revoked_at.is_(None))
    if member_id is None:
        query = query.where(PageLink.member_id.is_(None))
    else:
        query = query.where(PageLink.member_id == member_id)
    return session.scalars(query.order_by(PageLink.id.desc()).limit(1)).first()


def _issue(session: Session, role: str, member_id: int | None, for_anyone: bool) -> str:
    secret = new_secret()
    link = _live_link(session, role, member_id)
    if link is None:
        session.add(
            PageLink(
                role=role,
                member_id=member_id,
                secret_hash=secret_hash(secret),
                for_anyone=for_anyone,
                created_at=now(),
                revoked_at=None,
            )
        )
    else:
        link.secret_hash, link.for_anyone = secret_hash(secret), for_anyone
    session.flush()
    return secret


def owner_link(session: Session) -> str:
    """A new secret for the owner's link (the owner's earlier link stops working; browsers
    already signed in as the owner stay signed in)."""
    return _issue(session, OWNER, None, True)


def member_link(session: Session, name: str, *, for_anyone: bool = False) -> tuple[Member, str]:
    """A new secret for member ``name``'s link, replacing their earlier one; with
    ``for_anyone`` they may add needs for any member. Returns the member and the secret."""
    member = find_member(session, name)
    return member, _issue(session, MEMBER, member.id, for_anyone)


def revoke_member_link(session: Session, name: str) -> tuple[Member, int]:
    """End member ``name``'s link and every browser signed in with it; returns the member and
    how many signed-in sessions ended. Refused when they have no link."""
    member = find_member(session, name)
    link = _live_link(session, MEMBER, member.id)
    if link is None:
        raise Refused(
            f"{member.name} has no sign-in link to revoke (make one with: giftbalance member "
            f'link "{member.name}")'
        )
    link.revoked_at = now()
    ended = session.scalars(
        select(PageSession.id).where(PageSession.link_id == link.id, PageSession.expires_at > now())
    ).all()
    session.flush()
    return member, len(ended)


# -- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the cookie's secret (given to the browser only) and whose it is."""

    secret: str
    visitor: Visitor
    max_age: int


def sign_in(session: Session, link_secret: str | None) -> SignedIn | None:
    """Exchange a link's secret for a new session; ``None`` when the link is unknown, replaced,
    revoked or for a removed member (the same answer for each, so nothing is told)."""
    if not link_secret or len(link_secret) > 200:
        return None
    wanted = secret_hash(link_secret)
    row = session.execute(
        select(PageLink, Member)
        .outerjoin(Member, Member.id == PageLink.member_id)
        .where(PageLink.secret_hash == wanted, PageLink.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    link, member = row
    if not same_secret(link.secret_hash, wanted):
        return None
    if link.role == MEMBER and (member is None or member.removed_at is not None):
        return None
    secret = new_secret()
    started = now()
    record = PageSession(
        link_id=link.id,
        secret_hash=secret_hash(secret),
        feed_hash=secret_hash(derived(secret, FEED)),
        created_at=started,
        expires_at=started + timedelta(days=SESSION_DAYS),
    )
    session.add(record)
    session.flush()
    visitor = Visitor(
        link.role, link.member_id, member.name if member else None, link.for_anyone, record.id
    )
    return SignedIn(secret, visitor, SESSION_DAYS * 24 * 3600)


@cache
def _lookup(by_feed: bool) -> Select[Any]:
    """The query finding a live session by the hash of its cookie (or feed) secret; built once,
    since every request of the page runs it."""
    column = PageSession.feed_hash if by_feed else PageSession.secret_hash
    return (
        select(PageSession.id, column, PageLink.role, PageLink.member_id, PageLink.for_anyone)
        .add_columns(Member.name, Member.removed_at)
        .join(PageLink, PageLink.id == PageSession.link_id)
        .outerjoin(Member, Member.id == PageLink.member_id)
        .where(
            column == bindparam("wanted"),
            PageLink.revoked_at.is_(None),
            PageSession.expires_at > bindparam("now"),
        )
    )


def _visitor(session: Session, by_feed: bool, secret: str | None) -> Visitor | None:
    if not secret or len(secret) > 200:
        return None
    wanted = secret_hash(secret)
    row = session.execute(_lookup(by_feed), {"wanted": wanted, "now": now()}).first()
    if row is None:
        return None
    session_id, stored, role, member_id, for_anyone, name, removed_at = row
    if not same_secret(stored, wanted):
        return None
    if role == MEMBER and (name is None or removed_at is not None):
        return None
    return Visitor(role, member_id, name, bool(for_anyone), session_id)


def visitor(session: Session, cookie_secret: str | None) -> Visitor | None:
    """Whose browser sends this cookie secret; ``None`` when it signs in no one (any more)."""
    return _visitor(session, False, cookie_secret)


def feed_visitor(session: Session, feed_secret: str | None) -> Visitor | None:
    """Whose calendar feed this secret opens; ``None`` when none (any more)."""
    return _visitor(session, True, feed_secret)


def sign_out(session: Session, session_id: int) -> None:
    """End one browser session now."""
    session.execute(
        update(PageSession).where(PageSession.id == session_id).values(expires_at=now())
    )


# -- who added which need ---------------------------------------------------------------------


def record_author(session: Session, need_id: int, who: Visitor) -> None:
    """Remember that member ``who`` added need ``need_id`` on the page (the owner may edit every
    need, so the owner's needs are not recorded)."""
    if who.member_id is not None:
        session.add(PageNeed(need_id=need_id, member_id=who.member_id, created_at=now()))
        session.flush()


def added_by(session: Session, member_id: int) -> set[int]:
    """The ids of the needs member ``member_id`` added on the page."""
    return set(session.scalars(select(PageNeed.need_id).where(PageNeed.member_id == member_id)))


def may_change(session: Session, who: Visitor, need_id: int) -> bool:
    """Whether ``who`` may edit or remove need ``need_id`` (if it is open): the owner any need,
    a member the needs they added on the page."""
    if who.is_owner:
        return True
    if who.member_id is None:
        return False
    return need_id in added_by(session, who.member_id)
