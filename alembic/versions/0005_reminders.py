"""Reminders: what was already reminded, and when.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Reserved in the revision chain so the features developed side by side each own one revision;
it changes nothing until its feature fills it in.
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
