"""FieldCipher: the personal data in the database encrypted field by field, by envelope encryption.

Each value gets its own random data key (AES-256-GCM); that data key is stored wrapped (AES-256-GCM again) by the
key-encryption key from Secrets Manager, whose id is kept beside it: `pii2:<key id>:<base64 wrapped data key>:
<base64 nonce + ciphertext + tag>`. The document id is authenticated with both layers, so a value copied into
another document's row does not decrypt; rotating the key-encryption key rewraps data keys without touching the
ciphertext. The current key is
FILOT_PII_KEY (random text of at least 32 characters, in AWS the generated secret `pii-key`; the AES key is its
SHA-256) under the id FILOT_PII_KEY_ID; earlier keys stay readable through FILOT_PII_OLD_KEYS (JSON
`{"<id>": "<key text>"}`). Rotation: the current key and id moved into the old keys, a new current one set,
`python -m services pii reencrypt`, then the old one dropped. A plaintext value (written before encryption was on)
reads as it is, and is encrypted at its next write.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.platform.errors import FilotError

PREFIX = "pii2:"
MIN_KEY_TEXT = 32
NONCE_BYTES = 12
KEY_BYTES = 32


class CipherError(FilotError):
    code = "pii_key_unavailable"


class FieldCipher:
    def __init__(self, keys: Mapping[str, bytes], *, current: str) -> None:
        if current not in keys:
            raise CipherError(f"FILOT_PII_KEY_ID {current!r} is not among FILOT_PII_KEYS ({', '.join(sorted(keys))})")
        for key_id, key in keys.items():
            if len(key) != KEY_BYTES or ":" in key_id or not key_id:
                raise CipherError(f"FILOT_PII_KEYS: key {key_id!r} must be 32 bytes (base64) under an id without ':'")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current

    @classmethod
    def from_texts(cls, *, current_id: str, current: str, old: str = "") -> FieldCipher:
        """From the settings: the current key's id and text, and the earlier keys as JSON {id: text}."""
        try:
            earlier = json.loads(old) if old else {}
            texts = {**{str(k): str(v) for k, v in earlier.items()}, current_id: current}
        except (ValueError, AttributeError) as exc:
            raise CipherError(f"FILOT_PII_OLD_KEYS must be JSON {{id: key text}}: {type(exc).__name__}") from None
        short = [key_id for key_id, text in texts.items() if len(text) < MIN_KEY_TEXT]
        if short:
            raise CipherError(f"PII key(s) {', '.join(short)} must be at least {MIN_KEY_TEXT} characters")
        return cls({key_id: hashlib.sha256(text.encode()).digest() for key_id, text in texts.items()}, current=current_id)

    def encrypt(self, plaintext: str, *, document_id: str) -> str:
        context = document_id.encode()
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        key_nonce, value_nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
        wrapped = key_nonce + self._keys[self.current].encrypt(key_nonce, data_key, context)
        sealed = value_nonce + AESGCM(data_key).encrypt(value_nonce, plaintext.encode(), context)
        return f"{PREFIX}{self.current}:{_b64(wrapped)}:{_b64(sealed)}"

    def decrypt(self, stored: str, *, document_id: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption was on
        key_id, wrapped, sealed = self._parts(stored)
        context = document_id.encode()
        try:
            data_key = self._keys[key_id].decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
            return AESGCM(data_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context).decode()
        except (InvalidTag, ValueError):
            raise CipherError(f"a value under key {key_id!r} does not decrypt for this document") from None

    def rewrap(self, stored: str, *, document_id: str) -> str:
        """The same ciphertext with its data key wrapped by the current key (rotation without re-encrypting)."""
        if not stored.startswith(PREFIX):
            return self.encrypt(stored, document_id=document_id)
        key_id, wrapped, sealed = self._parts(stored)
        context = document_id.encode()
        try:
            data_key = self._keys[key_id].decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except (InvalidTag, ValueError):
            raise CipherError(f"a value under key {key_id!r} does not decrypt for this document") from None
        key_nonce = os.urandom(NONCE_BYTES)
        rewrapped = key_nonce + self._keys[self.current].encrypt(key_nonce, data_key, context)
        return f"{PREFIX}{self.current}:{_b64(rewrapped)}:{_b64(sealed)}"

    def _parts(self, stored: str) -> tuple[str, bytes, bytes]:
        key_id, _, rest = stored[len(PREFIX) :].partition(":")
        wrapped, _, sealed = rest.partition(":")
        if key_id not in self._keys:
            raise CipherError(f"a value is encrypted with key {key_id!r}, which this process does not hold")
        try:
            return key_id, base64.b64decode(wrapped, validate=True), base64.b64decode(sealed, validate=True)
        except binascii.Error:
            raise CipherError("a stored value is not a sealed value") from None

    def key_of(self, stored: str | None) -> str | None:
        """The key id a stored value was written with (None: plaintext or empty)."""
        if not stored or not stored.startswith(PREFIX):
            return None
        return stored[len(PREFIX) :].partition(":")[0]




def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
