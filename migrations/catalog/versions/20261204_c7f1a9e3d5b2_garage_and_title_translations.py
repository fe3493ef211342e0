"""garage vehicles and part title translations

Buyers keep their vehicles (a VIN or make, model and year) in a garage; suppliers may give a
part's title in further languages.

Revision ID: c7f1a9e3d5b2
Revises: 35d7e7ff5dfd
Create Date: 2026-12-04 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7f1a9e3d5b2"
down_revision: str | None = "35d7e7ff5dfd"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("part") as batch:
        batch.add_column(sa.Column("title_translations", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "garage_vehicle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("vehicle_key", sa.String(length=200), nullable=False),
        sa.Column("make", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("engine_code", sa.String(length=40), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "vehicle_key", name="uq_garage_vehicle_account_id_vehicle_key"),
    )
    op.create_index(
        "ix_garage_vehicle_account_id_created_at", "garage_vehicle", ["account_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_garage_vehicle_account_id_created_at", table_name="garage_vehicle")
    op.drop_table("garage_vehicle")
    with op.batch_alter_table("part") as batch:
        batch.drop_column("title_translations")
