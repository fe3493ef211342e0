"""payouts to suppliers bank accounts and status reports

Revision ID: 877fdd987d35
Revises: f2c9d4e7a1b8
Create Date: 2026-12-04 18:00:53.732703
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "877fdd987d35"
down_revision: str | None = "f2c9d4e7a1b8"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_status_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("imported_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_status_reports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_bank_status_reports_sha256")),
    )
    op.create_table(
        "payout_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("payout_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_files")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payout_files_message_id")),
    )
    op.create_table(
        "supplier_bank_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("bank_name", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
        sa.Column("account_name", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=34), nullable=False),
        sa.Column("cnaps_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("bic", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_bank_accounts")),
    )
    with op.batch_alter_table("supplier_bank_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_supplier_bank_accounts_supplier_created", ["supplier_id", "created_at"], unique=False)

    op.create_table(
        "payouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("bank_account_id", sa.Uuid(), nullable=False),
        sa.Column("end_to_end_id", sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("reason_text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["supplier_bank_accounts.id"],
            name=op.f("fk_payouts_bank_account_id_supplier_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["settlement_batches.id"], name=op.f("fk_payouts_batch_id_settlement_batches")
        ),
        sa.ForeignKeyConstraint(["file_id"], ["payout_files.id"], name=op.f("fk_payouts_file_id_payout_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payouts_end_to_end_id")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payouts_file_id"), ["file_id"], unique=False)

    with op.batch_alter_table("settlement_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payout_status", sa.String(length=10), server_default="CREATED", nullable=False))
        batch_op.create_index(batch_op.f("ix_settlement_batches_payout_status"), ["payout_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("settlement_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_settlement_batches_payout_status"))
        batch_op.drop_column("payout_status")

    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_file_id"))
        batch_op.drop_index(batch_op.f("ix_payouts_batch_id"))

    op.drop_table("payouts")
    with op.batch_alter_table("supplier_bank_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_supplier_bank_accounts_supplier_created")

    op.drop_table("supplier_bank_accounts")
    op.drop_table("payout_files")
    op.drop_table("bank_status_reports")
