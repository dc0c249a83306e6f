"""Log lines as CloudWatch and an auditor see them: one JSON object a line, ids from context, PII masked."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from services.platform.logs import JsonFormatter, PiiFilter, TextFormatter, bind, bound, configure_logging, mask_pii

REQUIRED = ("time", "level", "service", "logger", "event", "correlationId", "docId")


class Captured:
    """A logger of its own writing through the production formatter and filter into a buffer."""

    def __init__(self, formatter: logging.Formatter) -> None:
        self.buffer = io.StringIO()
        handler = logging.StreamHandler(self.buffer)
        handler.setFormatter(formatter)
        handler.addFilter(PiiFilter())
        self.log = logging.getLogger(f"filot.test.{id(self)}")
        self.log.handlers, self.log.propagate = [handler], False
        self.log.setLevel(logging.DEBUG)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def out() -> Captured:
    return Captured(JsonFormatter("test-service"))


@pytest.fixture
def restore_root() -> Iterator[None]:
    """configure_logging changes process-wide state: put it back for the tests that follow."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    hooks = sys.excepthook, threading.excepthook
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks
    logging.captureWarnings(False)


def test_each_record_is_one_json_object_with_the_contract_keys(out: Captured) -> None:
    out.log.info("worker started path=%s", "gpu")
    with bind(correlation_id="req-12345678", doc_id="a" * 32):
        out.log.warning("decided", extra={"duration_ms": 812.345, "score": 91.5, "decision": "approved"})
    first, second = out.lines()
    for line in (first, second):
        assert all(key in line for key in REQUIRED)
        assert line["time"].endswith("Z") and "T" in line["time"]
    assert first["event"] == "worker started path=gpu" and first["level"] == "INFO"
    assert first["service"] == "test-service" and first["correlationId"] is None and first["docId"] is None
    assert second["correlationId"] == "req-12345678" and second["docId"] == "a" * 32
    assert second["durationMs"] == 812.3 and second["score"] == 91.5 and second["decision"] == "approved"
    assert "duration_ms" not in second


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("3201234567890001", "NIK"),
        ("3201 2345 6789 0001", "NIK with spaces"),
        ("3201.2345.6789.0001", "NIK with dots"),
        ("09.254.294.3-407.000", "NPWP as printed"),
        ("092542943407000", "NPWP digits"),
        ("0925429434070001", "16-digit NPWP"),
        ("budi.santoso@example.co.id", "e-mail"),
        ("+62 812-3456-7890", "phone +62"),
        ("081234567890", "phone 08"),
        ("6281234567890", "phone 62"),
        ("17-08-1990", "birth date"),
        ("01/02/2001", "birth date with slashes"),
    ],
)
def test_pii_in_a_message_is_masked_before_it_is_written(out: Captured, raw: str, kind: str) -> None:
    out.log.info("escalation failed for %s (%s)", raw, kind)
    out.log.info(f"inline {raw} too")  # a careless f-string is masked all the same
    assert raw not in out.text
    assert raw.replace(" ", "").replace(".", "").replace("-", "") not in out.text
    assert all(line["event"].startswith(("escalation failed", "inline")) for line in out.lines())


def test_pii_passed_as_extras_is_masked_by_field_name(out: Captured) -> None:
    fields = {"nik": "3201234567890001", "name": "BUDI SANTOSO", "birth_date": "17-08-1990", "gender": "LAKI-LAKI"}
    out.log.info(
        "document",
        extra={
            "claimed_name": "Siti Rahayu",
            "claimed_nik": "3171021708900001",
            "address": "JL. MAWAR NO. 12",
            "fields": fields,
            "ocr_text": "PROVINSI JAWA BARAT NIK 3201234567890001 Nama BUDI SANTOSO",
            "nested": {"email": "siti@example.com", "note": "call 081234567890"},
        },
    )
    text = out.text
    for raw in ("Siti Rahayu", "3171021708900001", "JL. MAWAR", "3201234567890001", "BUDI SANTOSO", "17-08-1990",
                "siti@example.com", "081234567890", "PROVINSI JAWA BARAT"):
        assert raw not in text, raw
    (line,) = out.lines()
    assert line["fields"]["gender"] == "LAKI-LAKI"  # what is not PII stays readable
    assert line["fields"]["nik"].startswith("3201") and line["claimed_name"] == "S*** R*****"
    assert line["ocr_text"].startswith("[redacted")


def test_what_is_not_pii_is_left_alone(out: Captured) -> None:
    message = (
        "doc=3f2a9b8c0e1d4f6a8b7c6d5e4f3a2b10 at 2024-05-01T12:00:00.123+00:00 from 127.0.0.1:8000 "
        "score=85.0 attempt 3 ocr_ms=1234 epoch=1714564800"
    )
    out.log.info(message)
    assert out.lines()[0]["event"] == message


def test_exceptions_stay_on_one_line_with_the_stack_as_a_field(out: Captured) -> None:
    with bind(correlation_id="c-12345678"):
        try:
            raise ValueError("bad NIK 3201234567890001\nsecond line of the message")
        except ValueError:
            out.log.exception("unexpected error")
    assert len(out.text.splitlines()) == 1
    (line,) = out.lines()
    assert line["exception"] == "ValueError: bad NIK 3201**********01 second line of the message"
    assert "Traceback" in line["stack"] and "test_exceptions_stay_on_one_line" in line["stack"]
    assert "3201234567890001" not in out.text and line["correlationId"] == "c-12345678"


def test_database_and_validation_errors_lose_the_data_they_quote() -> None:
    sql = (
        "(sqlite3.OperationalError) database is locked\n[SQL: UPDATE documents SET fields=?]\n"
        "[parameters: ('{\"name\": \"BUDI SANTOSO\"}', 'x]y')]\n(Background on this error at: https://sqlalche.me/e/20/e3q8)"
    )
    assert "BUDI" not in mask_pii(sql) and "[SQL: UPDATE documents SET fields=?]" in mask_pii(sql)
    pydantic = "Input should be a valid string [type=string_type, input_value='BUDI SANTOSO', input_type=str]"
    assert "BUDI" not in mask_pii(pydantic)


def test_a_handler_after_ours_sees_the_masked_record_too(out: Captured) -> None:
    later = io.StringIO()
    plain = logging.StreamHandler(later)  # e.g. pytest's caplog, or a library's own handler
    out.log.addHandler(plain)
    out.log.info("nik %s", "3201234567890001")
    assert "3201234567890001" not in later.getvalue() and "3201**********01" in later.getvalue()


def test_text_format_is_masked_and_one_line(restore_root: None) -> None:
    out = Captured(TextFormatter("worker-gpu"))
    with bind(correlation_id="abcdef123456789", doc_id="b" * 32):
        try:
            raise RuntimeError("one\ntwo")
        except RuntimeError:
            out.log.exception("failed for budi@example.com", extra={"duration_ms": 5})
    assert len(out.text.splitlines()) == 1
    assert "budi@example.com" not in out.text and "[abcdef123456 bbbbbbbbbbbb]" in out.text
    assert "durationMs=5.0" in out.text and "worker-gpu" in out.text


def test_binding_nests_and_resets() -> None:
    assert bound() == {}
    with bind(correlation_id="outer-123"):
        with bind(doc_id="d1", correlation_id=None):  # None keeps the outer value
            assert bound() == {"correlation_id": "outer-123", "doc_id": "d1"}
            with bind(correlation_id="inner-456"):
                assert bound() == {"correlation_id": "inner-456", "doc_id": "d1"}
            assert bound()["correlation_id"] == "outer-123"
        assert bound() == {"correlation_id": "outer-123"}
        with pytest.raises(KeyError), bind(doc_id="d2"):
            raise KeyError("reset on the way out of an error too")
        assert bound() == {"correlation_id": "outer-123"}
    assert bound() == {}


def test_threads_and_tasks_do_not_see_each_others_ids() -> None:
    seen: dict[str, dict[str, str]] = {}

    def job(name: str) -> None:
        with bind(doc_id=name):
            barrier.wait()
            seen[name] = bound()

    barrier = threading.Barrier(2)
    with bind(correlation_id="main-thread"):
        threads = [threading.Thread(target=job, args=(n,)) for n in ("t1", "t2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert seen == {"t1": {"doc_id": "t1"}, "t2": {"doc_id": "t2"}}  # a new thread starts with nothing bound

    async def task(name: str) -> dict[str, str]:
        with bind(doc_id=name):
            await asyncio.sleep(0.01)
            return bound()

    async def both() -> list[dict[str, str]]:
        with bind(correlation_id="request"):
            return list(await asyncio.gather(task("a"), task("b")))

    assert asyncio.run(both()) == [
        {"correlation_id": "request", "doc_id": "a"},
        {"correlation_id": "request", "doc_id": "b"},
    ]


def test_configure_logging_puts_one_masked_json_handler_on_the_root(
    restore_root: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("api", "DEBUG")
    logging.getLogger("filot.api").debug("claimed nik %s", "3171021708900001")
    logging.getLogger("PIL.PngImagePlugin").debug("STREAM b'IHDR' chatter")  # library chatter stays out
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["service"] == "api" and line["level"] == "DEBUG" and "3171021708900001" not in lines[0]

    configure_logging("api", "INFO", "text")
    logging.getLogger("filot.api").info("plain")
    assert not capsys.readouterr().err.lstrip().startswith("{")


def test_uncaught_exceptions_and_warnings_become_masked_lines(
    restore_root: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("worker-cpu", "INFO")
    thread = threading.Thread(target=lambda: 1 / 0, name="slot-0")
    thread.start()
    thread.join()
    try:
        raise ValueError("NIK 3201234567890001 in a crash")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    warnings.warn("deprecated, see budi@example.com", DeprecationWarning, stacklevel=1)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["level"] for line in lines] == ["CRITICAL", "CRITICAL", "WARNING"]
    assert lines[0]["event"] == "uncaught exception in thread slot-0" and "ZeroDivisionError" in lines[0]["exception"]
    assert "3201234567890001" not in str(lines[1]) and "budi@example.com" not in str(lines[2])
