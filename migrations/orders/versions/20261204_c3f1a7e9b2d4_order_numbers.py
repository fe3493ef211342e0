"""orders: human order numbers (TN-<year>-<sequence>) and their yearly counters

Existing orders are numbered in the order they were placed, per year, and each year's counter
starts after the last of them. Not an expanding migration: `number` becomes NOT NULL, which the
code of the revision before (placing orders without one) cannot write.

Revision ID: c3f1a7e9b2d4
Revises: 5e1c7a9b3d20
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f1a7e9b2d4"
down_revision: str | None = "5e1c7a9b3d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_number_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_order_number_counters")),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("number", sa.String(length=20), nullable=True))

    connection = op.get_bind()
    orders = sa.table("orders", sa.column("id"), sa.column("created_at"), sa.column("number"))
    counters = sa.table("order_number_counters", sa.column("year"), sa.column("last"))
    last_by_year: dict[int, int] = {}
    for order_id, created_at in connection.execute(
        sa.select(orders.c.id, orders.c.created_at).order_by(orders.c.created_at, orders.c.id)
    ):
        year = created_at.year if hasattr(created_at, "year") else int(str(created_at)[:4])
        last_by_year[year] = last_by_year.get(year, 0) + 1
        connection.execute(
            sa.update(orders).where(orders.c.id == order_id).values(number=f"TN-{year:04d}-{last_by_year[year]:06d}")
        )
    for year, last in last_by_year.items():
        connection.execute(sa.insert(counters).values(year=year, last=last))

    with op.batch_alter_table("orders") as batch:
        batch.alter_column("number", existing_type=sa.String(length=20), nullable=False)
        batch.create_unique_constraint(batch.f("uq_orders_number"), ["number"])


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(batch.f("uq_orders_number"), type_="unique")
        batch.drop_column("number")
    op.drop_table("order_number_counters")
