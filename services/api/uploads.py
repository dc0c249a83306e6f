"""Upload checks done before anything decodes the file fully, then a clean re-encode of what passed.

Order matters: size, magic bytes and the header's pixel count are read first, so a decompression bomb or a
huge file is refused before it costs memory; only then is the image decoded and re-encoded, which drops
metadata, trailing bytes and anything else a crafted file could smuggle past a viewer.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from services.api.jpeg_scan import complete_scan
from services.platform.errors import DocumentError

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
# HTTP status per refusal code; every other refusal is a 400.
STATUS_FOR_CODE = {
    "file_too_large": 413,
    "image_too_large": 413,
    "unsupported_media_type": 415,
    "content_type_mismatch": 415,
}
# Content types a client may declare without naming a format; anything else must match the bytes.
_UNSPECIFIC_TYPES = frozenset({"", "application/octet-stream"})
_DECLARED_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
# Markup or script in an image's metadata or trailer makes a polyglot: dangerous to whoever opens it as HTML.
_ACTIVE_CONTENT = re.compile(rb"<(?:script|html|body|svg|iframe|object|embed|\?php)|javascript:", re.IGNORECASE)
# Bytes after the image's end that are only padding are tolerated (some cameras pad files).
_PADDING = re.compile(rb"[\x00\s]*")
_JPEG_QUALITY = 95
# Every upload is re-encoded on the request path, so encoding speed is throughput: zlib level 1 writes a
# card ~11% larger than level 6 in ~20% less time, and JPEG's optimised Huffman pass (-15% bytes) costs
# +40% encode time; storage is the cheaper of the two (BENCHMARKS.md, "Pipeline vs bare engine").
_PNG_COMPRESS_LEVEL = 1


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    width: int
    height: int
    # The re-encoded image to store instead of the upload: same format, no metadata, no trailing bytes.
    data: bytes


def check_upload(data: bytes, *, max_bytes: int, max_pixels: int, declared_type: str | None = None) -> CheckedUpload:
    """The file's real type and size from its bytes; a declared content type must agree with them."""
    if not data:
        raise DocumentError("the uploaded file is empty", code="empty_file")
    if len(data) > max_bytes:
        raise DocumentError(f"the file is larger than {max_bytes} bytes", code="file_too_large")
    kind = next(((ctype, ext) for magic, ctype, ext in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise DocumentError("only JPEG and PNG images are accepted", code="unsupported_media_type")
    content_type, extension = kind
    declared = _normalised(declared_type)
    if declared not in _UNSPECIFIC_TYPES and declared != content_type:
        raise DocumentError(
            f"the file was sent as {declared} but its bytes are {content_type}", code="content_type_mismatch"
        )
    width, height = _checked_header(data, max_pixels=max_pixels)
    _refuse_polyglot(data, content_type)
    if content_type == "image/jpeg" and complete_scan(data) is False:
        # libjpeg would fill the missing blocks with a flat colour and only warn (services/api/jpeg_scan.py).
        raise DocumentError("the image data ends before its last block (truncated) or is corrupt", code="image_undecodable")
    return CheckedUpload(content_type, extension, width, height, _reencoded(data, content_type))


def _normalised(declared_type: str | None) -> str:
    value = (declared_type or "").split(";", 1)[0].strip().lower()
    return _DECLARED_ALIASES.get(value, value)


def _checked_header(data: bytes, *, max_pixels: int) -> tuple[int, int]:
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
    return width, height


def _refuse_polyglot(data: bytes, content_type: str) -> None:
    """A file that is also another format (HTML, ZIP, PDF...) is refused, not just cleaned.

    Markup is looked for in the metadata segments and after the image, never in the compressed pixels,
    where short byte patterns occur by chance.
    """
    layout = _png_layout(data) if content_type == "image/png" else _jpeg_layout(data)
    if layout is None:
        raise DocumentError("the image has no end marker (truncated)", code="image_undecodable")
    end, metadata = layout
    trailer = data[end:]
    if _ACTIVE_CONTENT.search(metadata) or _ACTIVE_CONTENT.search(trailer):
        raise DocumentError("the image carries markup or script", code="polyglot_file")
    if trailer and not _PADDING.fullmatch(trailer):
        raise DocumentError(f"{len(trailer)} bytes of another format follow the image", code="polyglot_file")


def _png_layout(data: bytes) -> tuple[int, bytes] | None:
    """Offset just after IEND, and the bodies of every chunk but the pixel data, walking chunk lengths."""
    offset, metadata = 8, bytearray()
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        if kind != b"IDAT":
            metadata += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IEND":
            return (offset, bytes(metadata)) if offset <= len(data) else None
    return None


def _jpeg_layout(data: bytes) -> tuple[int, bytes] | None:
    """Offset just after the main image's EOI, and every marker segment's body (EXIF, comments...).

    Segments are walked by length and entropy-coded data skipped to the next real marker, so an FF D9
    inside an embedded EXIF thumbnail is not taken for the end.
    """
    offset, size, metadata = 2, len(data), bytearray()
    while offset + 2 <= size:
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker == 0xD9:
            return offset + 2, bytes(metadata)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            offset += 2
            continue
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        metadata += data[offset + 4 : offset + 2 + length]
        offset += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            offset = _next_marker(data, offset)
    return None


def _next_marker(data: bytes, offset: int) -> int:
    """Offset of the first FF that starts a marker at or after offset (not a stuffed FF 00 or a restart
    marker inside the scan), or len(data). bytes.find jumps between FF bytes: a byte-by-byte Python loop
    over a card's scan cost more than re-encoding it."""
    size = len(data)
    while True:
        offset = data.find(b"\xff", offset)
        if offset < 0 or offset + 1 >= size:
            return size
        following = data[offset + 1]
        if following != 0x00 and not 0xD0 <= following <= 0xD7:
            return offset
        offset += 1


def _reencoded(data: bytes, content_type: str) -> bytes:
    """Decode fully and save again: orientation applied, metadata and anything hidden in the file dropped."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(f"the image is damaged or truncated: {exc}", code="image_undecodable") from exc
    if upright.mode in ("1", "LA", "I", "I;16"):
        # Grey stays grey (one byte a pixel): a 36-megapixel 1-bit PNG of 10 kB cost ~190 MB as RGB.
        upright = upright.convert("L")
    elif upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    buffer = io.BytesIO()
    if content_type == "image/jpeg":
        upright.save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    else:
        upright.save(buffer, format="PNG", compress_level=_PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
