"""The stand-in's own settings (FILOT_REVIEWER_*) beside the services' settings it shares (the callback key, the
API's URL, the service key): a dev tool's knobs stay out of the settings the images run with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.platform.settings import Settings


class StandinSettings(Settings):
    """Where the stand-in listens, when and how it decides by itself, and where it keeps its cases."""

    reviewer_host: str = "127.0.0.1"
    reviewer_port: int = Field(default=8100, ge=1, le=65535)
    # Decide by itself after this many seconds; None (FILOT_REVIEWER_AUTO_DECIDE_S=null): only from the page.
    reviewer_auto_decide_s: float | None = Field(default=1.0, ge=0)
    reviewer_policy: Literal["score", "approve", "reject"] = "score"
    reviewer_approve_score: float = Field(default=60.0, ge=0, le=100)
    reviewer_database_url: str = "sqlite:///./var/reviewer.db"
