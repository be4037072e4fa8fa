"""Reminders: what was already reminded or dismissed, and each balance check (reconcile).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

``reconciliations`` starts with the adjustments ``giftbalance reconcile`` logged before this
revision (their note says "reconciled to ..."), so an account reconciled last week is not
reported as never reconciled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("store_balance", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "store_balance >= 0", name=op.f("ck_reconciliations_store_balance_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_reconciliations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name=op.f("fk_reconciliations_entry_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_reconciliations_entry_id")),
    )
    op.create_index(
        "ix_reconciliations_account_id_checked_on",
        "reconciliations",
        ["account_id", "checked_on"],
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("sent_by", sa.String(16), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_reminders_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_reminders_key")),
    )
    # The adjustments reconcile logged before this revision count as balance checks.
    op.execute(
        "INSERT INTO reconciliations (account_id, checked_on, store_balance, entry_id, created_at) "
        "SELECT account_id, occurred_on, balance_after, id, recorded_at FROM entries "
        "WHERE kind = 'adjust' AND note LIKE 'reconciled to %' ORDER BY id"
    )


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_index("ix_reconciliations_account_id_checked_on", table_name="reconciliations")
    op.drop_table("reconciliations")
