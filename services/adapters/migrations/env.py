"""Alembic's entry point: runs the revisions on the connection that `migrations.upgrade` hands it."""

from __future__ import annotations

from alembic import context

from services.adapters.database import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python -m services migrate` (it connects to FILOT_DATABASE_URL)")

# SQLite cannot ALTER most things in place: batch mode rebuilds the table instead.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
