#!/bin/sh
# GPU worker entry point: `worker-gpu` (default) runs the OCR worker on the GPU queue; anything else runs
# as given (e.g. `python -m services verify ...` to check a card on this image). Extra arguments pass through.
set -eu

# One Tesseract thread per process (see the Dockerfile); keep it even if a task definition forgets it.
export OMP_THREAD_LIMIT="${OMP_THREAD_LIMIT:-1}"

if [ "$#" -eq 0 ]; then
    set -- worker-gpu
fi

case "$1" in
    worker-gpu)
        shift
        exec python -m services worker --path gpu "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
