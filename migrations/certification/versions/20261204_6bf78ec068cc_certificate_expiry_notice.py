"""certificate: the expiry date its certificate.expiring notice was published for

Revision ID: 6bf78ec068cc
Revises: c4e8a2d6f1b0
Create Date: 2026-12-04 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6bf78ec068cc"
down_revision: str | None = "c4e8a2d6f1b0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        batch.add_column(sa.Column("expiry_notice_for", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        batch.drop_column("expiry_notice_for")
