"""part returns (RMA): wrong, faulty or misdescribed parts sent back under warranty

Revision ID: 5e1c7a9b3d20
Revises: e4b8c2a6d0f3
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1c7a9b3d20"
down_revision: str | None = "e4b8c2a6d0f3"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "part_returns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_line_id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.String(length=100), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("warranty_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.Column("return_carrier", sa.String(length=60), nullable=True),
        sa.Column("return_tracking_number", sa.String(length=100), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("replacement_reservation_key", sa.String(length=200), nullable=True),
        sa.Column("replacement_carrier", sa.String(length=60), nullable=True),
        sa.Column("replacement_tracking_number", sa.String(length=100), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replacement_shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_part_returns_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_part_returns_order_line_id_order_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_returns")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_part_returns_order_line_id")),
    )
    with op.batch_alter_table("part_returns") as batch_op:
        batch_op.create_index(batch_op.f("ix_part_returns_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_part_returns_supplier_id"), ["supplier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("part_returns") as batch_op:
        batch_op.drop_index(batch_op.f("ix_part_returns_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_part_returns_order_id"))
    op.drop_table("part_returns")
