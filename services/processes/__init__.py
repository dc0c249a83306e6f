"""The long-running and scheduled processes: the OCR worker (GPU path and CPU fallback), the reconciler, and
the Lambda handlers (the API through Mangum, the scheduled sweep)."""
