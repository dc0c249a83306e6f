"""Errors with machine-readable codes, so callers answer bad input clearly instead of with a stack trace."""

from __future__ import annotations


class FilotError(Exception):
    """Base error: `code` is stable for machines, the message is for people."""

    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class DocumentError(FilotError):
    """The document itself is unusable (undecodable, wrong kind, too big); retrying will not help."""

    code = "invalid_document"


class OcrError(FilotError):
    """The OCR engine failed on this attempt; another path or attempt may succeed."""

    code = "ocr_failed"


def error_code(exc: BaseException) -> str:
    """The machine-readable code of any exception: ours carry one, others are named by their type."""
    return exc.code if isinstance(exc, FilotError) else type(exc).__name__
