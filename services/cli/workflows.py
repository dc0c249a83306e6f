"""`python -m services workflow-worker`: hosts the Temporal workflow and its activities."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import signal

from services.platform.logs import configure_logging
from services.platform.settings import get_settings
from services.wiring import build_buli2, build_components, build_engine


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("workflow-worker", help="run the Temporal worker (FILOT_WORKFLOW_ENGINE=temporal)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from services.workflows.activities import Activities
    from services.workflows.verification import DocumentVerification

    settings = get_settings()
    configure_logging("workflow-worker", settings.log_level, settings.log_format)
    activities = Activities(build_components(settings), build_engine(settings), build_buli2(settings))

    async def serve() -> None:
        client = await Client.connect(settings.temporal_address)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            async with Worker(
                client,
                task_queue=settings.temporal_task_queue,
                workflows=[DocumentVerification],
                activities=[activities.ocr, activities.score, activities.record, activities.escalate,
                            activities.apply_human_decision],
                activity_executor=pool,
            ):
                await stop.wait()

    asyncio.run(serve())
    return 0
