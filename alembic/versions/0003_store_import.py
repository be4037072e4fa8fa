"""Store import: refunds (a new entry kind), order ids and import source keys, order items and
need matches; a spend (a store order) may buy several needs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('redeem', 'spend', 'adjust', 'reversal')"
NEW_KINDS = "kind IN ('redeem', 'spend', 'adjust', 'reversal', 'refund')"


def upgrade() -> None:
    # SQLite cannot alter a CHECK constraint: batch mode rebuilds the table (with its indexes).
    with op.batch_alter_table("entries") as batch:
        batch.drop_constraint(op.f("ck_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_entries_kind_known"), NEW_KINDS)
        batch.add_column(sa.Column("order_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("source_key", sa.String(64), nullable=True))
        batch.create_unique_constraint(op.f("uq_entries_source_key"), ["source_key"])
        batch.create_index("ix_entries_account_id_order_id", ["account_id", "order_id"])
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_order_items_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
        sa.UniqueConstraint("source_key", name=op.f("uq_order_items_source_key")),
    )
    op.create_index("ix_order_items_account_id_order_id", "order_items", ["account_id", "order_id"])
    with op.batch_alter_table("purchases") as batch:
        batch.drop_constraint(op.f("uq_purchases_entry_id"), type_="unique")
        batch.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_purchases_item_id_order_items"), "order_items", ["item_id"], ["id"]
        )
        batch.create_unique_constraint("uq_purchases_entry_id_need_id", ["entry_id", "need_id"])
    op.create_table(
        "need_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('to confirm', 'confirmed')", name=op.f("ck_need_matches_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["needs.id"], name=op.f("fk_need_matches_need_id_needs")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_need_matches_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["order_items.id"], name=op.f("fk_need_matches_item_id_order_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_matches")),
        sa.UniqueConstraint("need_id", "order_id", name="uq_need_matches_need_id_order_id"),
    )
    op.create_index("ix_need_matches_status", "need_matches", ["status"])


def downgrade() -> None:
    op.drop_index("ix_need_matches_status", table_name="need_matches")
    op.drop_table("need_matches")
    with op.batch_alter_table("purchases") as batch:
        batch.drop_constraint("uq_purchases_entry_id_need_id", type_="unique")
        batch.drop_constraint(op.f("fk_purchases_item_id_order_items"), type_="foreignkey")
        batch.drop_column("item_id")
        batch.create_unique_constraint(op.f("uq_purchases_entry_id"), ["entry_id"])
    op.drop_index("ix_order_items_account_id_order_id", table_name="order_items")
    op.drop_table("order_items")
    with op.batch_alter_table("entries") as batch:
        batch.drop_index("ix_entries_account_id_order_id")
        batch.drop_constraint(op.f("uq_entries_source_key"), type_="unique")
        batch.drop_column("source_key")
        batch.drop_column("order_id")
        batch.drop_constraint(op.f("ck_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_entries_kind_known"), OLD_KINDS)
