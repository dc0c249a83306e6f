"""Thin adapters around the outside world: Redis queue, object storage, database, OCR engine, BULI2."""
