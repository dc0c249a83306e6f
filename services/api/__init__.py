"""The backend HTTP API (FastAPI)."""
