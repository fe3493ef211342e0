"""order dangerous goods declaration data

Revision ID: b5e1d9c3a7f2
Revises: b6e1d3f5a7c9
Create Date: 2026-12-04 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5e1d9c3a7f2"
down_revision: str | None = "b6e1d3f5a7c9"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Orders without dangerous goods (and every order placed before) have none: nullable.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dangerous_goods", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("dangerous_goods")
