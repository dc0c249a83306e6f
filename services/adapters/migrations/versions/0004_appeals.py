"""documents.appealed_at and appeal_note: the owner's appeal of an automatic rejection (once per document)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("appealed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("appeal_note", sa.String(1000)))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("appeal_note")
        batch.drop_column("appealed_at")
