"""order shipping address

Revision ID: e4b8c2a6d0f3
Revises: d8b2f6a4e0c1
Create Date: 2026-12-04 14:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4b8c2a6d0f3"
down_revision: str | None = "d8b2f6a4e0c1"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Orders placed before the address book have none: the column stays nullable.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_address", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("shipping_address")
