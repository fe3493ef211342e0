"""markets decided: when every part's markets were last decided, under which rules

`tongnan up` decided every part's markets again at each start, three minutes at a million
parts; with this row it does so only when the rules, the day or the certificates changed.

Revision ID: d8e2b4f6a1c3
Revises: f3b8d1c6a2e9
Create Date: 2026-12-05 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d8e2b4f6a1c3"
down_revision: str | None = "f3b8d1c6a2e9"
# Only adds: the code of the revision before keeps working on this schema.
expand = True
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "markets_decided",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rules_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("markets_decided")
