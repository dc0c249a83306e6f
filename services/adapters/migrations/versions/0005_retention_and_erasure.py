"""documents.image_deleted_at, pii_erased_at, erased_at: retention (images, PII fields) and the owner's erasure."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("image_deleted_at", "pii_erased_at", "erased_at")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
