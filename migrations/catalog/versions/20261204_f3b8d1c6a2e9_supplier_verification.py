"""supplier verification: the application, its review, and a USCC bound only once verified

A supplier applies with its USCC, its business licence (a PDF, kept by its SHA-256) and its
legal representative; an admin verifies or rejects it. The unique constraint on `uscc` becomes
a partial unique index over verified suppliers only, so unverified registrations may name the
same code and a squatter no longer locks the real company out. Suppliers verified before this
revision keep their status. Not additive (a unique constraint is dropped): no expand flag.

Revision ID: f3b8d1c6a2e9
Revises: c7f1a9e3d5b2
Create Date: 2026-12-04 18:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3b8d1c6a2e9"
down_revision: str | None = "c7f1a9e3d5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supplier") as batch:
        batch.drop_constraint("uq_supplier_uscc", type_="unique")
        batch.add_column(
            sa.Column("verification_status", sa.String(length=20), nullable=False, server_default="NOT_SUBMITTED")
        )
        batch.add_column(sa.Column("legal_representative", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("licence_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("licence_size_bytes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("verification_submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verification_reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verification_reviewer", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("verification_reason", sa.String(length=1000), nullable=True))
    op.execute(sa.text("UPDATE supplier SET verification_status = 'VERIFIED' WHERE verified"))
    op.create_index("ix_supplier_uscc", "supplier", ["uscc"], unique=False)
    op.create_index(
        "ix_supplier_verification_status_submitted_at",
        "supplier",
        ["verification_status", "verification_submitted_at"],
        unique=False,
    )
    op.create_index(
        "ux_supplier_uscc_verified",
        "supplier",
        ["uscc"],
        unique=True,
        sqlite_where=sa.text("verified"),
        postgresql_where=sa.text("verified"),
    )


def downgrade() -> None:
    op.drop_index("ux_supplier_uscc_verified", table_name="supplier")
    op.drop_index("ix_supplier_verification_status_submitted_at", table_name="supplier")
    op.drop_index("ix_supplier_uscc", table_name="supplier")
    with op.batch_alter_table("supplier") as batch:
        for column in (
            "verification_reason",
            "verification_reviewer",
            "verification_reviewed_at",
            "verification_submitted_at",
            "licence_size_bytes",
            "licence_sha256",
            "legal_representative",
            "verification_status",
        ):
            batch.drop_column(column)
        batch.create_unique_constraint("uq_supplier_uscc", ["uscc"])
