"""Tool key pairs: generation, rotation and the public JWKS.

Private keys are stored encrypted with SMARTNOTES_FIELD_ENCRYPTION_KEY (the Fernet
keys that also seal Canvas tokens; rotating that key works the same way for both).
Rotation keeps the previous key in JWKS ("published") so platforms that cached
it can still verify messages signed just before the switch; `lti_rotate_keys
--retire-after-days N` retires published keys older than N days.
"""

import json
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwcrypto.jwk import JWK

from canvas_pipeline import crypto
from lti_tool.models import ToolKey

KEY_SIZE_BITS = 2048


def _generate_pem_pair() -> tuple[str, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def public_jwk(public_key_pem: str) -> dict[str, str]:
    """The JWK of a public key; its kid is the RFC 7638 thumbprint, as pylti1p3 computes it."""
    jwk = JWK.from_pem(public_key_pem.encode())
    data: dict[str, str] = json.loads(jwk.export_public())
    data["kid"] = jwk.thumbprint()
    data["alg"] = "RS256"
    data["use"] = "sig"
    return data


@transaction.atomic
def tool_key_rotate() -> ToolKey:
    """Make a new active key; the previous active key stays published until retired."""
    private_pem, public_pem = _generate_pem_pair()
    kid = public_jwk(public_pem)["kid"]
    ToolKey.objects.filter(is_active=True).update(is_active=False)
    key = ToolKey(
        kid=kid,
        private_key_encrypted=crypto.encrypt(private_pem),
        public_key_pem=public_pem,
        is_active=True,
    )
    key.full_clean()
    key.save()
    return key


def tool_keys_retire(*, older_than: timedelta) -> int:
    """Retire published (inactive) keys created before now - older_than."""
    cutoff = timezone.now() - older_than
    return ToolKey.objects.filter(
        is_active=False, retired_at__isnull=True, created_at__lt=cutoff
    ).update(retired_at=timezone.now())


def tool_key_private_pem(key: ToolKey) -> str:
    """The key's private PEM, decrypted with the field key (it is never stored plain)."""
    return crypto.decrypt(key.private_key_encrypted)


def tool_key_get_active() -> ToolKey:
    """The signing key, made on first use so a fresh install needs no extra step."""
    key = ToolKey.objects.filter(is_active=True).first()
    if key is not None:
        return key
    try:
        return tool_key_rotate()
    except IntegrityError:
        # Another process made the first key at the same moment (one-active constraint).
        return ToolKey.objects.get(is_active=True)


def tool_jwks() -> dict[str, list[dict[str, str]]]:
    tool_key_get_active()
    keys = ToolKey.objects.filter(retired_at__isnull=True).order_by("-is_active", "-created_at")
    return {"keys": [public_jwk(k.public_key_pem) for k in keys]}
