"""reservation order_ref index

The catalog's order.cancelled consumer releases the reservations of one order by `order_ref`.

Revision ID: a5c8e2d4f6b1
Revises: b1d5e9a3c7f2
Create Date: 2026-12-04 11:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a5c8e2d4f6b1"
down_revision: str | None = "b1d5e9a3c7f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reservation_order_ref", "reservation", ["order_ref"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reservation_order_ref", table_name="reservation")
