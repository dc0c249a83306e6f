"""Idempotent uploads and an actor column wide enough for what the API accepts.

- documents.idempotency_key (the client's Idempotency-Key, 1-128 characters) and idempotency_digest (SHA-256 of
  what that request carried), unique per owner: the database answers a retried upload when Redis has lost it;
- document_events.actor 64 -> 200: `user:` + a 128-character owner, or `buli2:` + a 128-character reviewer, overflowed it
  on Postgres (SQLite never enforces a VARCHAR length, so only Postgres showed the 500).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(128)))
        batch.add_column(sa.Column("idempotency_digest", sa.String(64)))
        batch.create_index("ix_documents_owner_idempotency_key", ["owner", "idempotency_key"], unique=True)
    with op.batch_alter_table("document_events") as batch:
        batch.alter_column("actor", type_=sa.String(200), existing_type=sa.String(64), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("document_events") as batch:
        batch.alter_column("actor", type_=sa.String(64), existing_type=sa.String(200), existing_nullable=False)
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_owner_idempotency_key")
        batch.drop_column("idempotency_digest")
        batch.drop_column("idempotency_key")
