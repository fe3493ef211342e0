"""address book

Revision ID: c31a7e5b9d20
Revises: 716de0dab533
Create Date: 2026-12-04 14:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "c31a7e5b9d20"
down_revision: str | None = "716de0dab533"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "addresses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", text(length=200), nullable=False),
        sa.Column("company_name", text(length=200), nullable=False),
        sa.Column("street_address", text(length=400), nullable=False),
        sa.Column("city", text(length=200), nullable=False),
        sa.Column("city_area", text(length=200), nullable=False),
        sa.Column("postal_code", text(length=200), nullable=False),
        sa.Column("sorting_code", text(length=200), nullable=False),
        sa.Column("country_area", text(length=200), nullable=False),
        sa.Column("country_code", text(length=2), nullable=False),
        sa.Column("phone", text(length=40), nullable=False),
        sa.Column("vat_number", text(length=40), nullable=False),
        sa.Column("eori_number", text(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_addresses_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addresses_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addresses_account_id"))
    op.drop_table("addresses")
