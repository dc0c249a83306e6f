"""claimed_name, claimed_nik and appeal_note as text: they hold AES-GCM ciphertext now (services/platform/pii_cipher.py),
which Postgres would refuse in VARCHAR(16) and VARCHAR(128). Existing plaintext values stay readable and are
encrypted at their next write or by `python -m services pii reencrypt`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("claimed_name", type_=sa.Text, existing_type=sa.String(128))
        batch.alter_column("claimed_nik", type_=sa.Text, existing_type=sa.String(16))
        batch.alter_column("appeal_note", type_=sa.Text, existing_type=sa.String(1000))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("appeal_note", type_=sa.String(1000), existing_type=sa.Text)
        batch.alter_column("claimed_nik", type_=sa.String(16), existing_type=sa.Text)
        batch.alter_column("claimed_name", type_=sa.String(128), existing_type=sa.Text)
