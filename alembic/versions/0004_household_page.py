"""The household page: member sign-in links and web sessions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Reserved in the revision chain so the features developed side by side each own one revision;
it changes nothing until its feature fills it in.
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
