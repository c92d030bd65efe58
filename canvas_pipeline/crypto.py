"""Encryption at rest for Canvas tokens and secrets (Fernet: AES-128-CBC + HMAC).

SMARTNOTES_FIELD_ENCRYPTION_KEY holds one or more comma-separated Fernet keys,
newest first: new values are encrypted with the first, every key decrypts, so
keys rotate by prepending a new one. Production refuses to start without it.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value cannot be decrypted with the configured keys."""


@cache
def _fernet(keys: str, secret_key: str) -> MultiFernet:
    if keys:
        try:
            return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
        except ValueError as exc:
            raise ImproperlyConfigured(
                "SMARTNOTES_FIELD_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                'comma-separated; generate one with python -c "from cryptography.fernet import '
                'Fernet; print(Fernet.generate_key().decode())"'
            ) from exc
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("SMARTNOTES_FIELD_ENCRYPTION_KEY is required in production")
    # Dev/test only: a key derived from the dev secret key.
    derived = base64.urlsafe_b64encode(hashlib.sha256(b"fields:" + secret_key.encode()).digest())
    return MultiFernet([Fernet(derived)])


def _box() -> MultiFernet:
    return _fernet(settings.SMARTNOTES_FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt(value: str) -> str:
    """Ciphertext of `value`; the empty string stays empty (not configured)."""
    return _box().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _box().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "a stored Canvas secret cannot be decrypted: SMARTNOTES_FIELD_ENCRYPTION_KEY lost "
            "the key it was written with (keep old keys after the new one when rotating)"
        ) from exc
