"""event outbox, inbox and dead letters

Revision ID: a9d3f7b1e5c2
Revises: 3b7e2f41c9d0
Create Date: 2026-12-04 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9d3f7b1e5c2"
down_revision: str | None = "3b7e2f41c9d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbox_event_unpublished", "outbox_event", ["published_at", "seq"])
    op.create_table(
        "inbox_event",
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_index("ix_inbox_event_applied_at", "inbox_event", ["applied_at"])
    op.create_table(
        "dead_letter",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dead_letter_consumer_failed_at", "dead_letter", ["consumer", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_dead_letter_consumer_failed_at", table_name="dead_letter")
    op.drop_table("dead_letter")
    op.drop_index("ix_inbox_event_applied_at", table_name="inbox_event")
    op.drop_table("inbox_event")
    op.drop_index("ix_outbox_event_unpublished", table_name="outbox_event")
    op.drop_table("outbox_event")
