"""The document store: conditional transitions with an audit trail, safe under concurrent writers.

Every repository test runs against SQLite and against a real PostgreSQL server (tests/postgres.py);
Postgres-only tests cover row locks, dead pooled connections and concurrent migrations.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from devtools.devservers import free_port, wait_until
from services.adapters import migrations
from services.adapters.database import DocumentStore, documents, make_engine, metadata
from services.cli import migrate as migrate_cli
from services.core.lifecycle import Status
from services.platform.errors import FilotError
from services.platform.pii_cipher import FieldCipher
from services.platform.settings import Settings
from tests.postgres import PostgresServer


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend: a SQLite file, or a fresh database on the session's Postgres."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'filot.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def open_store(database_url: str) -> Iterator[Callable[[], DocumentStore]]:
    """Open any number of stores on the test's database (as several processes would); all closed after."""
    stores: list[DocumentStore] = []

    def open_one() -> DocumentStore:
        stores.append(DocumentStore(database_url))
        return stores[-1]

    yield open_one
    for store in stores:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], DocumentStore]) -> DocumentStore:
    return open_store()


def new_doc(store: DocumentStore, doc_id: str = "a" * 32) -> str:
    store.create(
        doc_id=doc_id,
        owner="alice",
        doc_type="ktp",
        object_key=f"documents/{doc_id}/original.png",
        content_type="image/png",
        size_bytes=10,
        sha256="0" * 64,
        correlation_id="cid",
        claimed_name="Alice",
    )
    return doc_id


def run_together(works: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run each of `works` in its own thread, all released at once; their results, or the exceptions raised."""
    barrier = threading.Barrier(len(works))
    results: list[Any] = []

    def one(work: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            results.append(exc)

    threads = [threading.Thread(target=one, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def backdate(store: DocumentStore, doc_id: str, *, seconds: float, column: str = "updated_at") -> None:
    """Move a timestamp into the past, as if the document had sat still that long."""
    record = store.get(doc_id)
    assert record is not None
    value = getattr(record, column) - timedelta(seconds=seconds)
    with store.engine.begin() as conn:
        conn.execute(documents.update().where(documents.c.id == doc_id).values({column: value}))


def messages(exc: BaseException | None) -> str:
    """Everything an uncaught error would print about itself: its message and those of its causes."""
    text = ""
    while exc is not None:
        text += f"{type(exc).__name__}: {exc}\n"
        exc = exc.__cause__ or exc.__context__
    return text


# The repository suite, on both backends.


def test_create_and_read_back(store: DocumentStore) -> None:
    record = store.get(new_doc(store))
    assert record is not None
    assert record.status is Status.UPLOADED and record.owner == "alice" and record.claimed_name == "Alice"
    assert record.created_at.tzinfo is not None
    assert store.get("b" * 32) is None


def test_timestamps_come_back_in_utc(store: DocumentStore) -> None:
    """The test Postgres runs in Asia/Jakarta (UTC+7): records still read back in UTC, as on SQLite."""
    doc = new_doc(store)
    record = store.get(doc)
    assert record is not None
    assert record.created_at.utcoffset() == timedelta(0) and record.updated_at == record.created_at
    assert abs(time.time() - record.created_at.timestamp()) < 60
    assert all(event["at"].utcoffset() == timedelta(0) for event in store.history(doc))


def test_transitions_follow_the_lifecycle_and_are_audited(store: DocumentStore) -> None:
    doc = new_doc(store)
    assert store.transition(doc, Status.QUEUED, actor="api")
    assert store.transition(doc, Status.PROCESSING, actor="worker:gpu", path="gpu")
    assert store.transition(
        doc, Status.SCORED, actor="worker:gpu", score=91.5, reasons=[{"code": "x"}], fields={"nik": "1"}
    )
    assert store.transition(doc, Status.APPROVED, actor="worker:gpu", decision="approved")
    record = store.get(doc)
    assert record is not None
    assert (record.status, record.score, record.decision, record.path) == (Status.APPROVED, 91.5, "approved", "gpu")
    assert record.reasons == [{"code": "x"}] and record.fields == {"nik": "1"}
    assert record.decided_at is not None
    steps = [(e["from_status"], e["to_status"], e["actor"]) for e in store.history(doc)]
    assert steps == [
        (None, "uploaded", "user:alice"),
        ("uploaded", "queued", "api"),
        ("queued", "processing", "worker:gpu"),
        ("processing", "scored", "worker:gpu"),
        ("scored", "approved", "worker:gpu"),
    ]


def test_disallowed_transition_writes_nothing(store: DocumentStore) -> None:
    doc = new_doc(store)
    assert not store.transition(doc, Status.APPROVED, actor="worker:gpu", decision="approved")
    record = store.get(doc)
    assert record is not None and record.status is Status.UPLOADED and record.decision is None
    assert len(store.history(doc)) == 1
    assert not store.transition("f" * 32, Status.QUEUED, actor="api")  # unknown document


def test_fenced_writes_need_the_current_claim(store: DocumentStore) -> None:
    doc = new_doc(store)
    store.transition(doc, Status.QUEUED, actor="api")
    store.transition(doc, Status.PROCESSING, actor="worker:1", claim_id="claim-1")
    assert not store.transition(doc, Status.SCORED, actor="worker:0", fence="claim-0", score=10.0)
    assert store.transition(doc, Status.SCORED, actor="worker:1", fence="claim-1", score=90.0)
    record = store.get(doc)
    assert record is not None and (record.status, record.score, record.claim_id) == (Status.SCORED, 90.0, "claim-1")


def test_only_one_of_many_concurrent_workers_starts_a_document(store: DocumentStore) -> None:
    doc = new_doc(store)
    store.transition(doc, Status.QUEUED, actor="api")
    results = run_together([lambda: store.transition(doc, Status.PROCESSING, actor="worker")] * 8)
    assert sorted(results) == [False] * 7 + [True]
    assert [e["to_status"] for e in store.history(doc)].count("processing") == 1


def test_stale_finds_documents_untouched_for_long_enough(store: DocumentStore) -> None:
    old, recent, other = new_doc(store, "1" * 32), new_doc(store, "2" * 32), new_doc(store, "3" * 32)
    for doc in (old, recent, other):
        store.transition(doc, Status.QUEUED, actor="api")
    store.transition(other, Status.PROCESSING, actor="worker")
    backdate(store, old, seconds=3600)
    backdate(store, recent, seconds=120)
    backdate(store, other, seconds=3600)
    assert [r.id for r in store.stale([Status.QUEUED], older_than_s=60)] == [old, recent]  # oldest first
    assert [r.id for r in store.stale([Status.QUEUED], older_than_s=600)] == [old]
    assert [r.id for r in store.stale([Status.QUEUED, Status.PROCESSING], older_than_s=600)] in (
        [old, other],
        [other, old],
    )
    store.touch(old)
    assert [r.id for r in store.stale([Status.QUEUED], older_than_s=600)] == []


def test_decided_since_lists_final_results_not_yet_published(store: DocumentStore) -> None:
    doc = new_doc(store)
    for target in (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.APPROVED):
        assert store.transition(doc, target, actor="worker")
    assert [r.id for r in store.decided_since(seconds=60)] == [doc]
    store.mark_published(doc, "approved")
    assert store.decided_since(seconds=60) == []
    store.mark_published(doc, "needs_review")  # an earlier result was published, not this one
    assert [r.id for r in store.decided_since(seconds=60)] == [doc]
    backdate(store, doc, seconds=3600, column="decided_at")
    assert store.decided_since(seconds=60) == []


def test_by_status_oldest_change_first(store: DocumentStore) -> None:
    first, second = new_doc(store, "1" * 32), new_doc(store, "2" * 32)
    backdate(store, second, seconds=10)
    assert [r.id for r in store.by_status([Status.UPLOADED])] == [second, first]
    assert store.by_status([Status.FAILED]) == []
    store.ping()


def test_counts_by_status_and_by_transition_for_the_metrics(store: DocumentStore) -> None:
    assert store.count_by_status() == {status: 0 for status in Status}
    approved, reviewed, failed = new_doc(store, "1" * 32), new_doc(store, "2" * 32), new_doc(store, "3" * 32)
    new_doc(store, "4" * 32)
    for doc, path in (
        (approved, (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.APPROVED)),
        (reviewed, (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW, Status.ESCALATED,
                    Status.REJECTED)),
        (failed, (Status.QUEUED, Status.FAILED)),
    ):
        for status in path:
            assert store.transition(doc, status, actor="test")
    counts = store.count_by_status()
    assert {s: n for s, n in counts.items() if n} == {
        Status.UPLOADED: 1, Status.APPROVED: 1, Status.REJECTED: 1, Status.FAILED: 1
    }
    moves = store.transition_counts(into=[Status.APPROVED, Status.REJECTED, Status.NEEDS_REVIEW])
    assert moves == {("scored", "approved"): 1, ("scored", "needs_review"): 1, ("escalated", "rejected"): 1}


def test_owned_by_pages_newest_first(store: DocumentStore) -> None:
    """Keyset paging compares timestamps the database stored with ones a record handed back."""
    docs = [new_doc(store, digit * 32) for digit in "123"]
    page = store.owned_by("alice", limit=2)
    assert [r.id for r in page] == [docs[2], docs[1]]
    rest = store.owned_by("alice", limit=2, before=(page[-1].created_at, page[-1].id))
    assert [r.id for r in rest] == [docs[0]]
    assert store.owned_by("bob", limit=2) == []


# Migrations, on both backends.


def test_migrations_build_exactly_the_schema_the_code_uses(store: DocumentStore) -> None:
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert migrations.current(conn) == migrations.head() == "0007"


def test_migrating_again_changes_nothing(open_store: Callable[[], DocumentStore]) -> None:
    first = open_store()
    doc = new_doc(first)
    again = open_store()
    head = migrations.head()
    assert (first.migration.before, first.migration.after) == (None, head)
    assert (again.migration.before, again.migration.after, again.migration.stamped) == (head, head, False)
    assert again.get(doc) is not None
    with again.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def _start_a_store(url: str, barrier: Any, found: Any) -> None:
    """One process starting on a fresh database (run in a child process)."""
    barrier.wait(timeout=60)
    try:
        store = DocumentStore(url)
        found.put(store.migration.before)
        store.close()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        found.put(repr(exc))


def test_processes_starting_together_all_get_the_schema(database_url: str) -> None:
    """Without the database lock (advisory on Postgres, BEGIN IMMEDIATE on SQLite) the losers of the
    CREATE TABLE race would fail to start."""
    context = multiprocessing.get_context("spawn")
    barrier, found = context.Barrier(3), context.Queue()
    children = [context.Process(target=_start_a_store, args=(database_url, barrier, found)) for _ in range(3)]
    for child in children:
        child.start()
    results = [found.get(timeout=90) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert sorted(map(str, results)) == ["0007", "0007", "None"], results


def test_threads_starting_together_all_get_the_schema(open_store: Callable[[], DocumentStore]) -> None:
    results = run_together([open_store] * 4)
    assert all(isinstance(result, DocumentStore) for result in results), results
    assert sum(result.migration.before is None for result in results) == 1
    new_doc(results[0])


def test_a_database_from_before_migrations_is_adopted(database_url: str) -> None:
    """A schema that metadata.create_all built before migrations existed (the initial revision's tables, no
    alembic_version) is stamped at the initial revision and upgraded, data kept."""
    from alembic import command

    engine = make_engine(database_url)
    with engine.begin() as conn:
        command.upgrade(migrations.alembic_config(conn), migrations.INITIAL)
        conn.execute(sa.text("DROP TABLE alembic_version"))
    now = datetime.now(UTC)
    row: dict[str, Any] = {"owner": "bob", "doc_type": "ktp", "status": "queued", "object_key": "k"}
    row |= {"content_type": "image/png", "size_bytes": 1, "sha256": "0" * 64, "created_at": now, "updated_at": now}
    with engine.begin() as conn:
        conn.execute(documents.insert().values(id="c" * 32, **row))
    engine.dispose()
    store = DocumentStore(database_url)
    try:
        assert (store.migration.before, store.migration.after, store.migration.stamped) == (None, "0007", True)
        record = store.get("c" * 32)
        assert record is not None and record.status is Status.QUEUED
    finally:
        store.close()


def test_migrate_command_prints_the_revision(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.__main__ import main

    monkeypatch.setattr(migrate_cli, "get_settings", lambda: Settings(database_url=database_url))
    assert main(["migrate"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["migrate"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (first["from"], first["revision"], second["from"], second["revision"]) == (None, "0007", "0007", "0007")
    assert "filot-test-secret" not in first["database"]


# Postgres only.


def test_a_transition_waiting_on_a_row_lock_sees_the_winner(postgres_server: PostgresServer, postgres_url: str) -> None:
    """Two connections, interleaved by hand: the loser blocks on the row, then re-reads the committed status."""
    store = DocumentStore(postgres_url)
    database = sa.make_url(postgres_url).database

    def someone_waits_on_a_lock() -> bool:
        with postgres_server.connect() as admin:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
            row = admin.execute(query, (database,)).fetchone()
            return row is not None and row[0] > 0

    try:
        doc = new_doc(store)
        store.transition(doc, Status.QUEUED, actor="api")
        with store.engine.connect() as winner:
            winner.execute(sa.select(documents.c.status).where(documents.c.id == doc).with_for_update())
            loser: list[bool] = []
            thread = threading.Thread(target=lambda: loser.append(store.transition(doc, Status.PROCESSING, actor="b")))
            thread.start()
            wait_until(someone_waits_on_a_lock, timeout=10, what="the second transition to wait on the row lock")
            winner.execute(documents.update().where(documents.c.id == doc).values(status="processing"))
            winner.commit()
        thread.join(timeout=10)
        assert loser == [False]
        assert [e["to_status"] for e in store.history(doc)] == ["uploaded", "queued"]
    finally:
        store.close()


def test_two_stores_race_for_one_document(postgres_url: str) -> None:
    """As two worker processes would: separate pools, one document, exactly one winner."""
    stores = [DocumentStore(postgres_url) for _ in range(2)]
    try:
        doc = new_doc(stores[0])
        for _ in range(5):
            assert stores[0].transition(doc, Status.QUEUED, actor="api")
            claims = [
                partial(store.transition, doc, Status.PROCESSING, actor=f"worker:{n}", claim_id=str(n))
                for n, store in enumerate(stores)
            ]
            assert sorted(run_together(claims)) == [False, True]
        assert [e["to_status"] for e in stores[1].history(doc)].count("processing") == 5
    finally:
        for store in stores:
            store.close()


def test_the_pool_survives_connections_killed_by_the_server(postgres_server: PostgresServer, postgres_url: str) -> None:
    """Neon closes idle connections; pre-ping replaces a dead pooled connection instead of failing a request."""
    store = DocumentStore(postgres_url)
    try:
        doc = new_doc(store)
        backend_pid = "SELECT pg_backend_pid()"
        with store.engine.connect() as conn:
            before = conn.execute(sa.text(backend_pid)).scalar()
        database = sa.make_url(postgres_url).database
        with postgres_server.connect() as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (database,)
            ).fetchone()
        assert killed is not None and killed[0] >= 1
        assert store.get(doc) is not None
        assert store.transition(doc, Status.QUEUED, actor="api")
        with store.engine.connect() as conn:
            assert conn.execute(sa.text(backend_pid)).scalar() != before
    finally:
        store.close()


def test_wrong_password_is_a_clear_error_without_the_password(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    database = sa.make_url(postgres_url).database
    assert database is not None
    with pytest.raises(FilotError) as caught:
        DocumentStore(postgres_server.url(database, password="not-the-Pa55word"))
    assert caught.value.code == "database_unavailable"
    assert "password authentication failed" in str(caught.value)
    assert "not-the-Pa55word" not in messages(caught.value)


# Bad settings, no server needed.


@pytest.mark.parametrize(
    "url",
    [
        "mysql://filot:s3cr3t-pw@db.example/filot",
        "postgresql+psycopg2://filot:s3cr3t-pw@db.example/filot",
        "redis://:s3cr3t-pw@127.0.0.1:6379/0",
        "filot:s3cr3t-pw@db.example/filot",
        "",
    ],
    ids=["mysql", "psycopg2", "redis", "no-scheme", "empty"],
)
def test_a_url_we_cannot_use_is_an_invalid_setting(url: str) -> None:
    with pytest.raises(FilotError) as caught:
        DocumentStore(url)
    assert caught.value.code == "invalid_setting"
    assert "sqlite:///" in str(caught.value) and "postgresql://" in str(caught.value)
    assert "s3cr3t-pw" not in messages(caught.value)


def test_an_unreachable_postgres_is_database_unavailable_without_the_password() -> None:
    started = time.monotonic()
    with pytest.raises(FilotError) as caught:
        DocumentStore(f"postgres://filot:s3cr3t-pw@127.0.0.1:{free_port()}/filot?sslmode=disable")
    assert caught.value.code == "database_unavailable"
    assert "127.0.0.1" in str(caught.value) and "***" in str(caught.value)
    assert "s3cr3t-pw" not in messages(caught.value)
    assert time.monotonic() - started < 15


def test_postgres_urls_get_psycopg_3_and_a_pre_pinged_pool() -> None:
    for url in (
        "postgres://u:pw@ep-x.neon.tech/db?sslmode=require",
        "postgresql://u:pw@ep-x.neon.tech/db?sslmode=require",
    ):
        engine = make_engine(url)
        assert engine.url.drivername == "postgresql+psycopg" and engine.url.query == {"sslmode": "require"}
        assert isinstance(engine.pool, sa.QueuePool) and engine.pool._pre_ping
        engine.dispose()


def test_the_widest_inputs_the_api_accepts_fit_the_columns(store: DocumentStore) -> None:
    """Postgres enforces VARCHAR widths (SQLite does not): the longest owner (a JWT subject), the audit actor it
    makes, and the longest reviewer name BULI2 may send all fit, with an idempotency key of the longest form."""
    from services.adapters.database import OWNER_MAX, REVIEWER_MAX

    owner = "o" * OWNER_MAX
    store.create(
        doc_id="f" * 32, owner=owner, doc_type="ktp", object_key="k", content_type="image/png", size_bytes=1,
        sha256="0" * 64, correlation_id="c", idempotency_key="~" * 128, idempotency_digest="d" * 64,
    )
    for status in (Status.QUEUED, Status.PROCESSING, Status.SCORED, Status.NEEDS_REVIEW, Status.ESCALATED):
        assert store.transition("f" * 32, status, actor=f"user:{owner}")
    assert store.transition("f" * 32, Status.APPROVED, actor=f"buli2:{'r' * REVIEWER_MAX}", decision="approved")
    assert store.history("f" * 32)[-1]["actor"] == f"buli2:{'r' * REVIEWER_MAX}"
    found = store.find_by_idempotency_key(owner, "~" * 128)
    assert found is not None and found.idempotency_digest == "d" * 64


def test_an_idempotency_key_is_unique_per_owner(store: DocumentStore) -> None:
    def create(doc_id: str, owner: str) -> None:
        store.create(
            doc_id=doc_id, owner=owner, doc_type="ktp", object_key="k", content_type="image/png", size_bytes=1,
            sha256="0" * 64, correlation_id="c", idempotency_key="retry-1", idempotency_digest="d" * 64,
        )

    create("1" * 32, "alice")
    create("2" * 32, "bob")  # another owner's key of the same text
    with pytest.raises(sa.exc.IntegrityError):
        create("3" * 32, "alice")
    assert store.get("3" * 32) is None
    new_doc(store, "4" * 32)
    new_doc(store, "5" * 32)  # no key: any number of documents


def _decided(store: DocumentStore, doc_id: str, *, owner: str, doc_type: str, nik_hash: str, to: Status) -> None:
    store.create(
        doc_id=doc_id, owner=owner, doc_type=doc_type, object_key=f"documents/{doc_id}/original.png",
        content_type="image/png", size_bytes=10, sha256="0" * 64, correlation_id="cid",
    )
    assert store.transition(doc_id, Status.QUEUED, actor="test")
    assert store.transition(doc_id, Status.PROCESSING, actor="test")
    assert store.transition(
        doc_id, Status.SCORED, actor="test", score=90.0, fields={"name": f"NAME {owner}"}, nik_hash=nik_hash
    )
    assert store.transition(doc_id, to, actor="test", decision=to.value)


def test_identity_lookups_search_the_hash_among_approved_documents_only(store: DocumentStore) -> None:
    nik = "f" * 64  # the full width of the column: Postgres enforces String(64), SQLite does not
    _decided(store, "1" * 32, owner="alice", doc_type="ktp", nik_hash=nik, to=Status.APPROVED)
    _decided(store, "2" * 32, owner="bob", doc_type="ktp", nik_hash=nik, to=Status.NEEDS_REVIEW)
    assert store.verified_for_other_owner(nik, owner="bob", doc_id="3" * 32) == "1" * 32
    assert store.verified_for_other_owner(nik, owner="alice", doc_id="3" * 32) is None  # her own
    assert store.verified_for_other_owner("e" * 64, owner="bob", doc_id="3" * 32) is None
    # bob's document is not approved: it identifies nobody to alice.
    assert store.verified_for_other_owner(nik, owner="carol", doc_id="3" * 32) == "1" * 32
    ktp = store.verified_ktp("alice")
    assert ktp is not None and (ktp.id, ktp.nik_hash, ktp.fields) == ("1" * 32, nik, {"name": "NAME alice"})
    assert store.verified_ktp("bob") is None


KEY_1, KEY_2 = "first-pii-key-" + "a" * 32, "second-pii-key-" + "b" * 32


def _cipher(current_id: str = "k1", current: str = KEY_1, old: str = "") -> FieldCipher:
    return FieldCipher.from_texts(current_id=current_id, current=current, old=old)


def _raw(database_url: str, doc_id: str) -> dict[str, Any]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.select(documents).where(documents.c.id == doc_id)).mappings().one())
    finally:
        engine.dispose()


def test_personal_data_is_encrypted_at_rest_and_read_back_in_clear(database_url: str) -> None:
    store = DocumentStore(database_url, cipher=_cipher())
    try:
        store.create(
            doc_id="e" * 32, owner="alice", doc_type="ktp", object_key="k", content_type="image/png", size_bytes=1,
            sha256="0" * 64, correlation_id="c", claimed_name="Siti Rahayu", claimed_nik="3171014107900001",
        )
        assert store.transition("e" * 32, Status.QUEUED, actor="t")
        assert store.transition("e" * 32, Status.PROCESSING, actor="t")
        assert store.transition("e" * 32, Status.SCORED, actor="t", fields={"nik": "3171014107900001", "name": "SITI"})
        raw = _raw(database_url, "e" * 32)
        for column in ("claimed_name", "claimed_nik", "fields"):
            assert str(raw[column]).startswith("pii2:k1:"), column
        assert "3171014107900001" not in json.dumps(raw, default=str) and "Siti" not in json.dumps(raw, default=str)
        record = store.get("e" * 32)
        assert record is not None
        assert (record.claimed_name, record.claimed_nik) == ("Siti Rahayu", "3171014107900001")
        assert record.fields == {"nik": "3171014107900001", "name": "SITI"}
        # A value moved into another document's row does not decrypt there (the document id is authenticated).
        with pytest.raises(FilotError):
            _cipher().decrypt(raw["claimed_nik"], document_id="f" * 32)
        # A process without the key refuses to hand out ciphertext as data.
        with pytest.raises(FilotError) as keyless:
            DocumentStore(database_url).get("e" * 32)
        assert keyless.value.code == "pii_key_unavailable"
    finally:
        store.close()


def test_keys_rotate_old_values_stay_readable_and_reencrypt_moves_them(database_url: str) -> None:
    first = DocumentStore(database_url, cipher=_cipher())
    plain = DocumentStore(database_url)  # rows written before encryption was on
    try:
        new_doc(first, "1" * 32)
        new_doc(plain, "2" * 32)
        rotated = DocumentStore(database_url, cipher=_cipher("k2", KEY_2, json.dumps({"k1": KEY_1})))
        assert rotated.get("1" * 32).claimed_name == "Alice"  # type: ignore[union-attr]
        sealed_before = str(_raw(database_url, "1" * 32)["claimed_name"]).rsplit(":", 1)[1]
        assert rotated.get("2" * 32).claimed_name == "Alice"  # type: ignore[union-attr]
        assert rotated.reencrypt() == 2
        assert rotated.reencrypt() == 0
        for doc_id in ("1" * 32, "2" * 32):
            assert str(_raw(database_url, doc_id)["claimed_name"]).startswith("pii2:k2:")
        # Envelope encryption: rotation rewrapped the value's data key; its ciphertext is the same bytes.
        assert str(_raw(database_url, "1" * 32)["claimed_name"]).rsplit(":", 1)[1] == sealed_before
        only_new = DocumentStore(database_url, cipher=_cipher("k2", KEY_2))
        assert only_new.get("1" * 32).claimed_name == "Alice"  # type: ignore[union-attr]
        rotated.close()
        only_new.close()
    finally:
        first.close()
        plain.close()


def test_a_short_key_or_a_current_id_without_a_key_is_refused() -> None:
    with pytest.raises(FilotError, match="at least 32 characters"):
        _cipher(current="short")
    with pytest.raises(FilotError, match="FILOT_PII_OLD_KEYS must be JSON"):
        _cipher(old="k0=abc")


def test_retention_erasure_and_webhook_state_on_each_database(database_url: str) -> None:
    store = DocumentStore(database_url, cipher=_cipher())
    try:
        decided_at = datetime.now(UTC)
        for doc_id, final in (("a" * 32, Status.APPROVED), ("b" * 32, Status.NEEDS_REVIEW)):
            _decided(store, doc_id, owner="alice", doc_type="ktp", nik_hash="c" * 64, to=final)
        later = decided_at + timedelta(days=1)
        assert [r.id for r in store.images_due(decided_before=later)] == ["a" * 32]  # not the one under review
        store.mark_image_deleted("a" * 32, actor="retention", detail="image deleted")
        assert store.images_due(decided_before=later) == []
        assert [r.id for r in store.pii_due(decided_before=later)] == ["a" * 32]
        store.erase_pii("a" * 32, actor="retention", detail="personal data erased")
        erased = store.get("a" * 32)
        assert erased is not None and (erased.fields, erased.nik_hash) == (None, None) and erased.pii_erased_at
        assert store.pii_due(decided_before=later) == []
        # The owner's erasure freezes a document: no transition moves it any more.
        store.mark_erased("b" * 32, actor="user:alice")
        assert not store.transition("b" * 32, Status.ESCALATED, actor="test")
        assert store.owned_by("alice", limit=10) == [store.get("a" * 32)]
        # The webhook's delivery state.
        store.set_webhook("a" * 32, state="pending", attempts=1, next_at=decided_at)
        assert [r.id for r in store.webhook_due(now=later)] == ["a" * 32]
        store.set_webhook("a" * 32, state="dead", attempts=8, next_at=None)
        assert (store.webhook_due(now=later), store.webhook_dead_letters(), store.webhook_state_is("dead")) == (
            [],
            1,
            ["a" * 32],
        )
    finally:
        store.close()
