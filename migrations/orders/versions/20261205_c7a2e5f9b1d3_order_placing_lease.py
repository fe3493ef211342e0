"""order placing lease

Revision ID: c7a2e5f9b1d3
Revises: b6d1e9a3c7f5
Create Date: 2026-12-05 03:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7a2e5f9b1d3"
down_revision: str | None = "b6d1e9a3c7f5"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Until when one placeOrder attempt calls the catalog and Stripe for a RESERVING order (no row
    # lock is held across those calls); null when no attempt is under way.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placing_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("placing_until")
