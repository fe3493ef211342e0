"""fx rates: whether they came from the bundled snapshot (the offline fallback)

Revision ID: a99e66170c23
Revises: 24e6a35e8c0d
Create Date: 2026-12-04 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a99e66170c23"
down_revision: str | None = "24e6a35e8c0d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fx_rates") as batch:
        batch.add_column(sa.Column("offline_fallback", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("fx_rates") as batch:
        batch.drop_column("offline_fallback")
