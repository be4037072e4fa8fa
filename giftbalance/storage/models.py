"""SQLAlchemy tables. The schema changes only through Alembic migrations (``alembic/``).

Money columns are ``BigInteger`` minor units (64 bits on PostgreSQL too) beside a currency
code; never ``Numeric`` (on SQLite it goes through float) and never float.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from giftbalance.values.vocabulary import (
    CHANNELS,
    ENTRY_KINDS,
    MATCH_STATUSES,
    NEED_STATUSES,
    OUTCOMES,
    PRIORITIES,
    sql_in,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """A user setting (``week_start``, ``default_account``), kept in the database."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Account(Base):
    """A store account that holds (or held) a redeemed gift balance."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: ``name`` case-folded; unique, so names are unique case-insensitively.
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    store: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    #: Sales tax in percent, as exact decimal text (``"8.875"``).
    tax_rate: Mapped[str] = mapped_column(String(16), default="0")
    #: The smallest e-gift card the store sells, in minor units.
    egift_minimum: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("egift_minimum >= 0", name="egift_minimum_not_negative"),)


def _filled(column: str) -> dict[str, Any]:
    """The ``WHERE`` of a partial index holding only the rows where ``column`` has a value."""
    condition = text(f"{column} IS NOT NULL")
    return {"sqlite_where": condition, "postgresql_where": condition}


class Entry(Base):
    """One line of the append-only ledger. Rows are only ever inserted.

    ``amount`` is signed (redemptions positive, spends negative, adjustments either way, a
    reversal the negation of the entry it reverses). ``balance_after`` is the account's balance
    once this entry is applied, in insertion order: it is derived from the entries before it and
    written in the same transaction, so the current balance is one indexed lookup.
    """

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    balance_after: Mapped[int] = mapped_column(BigInteger)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    giver: Mapped[str | None] = mapped_column(String(200))
    expires_on: Mapped[date | None] = mapped_column(Date)
    code_last4: Mapped[str | None] = mapped_column(String(4))
    #: Keyed HMAC-SHA256 (hex) of the normalised claim code; the code itself is never stored.
    code_hmac: Mapped[str | None] = mapped_column(String(64))
    #: For a reversal: the entry it reverses. Unique, so an entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), unique=True)
    #: The store's order a spend paid for or a refund came back from (``123-1234567-1234567``).
    order_id: Mapped[str | None] = mapped_column(String(40))
    #: For an entry a store import logged or linked: the stable key of the store's row (a
    #: SHA-256 hex digest), unique, so importing the same row again adds nothing. Metadata, like
    #: ``order_id``: the one pair of columns a link may set on an existing entry.
    source_key: Mapped[str | None] = mapped_column(String(64))

    # The indexes of columns most entries leave empty hold only the entries that have a value
    # (revision 0006): an entry written without one touches none of them, and every lookup
    # compares the column with a value, which implies it is not NULL.
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        CheckConstraint(sql_in("kind", ENTRY_KINDS), name="kind_known"),
        Index("ix_entries_account_id_id", "account_id", "id"),
        Index("ix_entries_account_id_occurred_on", "account_id", "occurred_on"),
        Index("ix_entries_account_id_order_id", "account_id", "order_id", **_filled("order_id")),
        Index("ix_entries_code_hmac", "code_hmac", **_filled("code_hmac")),
        # A store row is logged once: importing it again adds nothing.
        Index("uq_entries_source_key", "source_key", unique=True, **_filled("source_key")),
        # Finds an account's expiring redemptions without reading its whole history.
        Index("ix_entries_expiring", "account_id", "id", **_filled("expires_on")),
    )


class Member(Base):
    """A household member: someone you order for from the account that holds the balance."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # Names are unique among current members; a removed member's name can be reused.
        Index(
            "uq_members_name_key_current",
            "name_key",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )


class Need(Base):
    """Something the household needs, to be bought with the gift balance.

    For a recurring need, ``rule`` is RRULE text, ``first_date`` its DTSTART and ``next_date``
    the occurrence still to buy; ``quantity`` is per occurrence.
    """

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    need_by: Mapped[date | None] = mapped_column(Date)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    store: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(200))
    first_date: Mapped[date | None] = mapped_column(Date)
    next_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(sql_in("priority", PRIORITIES), name="priority_known"),
        CheckConstraint(sql_in("status", NEED_STATUSES), name="status_known"),
        Index("ix_needs_status", "status"),
    )


class Purchase(Base):
    """A need bought with the gift balance: links the ledger's spend entry to the need.

    Append-only like the ledger. ``occurrence`` is the recurring need's date that was bought;
    ``member_id`` is who it was for at the time, so per-member use survives later edits.
    """

    __tablename__ = "purchases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id"))
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    units: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: The store order's item that was the need, when the store import (or ``need bought
    #: --order``) linked it: its amount is this need's part of a spend that paid for several.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("order_items.id"))

    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        # A spend buys a need at most once (a store order may buy several needs).
        UniqueConstraint("entry_id", "need_id", name="uq_purchases_entry_id_need_id"),
    )


class OrderItem(Base):
    """An item of a store order paid (at least in part) from the gift balance, from the store's
    order history: kept to name what a spend bought and to match it to needs.

    Only dates, order ids, item names and amounts are kept; never addresses, payment
    instruments, gift messages or tracking numbers.
    """

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    order_id: Mapped[str] = mapped_column(String(40))
    ordered_on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(500))
    #: Price of one unit before tax, and what the row cost in all (tax, shipping, discounts).
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: The stable key of the store's row (SHA-256 hex): importing it again adds nothing.
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_order_items_account_id_order_id", "account_id", "order_id"),
    )


class NeedMatch(Base):
    """A need the store import found among an order's items but was not sure of: listed as
    ``to confirm`` until ``giftbalance need bought ID --order ORDER_ID`` confirms it."""

    __tablename__ = "need_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    order_id: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("order_items.id"))
    #: How alike the names are, 0 to 100 (rapidfuzz).
    score: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="to confirm")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(sql_in("status", MATCH_STATUSES), name="status_known"),
        UniqueConstraint("need_id", "order_id", name="uq_need_matches_need_id_order_id"),
        Index("ix_need_matches_status", "status"),
    )


class Contact(Base):
    """One contact with the store's support about a mistaken redemption."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(8))
    rep: Mapped[str | None] = mapped_column(String(200))
    case_ref: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(sql_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(sql_in("outcome", OUTCOMES), name="outcome_known"),
    )


class PageLink(Base):
    """A sign-in link to the household page (``giftbalance serve``): the owner's, or a member's.

    Only the SHA-256 of the link's random secret is stored; the secret itself is printed once.
    A new link for the same person replaces the secret in place (the old URL stops working,
    devices already signed in stay signed in); ``revoked_at`` ends the link and every session
    made with it.
    """

    __tablename__ = "page_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``owner`` (may do everything the page offers) or ``member``.
    role: Mapped[str] = mapped_column(String(8))
    #: The member it signs in (``None`` for the owner).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    #: SHA-256 (hex) of the link's secret.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The member may add needs for any member, not only for themselves.
    for_anyone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("role IN ('owner', 'member')", name="role_known"),
        CheckConstraint(
            "(role = 'owner' AND member_id IS NULL) OR (role = 'member' AND member_id IS NOT NULL)",
            name="member_matches_role",
        ),
    )


class PageSession(Base):
    """A browser signed in to the household page with a link: its cookie's secret, stored as a
    SHA-256, and the SHA-256 of its calendar feed's secret."""

    __tablename__ = "page_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("page_links.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    feed_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class PageNeed(Base):
    """A need a member added on the household page: they may edit or remove it while it is open."""

    __tablename__ = "page_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PageChanges(Base):
    """One row: a counter that database triggers raise on every write to the tables whose rows
    change in place (accounts, members, needs, settings, page links and sessions), so the
    household page knows when what it computed is out of date (revision 0004)."""

    __tablename__ = "page_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger)


class Reconciliation(Base):
    """One check of an account's balance against what the store shows (``giftbalance
    reconcile``), whether it matched or logged an adjustment. Append-only.

    The reminders count an account as reconciled on the newest ``checked_on``.
    """

    __tablename__ = "reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    #: The balance the store showed, in minor units of the account's currency.
    store_balance: Mapped[int] = mapped_column(BigInteger)
    #: The adjustment entry it logged; ``None``: the ledger already matched.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("store_balance >= 0", name="store_balance_not_negative"),
        Index("ix_reconciliations_account_id_checked_on", "account_id", "checked_on"),
    )


class Reminder(Base):
    """A reminder that was delivered or dismissed (``giftbalance remind``, ``notify``).

    ``key`` names the occasion (``expiry:3:2026-12-15:7``: account 3's money expiring on that
    day, at the 7-day threshold), so the same occasion is delivered once and a dismissed one
    never returns. A row is written when a reminder is first delivered, listed or dismissed.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    #: The day it is about: the order's week, the expiry date, the need-by date.
    due_on: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: When it was delivered (printed by ``remind``, or sent by ``notify``), and how.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_by: Mapped[str | None] = mapped_column(String(16))
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime)
