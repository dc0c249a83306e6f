"""Preflight: what must be true in the account before a stage's compute deploys (``python -m stacks.preflight``)."""
