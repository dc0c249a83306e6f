"""The durable truth about documents: SQLite by default, any SQLAlchemy URL later (Postgres).

Every status change is a conditional UPDATE (only from the states the lifecycle allows) plus an
audit event in the same transaction, so two workers can never both move one document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.core.lifecycle import ALLOWED_FROM, Status

metadata = sa.MetaData()

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("owner", sa.String(128), nullable=False, index=True),
    sa.Column("doc_type", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("object_key", sa.String(512), nullable=False),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("claimed_name", sa.String(128)),
    sa.Column("claimed_nik", sa.String(16)),
    sa.Column("score", sa.Float),
    sa.Column("decision", sa.String(16)),
    sa.Column("reasons", sa.Text),
    sa.Column("fields", sa.Text),
    sa.Column("error_code", sa.String(64)),
    sa.Column("error", sa.Text),
    sa.Column("path", sa.String(8)),
    sa.Column("correlation_id", sa.String(64)),
    # The token of the claim that moved the document to processing: later writes by that worker are
    # fenced on it, so a worker whose claim was taken over cannot write a stale result.
    sa.Column("claim_id", sa.String(64)),
    # The final status whose result was published: survives a flushed Redis, so nothing is published twice.
    sa.Column("published", sa.String(16)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
)

events = sa.Table(
    "document_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("correlation_id", sa.String(64)),
    sa.Column("detail", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

_JSON_COLUMNS = ("reasons", "fields")


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    owner: str
    doc_type: str
    status: Status
    object_key: str
    content_type: str
    size_bytes: int
    sha256: str
    claimed_name: str | None
    claimed_nik: str | None
    score: float | None
    decision: str | None
    reasons: list[dict[str, Any]] | None
    fields: dict[str, str] | None
    error_code: str | None
    error: str | None
    path: str | None
    correlation_id: str | None
    claim_id: str | None
    published: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class DocumentStore:
    def __init__(self, url: str) -> None:
        self.engine = _make_engine(url)
        _create_schema(self.engine)

    def create(
        self,
        *,
        doc_id: str,
        owner: str,
        doc_type: str,
        object_key: str,
        content_type: str,
        size_bytes: int,
        sha256: str,
        correlation_id: str,
        claimed_name: str | None = None,
        claimed_nik: str | None = None,
    ) -> DocumentRecord:
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                documents.insert().values(
                    id=doc_id,
                    owner=owner,
                    doc_type=doc_type,
                    status=Status.UPLOADED.value,
                    object_key=object_key,
                    content_type=content_type,
                    size_bytes=size_bytes,
                    sha256=sha256,
                    claimed_name=claimed_name,
                    claimed_nik=claimed_nik,
                    correlation_id=correlation_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            conn.execute(
                events.insert().values(
                    document_id=doc_id,
                    from_status=None,
                    to_status=Status.UPLOADED.value,
                    actor=f"user:{owner}",
                    correlation_id=correlation_id,
                    at=now,
                )
            )
        record = self.get(doc_id)
        assert record is not None
        return record

    def get(self, doc_id: str) -> DocumentRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.id == doc_id)).mappings().first()
        return _record(row) if row else None

    def transition(
        self,
        doc_id: str,
        target: Status,
        *,
        actor: str,
        correlation_id: str | None = None,
        detail: str | None = None,
        fence: str | None = None,
        **updates: Any,
    ) -> bool:
        """Move to `target` only from an allowed state (and, with `fence`, only while that claim holds the
        document); False, and nothing written, otherwise."""
        sources = [status.value for status in ALLOWED_FROM[target]]
        now = _now()
        values = {key: (json.dumps(value) if key in _JSON_COLUMNS else value) for key, value in updates.items()}
        if target in (Status.APPROVED, Status.REJECTED, Status.FAILED):
            values["decided_at"] = now
        # Compare-and-set on the status read, so the audit event names the state really left.
        for _ in range(5):
            with self.engine.begin() as conn:
                current = conn.execute(sa.select(documents.c.status).where(documents.c.id == doc_id)).scalar()
                if current not in sources:
                    return False
                condition = [documents.c.id == doc_id, documents.c.status == current]
                if fence is not None:
                    condition.append(documents.c.claim_id == fence)
                result = conn.execute(documents.update().where(*condition).values(status=target.value, updated_at=now, **values))
                if result.rowcount != 1 and fence is not None:
                    return False
                if result.rowcount != 1:
                    continue
                conn.execute(
                    events.insert().values(
                        document_id=doc_id,
                        from_status=current,
                        to_status=target.value,
                        actor=actor,
                        correlation_id=correlation_id,
                        detail=detail,
                        at=now,
                    )
                )
                return True
        return False

    def history(self, doc_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(events).where(events.c.document_id == doc_id).order_by(events.c.id))
            return [dict(row) for row in rows.mappings()]

    def stale(self, statuses: list[Status], *, older_than_s: float, limit: int = 500) -> list[DocumentRecord]:
        """Documents sitting in one of `statuses` without a change for longer than `older_than_s`."""
        cutoff = _now() - timedelta(seconds=older_than_s)
        query = (
            sa.select(documents)
            .where(documents.c.status.in_([s.value for s in statuses]), documents.c.updated_at < cutoff)
            .order_by(documents.c.updated_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query).mappings()]

    def decided_since(self, *, seconds: float, limit: int = 1000) -> list[DocumentRecord]:
        cutoff = _now() - timedelta(seconds=seconds)
        final = [Status.APPROVED.value, Status.REJECTED.value, Status.FAILED.value]
        unpublished = sa.or_(documents.c.published.is_(None), documents.c.published != documents.c.status)
        query = (
            sa.select(documents)
            .where(documents.c.status.in_(final), documents.c.decided_at >= cutoff, unpublished)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query).mappings()]

    def by_status(self, statuses: list[Status], *, limit: int = 1000) -> list[DocumentRecord]:
        query = (
            sa.select(documents)
            .where(documents.c.status.in_([s.value for s in statuses]))
            .order_by(documents.c.updated_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query).mappings()]

    def mark_published(self, doc_id: str, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(documents.update().where(documents.c.id == doc_id).values(published=status))

    def touch(self, doc_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(documents.update().where(documents.c.id == doc_id).values(updated_at=_now()))

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))


def _record(row: Any) -> DocumentRecord:
    data = dict(row)
    for key in _JSON_COLUMNS:
        data[key] = json.loads(data[key]) if data[key] else None
    data["status"] = Status(data["status"])
    for key in ("created_at", "updated_at", "decided_at"):
        data[key] = _as_utc(data[key])
    return DocumentRecord(**data)


def _create_schema(engine: Engine) -> None:
    # Several processes (API, workers) may start at once; the loser of the CREATE race just rechecks.
    for attempt in range(3):
        try:
            metadata.create_all(engine)
            return
        except sa.exc.OperationalError as exc:
            if "already exists" not in str(exc) or attempt == 2:
                raise


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the API read while a worker writes; several processes share the file.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)
