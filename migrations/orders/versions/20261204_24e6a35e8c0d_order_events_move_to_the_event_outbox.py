"""order events leave their own table for the event outbox

The webhook sender reads order events from the backbone now; a delivery names its event by
the event's id, which is no longer a row of this database's `order_events`.

Revision ID: 24e6a35e8c0d
Revises: a9d3f7b1e5c2
Create Date: 2026-12-04 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "24e6a35e8c0d"
down_revision: str | None = "a9d3f7b1e5c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("fk_webhook_deliveries_event_id_order_events", type_="foreignkey")
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_order_id")
        batch_op.drop_index("ix_order_events_dispatched_created")
    op.drop_table("order_events")


def downgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.String(length=100), nullable=False),
        sa.Column("supplier_ids", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_events_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index("ix_order_events_dispatched_created", ["dispatched_at", "created_at"], unique=False)
        batch_op.create_index("ix_order_events_order_id", ["order_id"], unique=False)
    # The deliveries' events are in the event outbox, not in the table the old schema knew:
    # they cannot keep a foreign key to it, so the delivery history goes.
    op.execute("DELETE FROM webhook_attempts")
    op.execute("DELETE FROM webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_webhook_deliveries_event_id_order_events", "order_events", ["event_id"], ["id"])
