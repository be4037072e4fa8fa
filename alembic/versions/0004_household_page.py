"""The household page: member sign-in links and web sessions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

``page_links`` holds the SHA-256 of each sign-in link's secret (never the secret), and
``page_sessions`` the SHA-256 of each signed-in browser's cookie and calendar-feed secrets;
``page_needs`` records which member added a need on the page, so they may edit it.

``page_changes`` holds one counter (its row appears with the first write) that triggers
raise whenever a row of ``accounts``,
``members``, ``needs``, ``settings``, ``page_links`` or ``page_sessions`` is written (rows of
``entries`` and ``purchases`` are only ever added, so their newest id tells the same). The page
keeps what it computed from the database until one of the two moves, whichever program wrote.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Tables whose rows are changed in place: a write to any of them counts in ``page_changes``.
WATCHED = ("accounts", "members", "needs", "settings", "page_links", "page_sessions")
# The row appears with the first write, so a database nobody wrote to stays empty.
COUNT_SQLITE = (
    "INSERT INTO page_changes (id, counter) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET counter = counter + 1"
)
COUNT_PG = (
    "INSERT INTO page_changes (id, counter) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET counter = page_changes.counter + 1"
)


def upgrade() -> None:
    op.create_table(
        "page_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("for_anyone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('owner', 'member')", name=op.f("ck_page_links_role_known")),
        sa.CheckConstraint(
            "(role = 'owner' AND member_id IS NULL) OR (role = 'member' AND member_id IS NOT NULL)",
            name=op.f("ck_page_links_member_matches_role"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_page_links_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_links")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_page_links_secret_hash")),
    )
    op.create_table(
        "page_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("feed_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["page_links.id"], name=op.f("fk_page_sessions_link_id_page_links")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_page_sessions_secret_hash")),
        sa.UniqueConstraint("feed_hash", name=op.f("uq_page_sessions_feed_hash")),
    )
    op.create_index(op.f("ix_page_sessions_link_id"), "page_sessions", ["link_id"])
    op.create_table(
        "page_needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["needs.id"], name=op.f("fk_page_needs_need_id_needs")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_page_needs_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_needs")),
        sa.UniqueConstraint("need_id", name=op.f("uq_page_needs_need_id")),
    )
    op.create_index(op.f("ix_page_needs_member_id"), "page_needs", ["member_id"])

    op.create_table(
        "page_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_changes")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION page_changes_count() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {COUNT_PG}; RETURN NULL; END $$"
        )
    for table in WATCHED:
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER page_changes_{table} AFTER INSERT OR UPDATE OR DELETE ON "
                f"{table} FOR EACH STATEMENT EXECUTE FUNCTION page_changes_count()"
            )
            continue
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER page_changes_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {COUNT_SQLITE}; END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER page_changes_{table} ON {table}")
            continue
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER page_changes_{table}_{event}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION page_changes_count()")
    op.drop_table("page_changes")
    op.drop_index(op.f("ix_page_needs_member_id"), table_name="page_needs")
    op.drop_table("page_needs")
    op.drop_index(op.f("ix_page_sessions_link_id"), table_name="page_sessions")
    op.drop_table("page_sessions")
    op.drop_table("page_links")
