"""dead letters: when an admin asked for a replay, and who

Revision ID: b1d5e9a3c7f2
Revises: e7a1c0f2b3d4
Create Date: 2026-12-04 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1d5e9a3c7f2"
down_revision: str | None = "e7a1c0f2b3d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letter") as batch:
        batch.add_column(sa.Column("replay_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("replayed_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dead_letter") as batch:
        batch.drop_column("replayed_by")
        batch.drop_column("replay_requested_at")
