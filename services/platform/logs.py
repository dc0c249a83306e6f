"""Logging for every entry point: one JSON object a line on stderr, PII masked, correlation ids from context.

Each line carries `time, level, service, logger, event, correlationId, docId` (and `durationMs` and any
`extra` fields when given), so CloudWatch Logs Insights can follow one document from the upload through
the queue, the worker, the BULI2 escalation and the callback. Masking happens on the record, before any
handler writes it: regular expressions catch NIK/NPWP numbers, e-mail addresses, phone numbers and card
dates inside messages; names and addresses cannot be found that way, so code never puts them in a message
and passes them (if at all) as extras under a known key (`claimed_name`, `address`, `fields`, ...), masked here.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Literal

from services.core.masking import PII_NUMBERS, PII_TEXT, mask_fields, mask_number, mask_text

LogFormat = Literal["json", "text"]

# ---- correlation context ------------------------------------------------------------------------------

# Never mutated in place: bind() always sets a new mapping, so a reset restores the outer one exactly.
_CONTEXT: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "filot_log_context", default=MappingProxyType({})
)
# Context keys and the names they take on a log line.
_CONTEXT_FIELDS = {"correlation_id": "correlationId", "doc_id": "docId"}


@contextlib.contextmanager
def bind(**values: str | None) -> Iterator[None]:
    """Every line logged inside the block (same thread or task) carries these values; blocks nest.

    None leaves an outer value as it is. Threads start with an empty context: bind again inside them.
    """
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: str(v) for k, v in values.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind_task(**values: str | None) -> None:
    """Bind for the rest of the current task, replacing what it inherited; nothing is reset afterwards.

    For work that owns its asyncio task, such as an HTTP request (servers run each request in a task of
    its own): the error handler and the server log an exception after the request's middleware has
    left, and must still see its id. A kept-alive connection's next request task may be created inside
    this one and inherit its id: replacing, not merging, keeps that from leaking into its lines.
    """
    _CONTEXT.set(MappingProxyType({k: str(v) for k, v in values.items() if v is not None}))


def bound() -> dict[str, str]:
    """The values bound at this point (a copy)."""
    return dict(_CONTEXT.get())


def current_correlation_id() -> str | None:
    return _CONTEXT.get().get("correlation_id")


# ---- masking ------------------------------------------------------------------------------------------

_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
_NOT_ALNUM_AFTER = r"(?![A-Za-z0-9])"
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})")
# NPWP as printed: 99.999.999.9-999.999 (15 digits; the 16-digit NPWP is the NIK, caught below).
_NPWP = re.compile(_NOT_ALNUM_BEFORE + r"\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}" + _NOT_ALNUM_AFTER)
# 15 to 17 digits, optionally grouped by single spaces, dots or dashes: a NIK, a bare NPWP, or a near miss.
_LONG_NUMBER = re.compile(_NOT_ALNUM_BEFORE + r"\d(?:[ .\-]?\d){14,16}" + _NOT_ALNUM_AFTER)
# Indonesian mobile numbers: +62 8.., 62 8.., 08.. (9 to 13 digits in all), any grouping.
_PHONE = re.compile(r"(?<![A-Za-z0-9+])(\+62|62|0)[ .\-]?8(?:[ .\-]?\d){7,11}" + _NOT_ALNUM_AFTER)
# Dates as cards print them (day first): 17-08-1990, 17/08/1990, 17.08.1990.
_CARD_DATE = re.compile(
    _NOT_ALNUM_BEFORE + r"(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d{2}" + _NOT_ALNUM_AFTER
)

# Exception texts that quote the data behind them: SQLAlchemy's bound parameters (a document's fields,
# its claimed name) and pydantic's rejected input values.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background|$))", re.DOTALL)
_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=)", re.DOTALL)

# Extra fields that hold PII by name (services.core.masking's one table), whole field sets, and free text that goes.
_FIELDS_KEYS = frozenset({"fields", "claims", "extracted"})
_REDACTED_KEYS = frozenset({"ocr_text", "text", "raw_text", "lines"})


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)[:1]}***@{match.group(2)}"


def _mask_phone(match: re.Match[str]) -> str:
    digits = _digits(match.group(0))
    return f"{match.group(1)}{'*' * max(len(digits) - 2 - len(_digits(match.group(1))), 0)}{digits[-2:]}"


def mask_pii(text: str) -> str:
    """Mask what a regular expression can find: NIK/NPWP numbers, e-mail addresses, phones, card dates,
    and the quoted data in database and validation errors."""
    if "[parameters: " in text:
        text = _SQL_PARAMETERS.sub("[parameters: redacted]", text)
    if "input_value=" in text:
        text = _INPUT_VALUE.sub("input_value=redacted", text)
    if not any(char.isdigit() or char == "@" for char in text):
        return text  # nothing below can match: the common case stays cheap
    text = _EMAIL.sub(_mask_email, text)
    text = _NPWP.sub(lambda m: mask_number(_digits(m.group(0))), text)
    text = _LONG_NUMBER.sub(lambda m: mask_number(_digits(m.group(0))), text)
    text = _PHONE.sub(_mask_phone, text)
    return _CARD_DATE.sub("**-**-****", text)


def mask_value(value: Any, key: str | None = None) -> Any:
    """Mask one extra field: by its name when it is a known PII field, else every string inside it."""
    name = key.lower() if key else None
    if value is None or isinstance(value, bool | int | float):
        return value
    if name in _REDACTED_KEYS:
        return f"[redacted {len(str(value))} chars]"
    if isinstance(value, str):
        if name in PII_NUMBERS:
            return mask_number(value)
        if name in PII_TEXT:
            return mask_text(value)
        return mask_pii(value)
    if isinstance(value, Mapping):
        items = {str(k): v for k, v in value.items()}
        if name in _FIELDS_KEYS and all(isinstance(v, str) for v in items.values()):
            items = dict(mask_fields(items))
        return {k: mask_value(v, k) for k, v in items.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(v, key) for v in value]
    return mask_pii(str(value))


# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}
_MASKED_FLAG = "_filot_masked"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and not k.startswith("_filot")}


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record in place, once: its message (args merged in), exception and stack text, and extras."""
    if getattr(record, _MASKED_FLAG, False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the line
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = mask_pii(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_pii(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_pii(record.stack_info)
    for key, value in _extras(record).items():
        setattr(record, key, mask_value(value, key))
    setattr(record, _MASKED_FLAG, True)
    return record


class PiiFilter(logging.Filter):
    """On a handler: masks each record before that handler (and any handler after it) writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


# ---- formatters ---------------------------------------------------------------------------------------


def _iso_utc(created: float) -> str:
    return dt.datetime.fromtimestamp(created, tz=dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _exception_line(record: logging.LogRecord) -> str | None:
    if not record.exc_info or record.exc_info[1] is None:
        return None
    exc = record.exc_info[1]
    return mask_pii(f"{type(exc).__name__}: {exc}".replace("\n", " "))


class JsonFormatter(logging.Formatter):
    """One JSON object a line (non-ASCII escaped, so no character can break a line); masks the record first."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        mask_record(record)
        line: dict[str, Any] = {
            "time": _iso_utc(record.created),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "event": record.getMessage().rstrip(),  # uvicorn ends some messages with a newline
        }
        context = bound()
        extras = _extras(record)
        for key, field in _CONTEXT_FIELDS.items():
            value = extras.pop(key, None) or extras.pop(field, None) or context.get(key)
            line[field] = value
        line.update({k: v for k, v in context.items() if k not in _CONTEXT_FIELDS and k not in line})
        duration = extras.pop("duration_ms", None)
        if isinstance(duration, int | float):
            line["durationMs"] = round(float(duration), 1)
        line.update({k: v for k, v in extras.items() if k not in line})
        exception = _exception_line(record)
        if exception:
            line["exception"] = exception
        if record.exc_text:
            line["stack"] = record.exc_text
        if record.stack_info:
            line["stackInfo"] = record.stack_info
        return json.dumps(line, default=str, ensure_ascii=True, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """For a person at a terminal: `time LEVEL service logger [cid doc] event key=value`, still one line."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        mask_record(record)
        context = bound()
        extras = _extras(record)
        ids = [extras.pop(k, None) or context.get(k) for k in _CONTEXT_FIELDS]
        tag = f" [{' '.join(str(i)[:12] for i in ids if i)}]" if any(ids) else ""
        duration = extras.pop("duration_ms", None)
        if isinstance(duration, int | float):
            extras["durationMs"] = round(float(duration), 1)
        pairs = "".join(f" {k}={v}" for k, v in extras.items())
        text = f"{_iso_utc(record.created)} {record.levelname} {self.service} {record.name}{tag} {record.getMessage()}{pairs}"
        if record.exc_text:
            text += f" | {record.exc_text}"
        return text.replace("\r", "").replace("\n", "\\n")


# ---- set-up -------------------------------------------------------------------------------------------

# Libraries whose DEBUG output is byte-level chatter (image chunks, multipart parsing, JIT passes), and httpx,
# whose INFO line prints full URLs (query strings can carry signatures): kept at WARNING.
_QUIET = ("PIL", "numba", "python_multipart", "multipart", "httpx", "httpcore", "asyncio", "urllib3")


def configure_logging(service: str, level: str = "INFO", fmt: LogFormat = "json") -> logging.Handler:
    """Replace the root logger's handlers with one stderr handler: masked, JSON (or text), at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if fmt == "json" else TextFormatter(service))
    handler.addFilter(PiiFilter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    # Warnings and uncaught exceptions would otherwise reach stderr as bare, multi-line, unmasked text.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback, thread=args.thread
    )
    return handler


def _log_uncaught(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    *,
    thread: threading.Thread | None = None,
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    where = f" in thread {thread.name}" if thread is not None else ""
    logging.getLogger("filot").critical("uncaught exception%s", where, exc_info=(exc_type, exc, tb))
