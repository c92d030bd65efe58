"""Platform Notification Service intake: verify each notice JWT like a launch, store
it, and turn a submission notice into the attempt's job (PNS 1.0 §5; Asset
Processor 1.0 §6). Runs inside the HTTP request: Canvas does not retry, so the
notice is written before anything slow, and the slow work is enqueued on commit.

Checks, as for launches (lti_tool.launch): RS256 only; the key from the registered
platform's JWKS by ``kid``; ``iss``, ``aud`` (and ``azp`` when present or when
``aud`` has several values) = our client id; ``exp``/``iat`` with a small leeway;
the deployment registered and active; LTI version 1.3.0; the nonce used once.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import jwt
import structlog
from django.core.cache import cache
from django.db import IntegrityError, transaction
from jwt.utils import base64url_decode

from asset_processor.models import Notice
from lti_tool.claims import Claim
from lti_tool.models import Deployment, Platform
from lti_tool.services import deployment_register_from_launch

logger = structlog.get_logger(__name__)

CLOCK_LEEWAY_S = 60
MAX_TOKEN_AGE_S = 60 * 60
MAX_NOTICES_PER_REQUEST = 100


class NoticeRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class NoticeResult:
    """accepted | duplicate | ignored | rejected, per notice."""

    outcome: str
    reason: str
    job_id: int | None = None


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        head, body, _ = token.split(".")
        header = json.loads(base64url_decode(head))
        payload = json.loads(base64url_decode(body))
    except (ValueError, TypeError) as exc:
        raise NoticeRejected("malformed_jwt") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise NoticeRejected("malformed_jwt")
    return header, payload


def _platform_for(payload: dict[str, Any]) -> Platform:
    aud = payload.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    candidates = [str(payload["azp"])] if payload.get("azp") else audiences
    platform = Platform.objects.filter(
        issuer=str(payload.get("iss", "")), client_id__in=candidates, is_active=True
    ).first()
    if platform is None:
        raise NoticeRejected("registration_unknown")
    return platform


def notice_verify(token: str) -> tuple[Platform, dict[str, Any]]:
    """The platform and the verified claims of one notice JWT; raises NoticeRejected."""
    from canvas_pipeline.services.intake import jwks_key_get

    header, unverified = _unverified(token)
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise NoticeRejected("alg_not_allowed")
    platform = _platform_for(unverified)
    key = jwks_key_get(platform.key_set_url, str(header["kid"]))
    if key is None:
        raise NoticeRejected("kid_unknown")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=CLOCK_LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NoticeRejected("token_expired") from exc
    except jwt.InvalidTokenError as exc:
        raise NoticeRejected("signature") from exc
    now = time.time()
    if claims["iat"] > now + CLOCK_LEEWAY_S or claims["iat"] < now - MAX_TOKEN_AGE_S:
        raise NoticeRejected("token_iat")
    aud = claims["aud"]
    if ((isinstance(aud, list) and len(aud) > 1) or "azp" in claims) and claims.get(
        "azp"
    ) != platform.client_id:
        raise NoticeRejected("azp")
    if claims.get(Claim.VERSION) != "1.3.0":
        raise NoticeRejected("version")
    _deployment_check(platform, str(claims.get(Claim.DEPLOYMENT_ID) or ""))
    notice = claims.get(Claim.NOTICE)
    if not isinstance(notice, dict) or not notice.get("id") or not notice.get("type"):
        raise NoticeRejected("notice_claim")
    _nonce_consume(claims)
    return platform, claims


def _deployment_check(platform: Platform, deployment_id: str) -> None:
    active = Deployment.objects.filter(
        platform=platform, deployment_id=deployment_id, is_active=True
    ).exists()
    if not active and not (
        deployment_id
        and deployment_register_from_launch(
            issuer=platform.issuer, client_id=platform.client_id, deployment_id=deployment_id
        )
    ):
        raise NoticeRejected("deployment_unknown")


def _nonce_consume(claims: dict[str, Any]) -> None:
    ttl_s = max(int(claims["exp"] - time.time()) + CLOCK_LEEWAY_S, CLOCK_LEEWAY_S)
    key = (
        "lti:notice-nonce:"
        + hashlib.sha256(f"{claims['iss']}|{claims['nonce']}".encode()).hexdigest()
    )
    if not cache.add(key, 1, ttl_s):
        raise NoticeRejected("nonce_replay")


def notices_intake(body: bytes) -> list[NoticeResult]:
    """Verify, store and act on each notice of a PNS request body."""
    try:
        data = json.loads(body)
        tokens = [str(item["jwt"]) for item in data["notices"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise NoticeRejected("malformed_body") from exc
    if len(tokens) > MAX_NOTICES_PER_REQUEST:
        raise NoticeRejected("too_many_notices")
    return [_notice_intake(token) for token in tokens]


def _notice_intake(token: str) -> NoticeResult:
    from asset_processor.services import submission_notice_apply

    try:
        platform, claims = notice_verify(token)
    except NoticeRejected as exc:
        logger.warning("asset_processor.notice.rejected", reason=exc.reason)
        return NoticeResult("rejected", exc.reason)
    notice_claim = claims[Claim.NOTICE]
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                platform=platform,
                notice_id=str(notice_claim["id"])[:255],
                notice_type=str(notice_claim["type"])[:64],
                claims=claims,
            )
    except IntegrityError:
        return NoticeResult("duplicate", "notice_id")
    if notice.notice_type != "LtiAssetProcessorSubmissionNotice":
        Notice.objects.filter(pk=notice.pk).update(outcome="ignored")
        return NoticeResult("ignored", notice.notice_type)
    result = submission_notice_apply(notice=notice)
    logger.info(
        "asset_processor.notice." + result.outcome, reason=result.reason, job_id=result.job_id
    )
    return result
