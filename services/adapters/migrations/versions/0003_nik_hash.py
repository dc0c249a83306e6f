"""documents.nik_hash: the keyed hash (HMAC-SHA256, hex) of the NIK a card carries, indexed.

The duplicate-identity check (the same NIK verified for another owner) and the KTP-NPWP check search this column;
the NIK itself is never an index. Documents decided before this revision have none and take part in no check.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("nik_hash", sa.String(64)))
        batch.create_index("ix_documents_nik_hash", ["nik_hash"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_nik_hash")
        batch.drop_column("nik_hash")
