"""Long-running commands: the API and the workers (the BULI2 stand-in is a dev tool: `python -m devtools reviewer`)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from services.adapters.ocr import check_tesseract
from services.pipeline.preprocess import OPENCV, Preprocessor
from services.platform.errors import FilotError
from services.platform.logs import configure_logging
from services.platform.metrics import BACKEND_NAMESPACE, GPU_START_FAILURES, GPU_WORKER_NAMESPACE, REASON, emit
from services.platform.settings import get_settings
from services.wiring import build_buli2, build_components, build_engine

log = logging.getLogger("filot.worker")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    api = sub.add_parser("api", help="serve the backend API (uvicorn)")
    api.add_argument("--host", help="bind address (default FILOT_API_HOST)")
    api.add_argument("--port", type=int, help="port (default FILOT_API_PORT)")
    api.set_defaults(func=run_api)

    worker = sub.add_parser("worker", help="run an OCR worker on the GPU or CPU queue")
    worker.add_argument("--path", choices=["gpu", "cpu"], required=True, help="which queue to serve")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    worker.add_argument(
        "--concurrency", type=int, metavar="N", help="documents in flight at once (default FILOT_WORKER_CONCURRENCY, else engine processes + 1)"
    )
    worker.set_defaults(func=run_worker)


def run_api(args: argparse.Namespace) -> int:
    from services.api.app import create_app

    settings = get_settings()
    configure_logging("api", settings.log_level, settings.log_format)
    return serve_app(create_app(settings), host=args.host or settings.api_host, port=args.port or settings.api_port)


def serve_app(app: object, *, host: str, port: int) -> int:
    import uvicorn

    # No server banner: it only tells an attacker what to look up. log_config=None: uvicorn's own lines go
    # through the masked JSON handler; its access log is off (it prints query strings, which carry link
    # signatures): the API writes its own access line (services/api/correlation.py).
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level=get_settings().log_level.lower(),
        log_config=None,
        access_log=False,
        server_header=False,
        # uvicorn would take the client from X-Forwarded-For whenever the peer is 127.0.0.1: on loopback any
        # client could name its own address. The API finds the client itself, from the configured trusted hops.
        proxy_headers=False,
    )
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from services.processes.worker import Worker, engines_fill_the_cpus, in_flight_window, run_window

    settings = get_settings()
    configure_logging(f"worker-{args.path}", settings.log_level, settings.log_format)
    try:
        check_tesseract(settings.ocr_lang)
    except FilotError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    # ECS stops and scale-in send SIGTERM: finish the current documents, then leave.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    started = time.monotonic()
    engine = build_engine(settings)  # a pool's engine processes start loading their models now, in parallel
    # One slot per document in flight: by default one per engine process plus one (services/processes/worker.py).
    window = args.concurrency or in_flight_window(settings, engine)
    single_threaded = engines_fill_the_cpus(engine)
    if single_threaded:
        import cv2

        cv2.setNumThreads(1)  # preprocessing runs beside the engines, not across every core
    prepare: Preprocessor = OPENCV
    if args.path == "gpu":
        from services.kernels.dispatch import CudaUnavailable, KernelPreprocessor

        # CUDA kernels on a GPU, their Numba CPU twins otherwise (auto); the deployed GPU service asks for cuda and
        # exits with the real cause rather than run the twins on a GPU instance. Compiled (or cached) now.
        try:
            kernels = KernelPreprocessor(backend=settings.kernel_backend, card_width=settings.card_width_px)
        except CudaUnavailable as exc:
            log.critical("code=cuda_unavailable %s", exc, extra={"code": "cuda_unavailable", "cause": exc.problem.code})
            emit(GPU_WORKER_NAMESPACE, GPU_START_FAILURES, 1, dimensions={REASON: exc.problem.code})
            engine.close()
            return 3
        kernels.warm_up()
        prepare = kernels
        if window > 1:
            from services.pipeline.batching import BatchingPreprocessor

            # Slots preprocessing at the same moment share one launch per kernel step.
            prepare = BatchingPreprocessor(kernels, max_batch=window, cpu_threads=1 if single_threaded else None)
    buli2 = build_buli2(settings, namespace=GPU_WORKER_NAMESPACE if args.path == "gpu" else BACKEND_NAMESPACE)
    components = build_components(settings)
    engine.warm_up()  # every engine loaded before the first claim: a new worker's first document is not slow
    log.info("worker ready in %.2fs: %d documents in flight", time.monotonic() - started, window)
    workers = [
        Worker(path=args.path, components=components, engine=engine, buli2=buli2, prepare=prepare) for _ in range(window)
    ]
    try:
        run_window(workers, stop=stop, burst=args.burst)
    finally:
        buli2.close()
        engine.close()
    return 0
