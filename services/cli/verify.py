"""`python -m services verify`: the whole verification in-process, no servers, one JSON object per document; each
file goes through the upload's own checks first, so the outcome is what an upload of that file gets."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.adapters.ocr import check_tesseract
from services.api.uploads import check_upload
from services.core.model import Claims, DocType
from services.pipeline.verify import verify_document
from services.platform.errors import FilotError
from services.platform.settings import get_settings
from services.wiring import build_engine, thresholds


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("verify", help="verify image files in-process and print the outcome")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="JPEG or PNG card images")
    parser.add_argument("--type", choices=[t.value for t in DocType], help="card type (default: detect from text)")
    parser.add_argument("--claimed-name", help="name the uploader claims, compared with the card")
    parser.add_argument("--claimed-nik", help="NIK the uploader claims, compared with the card")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        check_tesseract(settings.ocr_lang)
    except FilotError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2
    engine = build_engine(settings)
    claims = Claims(name=args.claimed_name, nik=args.claimed_nik) if args.claimed_name or args.claimed_nik else None
    failures = 0
    for path in args.paths:
        result: dict[str, object] = {"path": str(path)}
        try:
            # The same checks an upload gets (type from the bytes, size, pixel count, no polyglot), and the same
            # re-encoded copy (EXIF orientation applied, metadata dropped): what it reports is what an upload gets.
            checked = check_upload(
                path.read_bytes(), max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
            )
            verification = verify_document(
                checked.data,
                doc_type=DocType(args.type) if args.type else None,
                engine=engine,
                thresholds=thresholds(settings),
                card_width=settings.card_width_px,
                max_pixels=settings.max_image_pixels,
                claims=claims,
            )
            result.update(verification.to_json())
        except FilotError as exc:
            failures += 1
            result["error"] = {"code": exc.code, "message": exc.message}
        except OSError as exc:
            failures += 1
            result["error"] = {"code": "unreadable_file", "message": str(exc)}
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            _print_human(result)
    return 1 if failures else 0


def _print_human(result: dict[str, object]) -> None:
    if "error" in result:
        error = result["error"]
        # bandit B101: states the result's shape for the type checker
        assert isinstance(error, dict)  # nosec B101
        print(f"{result['path']}: error [{error['code']}] {error['message']}")
        return
    print(f"{result['path']}: {result['type']} score {result['score']} -> {result['decision']}")
    capture = result.get("capture")
    if isinstance(capture, list) and capture:
        print(f"    capture: {', '.join(str(code) for code in capture)}  (what the app tells the user: README)")
    reasons = result["reasons"]
    # bandit B101: states the result's shape for the type checker
    assert isinstance(reasons, list)  # nosec B101
    for reason in reasons:
        print(f"    {reason['code']:<24} {reason['points']:5.1f}/{reason['max_points']:<5.1f} {reason['detail']}")
