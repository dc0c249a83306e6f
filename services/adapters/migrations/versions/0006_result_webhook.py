"""documents.field_confidence and the result webhook's delivery state (pending, delivered, dead; attempts; next)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("field_confidence", sa.Text))
        batch.add_column(sa.Column("webhook_state", sa.String(16)))
        batch.add_column(sa.Column("webhook_attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("webhook_next_at", sa.DateTime(timezone=True)))
        batch.create_index("ix_documents_webhook_state", ["webhook_state"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_webhook_state")
        for name in ("webhook_next_at", "webhook_attempts", "webhook_state", "field_confidence"):
            batch.drop_column(name)
