"""The stand-in's cases: each escalation BULI2 would hold, its decision and whether the callback went through,
kept in SQLite across restarts."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Verdict = Literal["approved", "rejected"]


class Escalation(BaseModel):
    document_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    doc_type: str
    score: float
    reasons: list[dict[str, Any]] = []
    fields: dict[str, str] = {}
    callback_url: str
    correlation_id: str | None = None
    image_url: str | None = None
    # The owner's appeal of an automatic rejection: {"at", "note"}; the reviewer's decision on it is final.
    appeal: dict[str, str] | None = None


@dataclass
class Case:
    escalation: Escalation
    received_at: float
    decision: Verdict | None = None
    reviewer: str | None = None
    callback_status: str = "pending"
    deliveries: int = 1
    history: list[str] = field(default_factory=list)


class CaseStore:
    """Cases in SQLite, so a restarted reviewer neither forgets a case nor opens a second one for it."""

    def __init__(self, url: str) -> None:
        path = url.removeprefix("sqlite:///")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS cases (key TEXT PRIMARY KEY, escalation TEXT NOT NULL, received_at REAL,"
            " decision TEXT, reviewer TEXT, callback_status TEXT, deliveries INTEGER, history TEXT)"
        )
        self._lock = threading.Lock()

    def save(self, key: str, case: Case) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    case.escalation.model_dump_json(),
                    case.received_at,
                    case.decision,
                    case.reviewer,
                    case.callback_status,
                    case.deliveries,
                    json.dumps(case.history),
                ),
            )

    def get(self, key: str) -> Case | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM cases WHERE key = ?", (key,)).fetchone()
        return _case(row) if row else None

    def all(self) -> list[tuple[str, Case]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM cases ORDER BY received_at").fetchall()
        return [(row[0], _case(row)) for row in rows]


def _case(row: tuple[Any, ...]) -> Case:
    return Case(
        escalation=Escalation.model_validate_json(row[1]),
        received_at=row[2],
        decision=row[3],
        reviewer=row[4],
        callback_status=row[5],
        deliveries=row[6],
        history=json.loads(row[7]),
    )
