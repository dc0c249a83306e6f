"""Upload checks done before anything decodes the file fully: size, magic bytes, header pixel count."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from services.errors import DocumentError

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    width: int
    height: int


def check_upload(data: bytes, *, max_bytes: int, max_pixels: int) -> CheckedUpload:
    """The file's real type and size from its bytes; the client's content-type is not trusted."""
    if not data:
        raise DocumentError("the uploaded file is empty", code="empty_file")
    if len(data) > max_bytes:
        raise DocumentError(f"the file is larger than {max_bytes} bytes", code="file_too_large")
    kind = next(((ctype, ext) for magic, ctype, ext in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise DocumentError("only JPEG and PNG images are accepted", code="unsupported_media_type")
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            width, height = image.size
            if width * height > max_pixels:
                raise DocumentError(f"the image has more than {max_pixels} pixels", code="image_too_large")
            image.verify()  # structure check without a full decode
    except DocumentError:
        raise
    except Image.DecompressionBombError as exc:
        raise DocumentError(f"the image has more than {max_pixels} pixels", code="image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(f"the image is damaged or truncated: {exc}", code="image_undecodable") from exc
    return CheckedUpload(content_type=kind[0], extension=kind[1], width=width, height=height)
