"""Versioned schema migrations: Alembic driven from code (no alembic.ini), applied when a store starts.

Revisions live in `versions/` and spell out their schema literally (never import the live tables), so
an old revision keeps meaning what it meant. A test checks that head matches `database.metadata`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

SCRIPT_LOCATION = Path(__file__).resolve().parent
# The revision whose schema `metadata.create_all` used to build before migrations existed.
INITIAL = "0001"
# Any constant will do; it only has to differ from other advisory locks taken in the same database.
_PG_LOCK_KEY = 0x46494C4F54  # "FILOT"

log = logging.getLogger("filot.migrations")
# Alembic's `context` and `op` are module-level proxies: two threads migrating at once (even two databases)
# would run on each other's context. Always taken before the database lock, so the order never inverts.
_in_process = threading.Lock()


@dataclass(frozen=True)
class Migration:
    """What an upgrade did: the revision found (None: unversioned or empty), the revision left, and
    whether an unversioned schema from before migrations was adopted at INITIAL."""

    before: str | None
    after: str | None
    stamped: bool = False


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine) -> Migration:
    """Bring the schema to head in one transaction, holding a lock so that processes starting together
    take turns: the first migrates, the others find head and do nothing."""
    with _in_process, engine.connect() as conn:
        _lock(conn)
        before = current(conn)
        config = alembic_config(conn)
        # A database built by metadata.create_all before migrations existed: adopt it, don't recreate it.
        stamped = before is None and sa.inspect(conn).has_table("documents")
        if stamped:
            command.stamp(config, INITIAL)
        command.upgrade(config, "head")
        after = current(conn)
        conn.commit()
    if stamped or before != after:
        log.info("database schema %s -> %s%s", before, after, " (adopted an unversioned schema)" if stamped else "")
    return Migration(before=before, after=after, stamped=stamped)


def _lock(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Transaction-scoped, so it works through a transaction-mode pooler (Neon's PgBouncer) and is
        # released by the commit or by the server when the connection dies. Postgres DDL is transactional.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # The write lock on the file from the first statement on (busy_timeout makes others wait);
        # SQLite DDL is transactional too, and pysqlite does not commit before it.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:  # make_engine admits no other backend
        raise NotImplementedError(conn.dialect.name)
