"""order sanctions screening

Revision ID: b6e1d3f5a7c9
Revises: 877fdd987d35
Create Date: 2026-12-04 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b6e1d3f5a7c9"
down_revision: str | None = "877fdd987d35"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Orders placed before screening were never screened: both columns stay nullable.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screening_status", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("screening", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_screening_status"), ["screening_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_screening_status"))
        batch_op.drop_column("screening")
        batch_op.drop_column("screening_status")
