"""LTI Advantage service clients: access tokens, Names and Role Provisioning (NRPS)
roster sync, and Assignment and Grade Services (AGS).

Access tokens come from the platform's token endpoint with a client-credentials
JWT assertion signed by the tool key (1EdTech Security 1.0 §4.1) and are cached
in the Django cache until shortly before they expire, shared by every process.
"""

import hashlib
import time
import uuid
from collections.abc import Sequence

import jwt
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from lti_tool.claims import Claim
from lti_tool.launch import registration_for
from lti_tool.models import LtiContext, LtiUser, Membership, Platform
from lti_tool.sessions import LtiLaunch
from ops.outbound import OutboundSession

HTTP_TIMEOUT_S = 10
TOKEN_EXPIRY_MARGIN_S = 60


class _TimeoutSession(OutboundSession):
    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        return super().request(*args, **kwargs)


class CachedServiceConnector(ServiceConnector):
    """pylti1p3's connector with access tokens cached per (issuer, client, scopes)."""

    def __init__(self, registration: Registration) -> None:
        super().__init__(registration, _TimeoutSession())

    def get_access_token(self, scopes: Sequence[str]) -> str:
        scope_str = " ".join(sorted(scopes))
        key = (
            "lti:access-token:"
            + hashlib.sha256(
                f"{self._registration.get_issuer()}|{self._registration.get_client_id()}|"
                f"{scope_str}".encode()
            ).hexdigest()
        )
        token = cache.get(key)
        if token:
            return str(token)
        token, expires_in_s = self._fetch_access_token(scopes)
        cache.set(key, token, max(expires_in_s - TOKEN_EXPIRY_MARGIN_S, 1))
        return token

    def _fetch_access_token(self, scopes: Sequence[str]) -> tuple[str, int]:
        registration = self._registration
        client_id = str(registration.get_client_id())
        token_url = str(registration.get_auth_token_url())
        now = int(time.time())
        assertion = jwt.encode(
            {
                "iss": client_id,
                "sub": client_id,
                "aud": registration.get_auth_audience() or token_url,
                "iat": now - 5,
                "exp": now + 60,
                "jti": str(uuid.uuid4()),
            },
            str(registration.get_tool_private_key()),
            algorithm="RS256",
            headers={"kid": str(registration.get_kid())},
        )
        response = self._requests_session.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
        )
        if not response.ok:
            raise LtiServiceException(response)
        answer = response.json()
        return str(answer["access_token"]), int(answer.get("expires_in", 3600))


def service_connector(platform: Platform) -> CachedServiceConnector:
    return CachedServiceConnector(registration_for(platform))


@transaction.atomic
def _roster_apply(context: LtiContext, members: list[dict[str, object]]) -> int:
    seen: set[int] = set()
    for member in members:
        if member.get("status", "Active") != "Active" or not member.get("user_id"):
            continue
        user, _ = LtiUser.objects.get_or_create(
            platform=context.platform, sub=str(member["user_id"])
        )
        user.name = str(member.get("name", "") or user.name)[:255]
        user.email = str(member.get("email", "") or user.email)[:254]
        user.save()
        Membership.objects.update_or_create(
            context=context,
            user=user,
            defaults={
                "roles": list(member.get("roles", [])),  # type: ignore[call-overload]
                "is_active": True,
                "source": Membership.Source.NRPS,
            },
        )
        seen.add(user.pk)
    Membership.objects.filter(context=context).exclude(user_id__in=seen).update(is_active=False)
    LtiContext.objects.filter(pk=context.pk).update(roster_synced_at=timezone.now())
    return len(seen)


def roster_sync(*, context: LtiContext) -> int:
    """Fetch the course roster through NRPS (all pages) and mirror it as memberships.

    Returns the number of active members. Raises LtiServiceException on platform errors.
    """
    if not context.nrps_url:
        raise ValueError(f"course {context} has no NRPS URL yet: launch it once from Canvas")
    service = NamesRolesProvisioningService(
        service_connector(context.platform), {"context_memberships_url": context.nrps_url}
    )
    return _roster_apply(context, service.get_members())


def ags_service(lti: LtiLaunch) -> AssignmentsGradesService | None:
    """An AGS client for the launch's line items, or None when the launch has no AGS claim.

    Use `.put_grade(pylti1p3.grade.Grade(...))` to post a score and comment where the
    platform grants the score scope.
    """
    endpoint = lti.claims.get(Claim.AGS)
    if not endpoint:
        return None
    return AssignmentsGradesService(service_connector(lti.platform), endpoint)
