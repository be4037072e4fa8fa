"""Ledger core: settings, accounts, entries.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tax_rate", sa.String(16), nullable=False),
        sa.Column("egift_minimum", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "egift_minimum >= 0", name=op.f("ck_accounts_egift_minimum_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("name_key", name=op.f("uq_accounts_name_key")),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("giver", sa.String(200), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("code_last4", sa.String(4), nullable=True),
        sa.Column("code_hmac", sa.String(64), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_entries_amount_not_zero")),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_entries_balance_not_negative")),
        sa.CheckConstraint(
            "kind IN ('redeem', 'spend', 'adjust', 'reversal')", name=op.f("ck_entries_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_entries_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["entries.id"], name=op.f("fk_entries_reverses_id_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_entries_reverses_id")),
    )
    op.create_index("ix_entries_account_id_id", "entries", ["account_id", "id"])
    op.create_index("ix_entries_account_id_occurred_on", "entries", ["account_id", "occurred_on"])
    op.create_index(op.f("ix_entries_code_hmac"), "entries", ["code_hmac"])
    op.create_index(
        "ix_entries_expiring",
        "entries",
        ["account_id", "id"],
        sqlite_where=sa.text("expires_on IS NOT NULL"),
        postgresql_where=sa.text("expires_on IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("entries")
    op.drop_table("accounts")
    op.drop_table("settings")
