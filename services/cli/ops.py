"""Operator commands: the reconciler and the dead letters (documents `failed` after every attempt)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading

from services.core.lifecycle import Status
from services.platform.logs import configure_logging, mask_pii
from services.platform.settings import get_settings
from services.processes.reconciler import Reconciler
from services.wiring import build_buli2, build_components


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    reconcile = sub.add_parser("reconcile", help="one reconciler pass (stalled jobs, stuck documents, escalations)")
    reconcile.add_argument("--every", type=float, metavar="SECONDS", help="repeat every SECONDS until stopped")
    reconcile.set_defaults(func=run_reconcile)

    dead = sub.add_parser("deadletters", help="list or redrive documents that failed on every attempt")
    dead_sub = dead.add_subparsers(dest="action", required=True, metavar="ACTION")
    dead_sub.add_parser("list", help="one JSON object per failed document").set_defaults(func=list_dead)
    redrive = dead_sub.add_parser("redrive", help="queue failed documents again from the start")
    redrive.add_argument("ids", nargs="*", metavar="ID", help="document ids (default: with --all, every one)")
    redrive.add_argument("--all", action="store_true", help="redrive every failed document")
    redrive.set_defaults(func=redrive_dead)

    hooks = sub.add_parser("webhooks", help="result webhooks given up after every attempt: send them again")
    hooks_sub = hooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    hooks_redrive = hooks_sub.add_parser("redrive", help="make every dead result webhook due again, now")
    hooks_redrive.set_defaults(func=redrive_webhooks)

    pii = sub.add_parser("pii", help="personal data at rest: re-encrypt it under the current key (key rotation)")
    pii_sub = pii.add_subparsers(dest="action", required=True, metavar="ACTION")
    pii_sub.add_parser(
        "reencrypt", help="rewrite every value not under FILOT_PII_KEY_ID (older keys, plaintext) with it"
    ).set_defaults(func=reencrypt_pii)


def run_reconcile(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging("reconciler", settings.log_level, settings.log_format)
    buli2 = build_buli2(settings)
    reconciler = Reconciler(build_components(settings), buli2)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while True:
            try:
                print(json.dumps(reconciler.run_once().to_json()), flush=True)
            except Exception as exc:  # noqa: BLE001 - Redis or the database is briefly away: try next round
                if args.every is None:
                    # stdout is shipped with the logs: the same masking (a database error quotes its data).
                    print(json.dumps({"error": {"code": type(exc).__name__, "message": mask_pii(str(exc))}}), flush=True)
                    return 1
                logging.getLogger("filot.reconciler").warning("pass failed: %s", exc)
            if args.every is None or stop.wait(args.every):
                return 0
    finally:
        buli2.close()


def list_dead(args: argparse.Namespace) -> int:
    components = build_components(get_settings())
    for record in components.store.by_status([Status.FAILED]):
        print(
            json.dumps(
                {
                    "id": record.id,
                    "type": record.doc_type,
                    "error": {"code": record.error_code, "message": record.error},
                    "failed_at": record.decided_at.isoformat() if record.decided_at else None,
                }
            )
        )
    return 0


def redrive_dead(args: argparse.Namespace) -> int:
    if not args.ids and not args.all:
        print("error [invalid_request]: name document ids, or --all")
        return 2
    components = build_components(get_settings())
    ids = args.ids or [record.id for record in components.store.by_status([Status.FAILED])]
    failures = 0
    for doc_id in ids:
        moved = components.store.transition(
            doc_id, Status.QUEUED, actor="operator", detail="redriven from the dead letters", claim_id=None
        )
        if moved:
            components.queue.enqueue_gpu(doc_id)
            print(json.dumps({"id": doc_id, "status": "queued"}))
        else:
            failures += 1
            record = components.store.get(doc_id)
            state = record.status.value if record else "missing"
            print(json.dumps({"id": doc_id, "error": {"code": "not_failed", "message": f"document is {state}"}}))
    return 1 if failures else 0


def redrive_webhooks(args: argparse.Namespace) -> int:
    """Every dead webhook pending again with its attempts reset; the scheduled function sends them within a minute."""
    from datetime import UTC, datetime

    from services.application.webhooks import DEAD, PENDING

    components = build_components(get_settings())
    dead = components.store.webhook_state_is(DEAD)
    for doc_id in dead:
        components.store.set_webhook(doc_id, state=PENDING, attempts=0, next_at=datetime.now(UTC))
    print(json.dumps({"redriven": len(dead)}))
    return 0


def reencrypt_pii(args: argparse.Namespace) -> int:
    """Batches until nothing is left under an older key; then the old key can leave FILOT_PII_OLD_KEYS."""
    components = build_components(get_settings())
    total = 0
    while done := components.store.reencrypt():
        total += done
    print(json.dumps({"reencrypted": total, "key_id": components.settings.pii_key_id}))
    return 0
