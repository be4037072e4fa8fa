"""Store import: refunds, order ids and import source keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Reserved in the revision chain so the features developed side by side each own one revision;
it changes nothing until its feature fills it in.
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
