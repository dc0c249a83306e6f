"""The API over real HTTP (uvicorn on loopback) with a real redis-server: uploads, reads, and bad input."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
import redis
from PIL import Image

from services.api.app import create_app
from services.platform.settings import Settings
from services.wiring import Components, build_components
from tests.conftest import ServerThread
from tests.services.api.helpers import ALICE, bomb_png, jpeg_bytes, png_bytes, stored_objects


@pytest.fixture
def components(settings: Settings) -> Components:
    return build_components(settings.model_copy(update={"max_upload_bytes": 200_000, "max_image_pixels": 4_000_000}))


@pytest.fixture
def api(components: Components, serve: Callable[[object], ServerThread]) -> httpx.Client:
    server = serve(create_app(components=components))
    return httpx.Client(base_url=server.url, timeout=30)






def upload(api: httpx.Client, data: bytes, *, type: str = "ktp", headers: dict[str, str] = ALICE, **form: str):  # type: ignore[no-untyped-def]
    return api.post(
        "/v1/documents", files={"file": ("card.png", data, "image/png")}, data={"type": type, **form}, headers=headers
    )




def test_upload_is_stored_recorded_and_queued(api: httpx.Client, components: Components) -> None:
    response = upload(api, png_bytes(), claimed_name="Alice A", claimed_nik="3171021708900001")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["type"] == "ktp" and len(body["id"]) == 32
    assert response.headers["location"] == f"/v1/documents/{body['id']}"
    queued = redis.Redis.from_url(components.settings.redis_url).lrange("filot:ocr:gpu:queue", 0, -1)
    assert queued == [body["id"].encode()]
    record = components.store.get(body["id"])
    assert record is not None and record.owner == "alice" and record.claimed_nik == "3171021708900001"
    with Image.open(io.BytesIO(components.objects.get(record.object_key))) as stored:  # re-encoded, same pixels
        assert stored.format == "PNG" and stored.tobytes() == Image.open(io.BytesIO(png_bytes())).tobytes()

    read = api.get(f"/v1/documents/{body['id']}", headers=ALICE)
    assert read.status_code == 200
    assert read.json()["status"] == "queued" and read.json()["score"] is None and read.json()["reasons"] == []


def test_another_users_document_answers_404_like_a_missing_one(api: httpx.Client) -> None:
    doc_id = upload(api, png_bytes()).json()["id"]
    other = api.get(f"/v1/documents/{doc_id}", headers={"X-Dev-User": "mallory"})
    missing = api.get(f"/v1/documents/{'0' * 32}", headers={"X-Dev-User": "mallory"})
    assert other.status_code == missing.status_code == 404
    assert other.json() == {"error": {"code": "document_not_found", "message": "no such document"}}
    assert api.get("/v1/documents/not-an-id", headers=ALICE).json()["error"]["code"] == "document_not_found"


def truncated_png() -> bytes:
    return png_bytes()[:60]




@pytest.mark.parametrize(
    ("data", "form", "status", "code"),
    [
        (b"", {}, 400, "empty_file"),
        (b"just some text, not an image", {}, 415, "unsupported_media_type"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", {}, 415, "unsupported_media_type"),
        (b"GIF89a" + b"\0" * 100, {}, 415, "unsupported_media_type"),
        (None, {"type": "passport"}, 422, "unknown_document_type"),
        (None, {"claimed_nik": "12345"}, 422, "invalid_claimed_nik"),
        ("truncated", {}, 400, "image_undecodable"),
        ("bomb", {}, 413, "image_too_large"),
        ("huge", {}, 413, "file_too_large"),
        ("jpeg", {}, 415, "content_type_mismatch"),
        ("polyglot", {}, 400, "polyglot_file"),
    ],
)
def test_bad_uploads_get_a_coded_error_and_store_nothing(
    api: httpx.Client, components: Components, data: bytes | str | None, form: dict[str, str], status: int, code: str
) -> None:
    payload = {
        None: png_bytes(),
        "truncated": truncated_png(),
        "bomb": bomb_png(),
        "huge": b"\x89PNG\r\n\x1a\n" + b"\0" * 400_000,
        "jpeg": jpeg_bytes(),  # sent as image/png
        "polyglot": png_bytes() + b"PK\x03\x04" + b"\0" * 60,
    }.get(data, data) if not isinstance(data, bytes) else data  # type: ignore[call-overload]
    response = upload(api, payload, **{"type": "ktp", **form})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert stored_objects(components) == []
    assert redis.Redis.from_url(components.settings.redis_url).llen("filot:ocr:gpu:queue") == 0


def test_a_refused_upload_loses_nothing_already_stored(api: httpx.Client, components: Components) -> None:
    doc_id = upload(api, png_bytes()).json()["id"]
    assert upload(api, b"not an image").status_code == 415
    assert api.get(f"/v1/documents/{doc_id}", headers=ALICE).status_code == 200
    assert len(stored_objects(components)) == 1


def test_missing_file_or_type_is_a_validation_error(api: httpx.Client) -> None:
    response = api.post("/v1/documents", data={"type": "ktp"}, headers=ALICE)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert "file" in response.json()["error"]["message"]


def test_caller_must_name_itself_in_dev_auth(api: httpx.Client) -> None:
    response = upload(api, png_bytes(), headers={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert upload(api, png_bytes(), headers={"X-Dev-User": "bad user!"}).status_code == 401


def test_dev_auth_off_refuses_users(settings: Settings, serve: Callable[[object], ServerThread]) -> None:
    components = build_components(settings.model_copy(update={"dev_auth": False}))
    server = serve(create_app(components=components))
    response = httpx.post(
        f"{server.url}/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp"}, headers=ALICE
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth_not_configured"


def test_health_reports_its_dependencies(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "redis": "ok", "database": "ok"}


def test_health_is_degraded_when_redis_is_down(settings: Settings, serve: Callable[[object], ServerThread]) -> None:
    from devtools.devservers import free_port

    components = build_components(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
    server = serve(create_app(components=components))
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")
    # What the load balancer asks: the process answers, whatever Redis does, so a blip does not replace the task.
    live = httpx.get(f"{server.url}/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}


def test_upload_survives_redis_outage_and_stays_recorded(
    settings: Settings, serve: Callable[[object], ServerThread]
) -> None:
    from devtools.devservers import free_port

    components = build_components(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
    server = serve(create_app(components=components))
    response = httpx.post(
        f"{server.url}/v1/documents", files={"file": ("c.png", png_bytes())}, data={"type": "ktp"}, headers=ALICE
    )
    assert response.status_code == 202
    assert response.json()["status"] == "queued"  # recorded; the reconciler pushes it when Redis is back
    assert components.store.get(response.json()["id"]) is not None


# Hostile or confused clients (issue 17): every refusal a 4xx with a code, nothing stored.


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"claimed_nik": "٣١٧١٠٢١٧٠٨٩٠٠٠٠١"}, "invalid_claimed_nik"),  # Arabic-Indic digits
        ({"claimed_nik": "３１７１０２１７０８９０００００１"}, "invalid_claimed_nik"),  # full-width digits
        ({"claimed_nik": "317102170890000１"}, "invalid_claimed_nik"),
        ({"claimed_name": "ALICE\nAPPROVED"}, "invalid_claimed_name"),  # forges a line in a log or report
        ({"claimed_name": "ALICE\x00"}, "invalid_claimed_name"),  # Postgres refuses a NUL: was a 500
        ({"claimed_name": "\x1b[31mALICE"}, "invalid_claimed_name"),  # ANSI escape
        ({"claimed_name": "ALICE \u202eECILA"}, "invalid_claimed_name"),  # bidi override
    ],
)
def test_claims_hold_only_what_a_card_can_print(
    api: httpx.Client, components: Components, form: dict[str, str], code: str
) -> None:
    response = upload(api, png_bytes(), **form)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert stored_objects(components) == []


def test_a_name_as_cards_print_them_is_accepted(api: httpx.Client) -> None:
    response = upload(api, png_bytes(), claimed_name="SITI NUR'AINI, S.PD. (ALM) A/B-C", claimed_nik="3171021708900001")
    assert response.status_code == 202


@pytest.mark.parametrize("field", ["file", "type"])
def test_a_field_sent_twice_is_refused(api: httpx.Client, components: Components, field: str) -> None:
    files = [("file", ("card.png", png_bytes(), "image/png"))]
    data: dict[str, str | list[str]] = {"type": "ktp"}
    if field == "file":
        files.append(("file", ("other.png", png_bytes((100, 100)), "image/png")))
    else:
        data["type"] = ["ktp", "npwp"]
    response = api.post("/v1/documents", files=files, data=data, headers=ALICE)
    assert response.status_code == 422 and response.json()["error"]["code"] == "duplicate_field"
    assert stored_objects(components) == []


def test_an_unknown_id_is_not_echoed(api: httpx.Client) -> None:
    probe = "x" * 5000
    response = api.get(f"/v1/documents/{probe}", headers=ALICE)
    assert response.status_code == 404 and probe not in response.text


def test_health_answers_while_an_upload_is_being_checked(
    components: Components, serve: Callable[[object], ServerThread], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload's decode runs in the thread pool: held inside the check here, it must not hold /health (before,
    the route decoded on the event loop and /health waited for it)."""
    import threading

    from services.api import intake

    inside, release = threading.Event(), threading.Event()
    real_check = intake.check_upload

    def held_check(*args, **kwargs):  # type: ignore[no-untyped-def]
        inside.set()
        release.wait(30)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(intake, "check_upload", held_check)  # where both routes check
    server = serve(create_app(components=components))
    results: list[int] = []
    uploader = threading.Thread(
        target=lambda: results.append(upload(httpx.Client(base_url=server.url, timeout=60), png_bytes()).status_code)
    )
    uploader.start()
    try:
        assert inside.wait(30), "the upload never reached its check"
        health = httpx.get(f"{server.url}/health", timeout=5)  # times out if the event loop is held
        assert health.status_code == 200
    finally:
        release.set()
        uploader.join(60)
    assert results == [202]


def test_a_one_bit_image_is_stored_grey(api: httpx.Client, components: Components) -> None:
    """A 1-bit PNG becomes 8-bit grey, not RGB: three times less memory to check a large one."""
    buffer = io.BytesIO()
    Image.new("1", (1200, 800), 1).save(buffer, format="PNG")
    assert upload(api, buffer.getvalue()).status_code == 202
    (stored,) = stored_objects(components)
    assert Image.open(stored).mode == "L"


def test_a_jpeg_cut_short_with_an_end_marker_is_refused_over_http(api: httpx.Client, components: Components) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((320, 200), 40).convert("RGB").save(buffer, format="JPEG", quality=90)
    jpeg = buffer.getvalue()
    response = api.post(
        "/v1/documents", files={"file": ("card.jpg", jpeg[: len(jpeg) // 2] + b"\xff\xd9", "image/jpeg")},
        data={"type": "ktp"}, headers=ALICE,
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "image_undecodable"
    assert stored_objects(components) == []
