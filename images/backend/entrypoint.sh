#!/bin/sh
# Backend entry point: `api` (default) serves the API, `worker-cpu` runs the CPU fallback OCR worker,
# anything else runs as given (e.g. `python -m services reconcile`). Extra arguments pass through.
set -eu

if [ "$#" -eq 0 ]; then
    set -- api
fi

case "$1" in
    api)
        shift
        exec python -m services api "$@"
        ;;
    worker-cpu)
        shift
        exec python -m services worker --path cpu "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
