"""Store import: refunds (a new entry kind), order ids and import source keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

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


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.drop_constraint(op.f("ck_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_entries_kind_known"), OLD_KINDS)
