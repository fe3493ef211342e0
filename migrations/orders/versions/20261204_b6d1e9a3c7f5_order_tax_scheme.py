"""order tax scheme and registration number

Revision ID: b6d1e9a3c7f5
Revises: b5e1d9c3a7f2
Create Date: 2026-12-04 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b6d1e9a3c7f5"
down_revision: str | None = "b5e1d9c3a7f2"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The point-of-sale regime (UK VAT, IOSS, VOEC ...) an order's VAT/GST was collected under and
    # our number under it; null for orders taxed on import (and for every order placed before).
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_scheme", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("tax_registration", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("tax_registration")
        batch_op.drop_column("tax_scheme")
