"""accounts an admin disabled, and the audit log of staff actions

Revision ID: e5a9c2d4f7b1
Revises: b7e3d1f9a2c5
Create Date: 2026-12-04 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "e5a9c2d4f7b1"
down_revision: str | None = "b7e3d1f9a2c5"
# Only adds (nullable columns, a new table): the code of the revision before keeps working.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_reason", text(length=1000), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_email", text(length=254), nullable=False),
        sa.Column("actor_role", text(length=16), nullable=False),
        sa.Column("action", text(length=60), nullable=False),
        sa.Column("subject_id", text(length=200), nullable=False),
        sa.Column("reason", text(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    for column in ("at", "actor_id", "action", "subject_id"):
        op.create_index(op.f(f"ix_audit_log_{column}"), "audit_log", [column], unique=False)


def downgrade() -> None:
    for column in ("at", "actor_id", "action", "subject_id"):
        op.drop_index(op.f(f"ix_audit_log_{column}"), table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("disabled_reason")
        batch.drop_column("disabled_at")
