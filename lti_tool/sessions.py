"""Cookieless LTI sessions: a short-lived signed token scoped to one launch, user
and context, carried in URLs and forms instead of a cookie.

Why: inside the Canvas iframe, Safari (always) and Chrome (incognito, or with
third-party cookies blocked) drop our cookies, so a Django session cookie set at
launch is gone on the next in-frame request. See docs/decisions/0004-lti-sessions.md.

The token is `django.core.signing` output (HMAC with SECRET_KEY, salt
``lti_tool.session``), valid for ``LTI_SESSION_TOKEN_MAX_AGE_S`` seconds (default
1 h) counted from the launch itself. It travels as the ``lti_session`` query
parameter, a hidden form field of the same name, or the ``X-LTI-Session`` header
(for fetch/XHR). It grants nothing by itself: the middleware loads the `Launch`
row it names and checks that the user and context still match and that the
launch has not been revoked (``lti_tool.services.launch_revoke``, the
``lti_revoke_sessions`` command). Query strings never reach the logs
(ops.logging strips them).

Public API (what other apps use):

- ``request.lti``: an `LtiLaunch` (``bool(request.lti)`` is True) or `ABSENT`.
  Attributes: ``launch`` (the `Launch` row), ``platform``, ``user`` (`LtiUser`),
  ``context`` (`LtiContext` or None), ``resource_link``, ``roles`` (frozenset of
  `AppRole`), ``is_instructor`` (Instructor or TA), ``is_learner``, ``is_admin``,
  ``return_url``, ``token``, ``claims``, ``custom``, ``placement`` (Canvas),
  ``platform_notification_service``, and ``url(name, *args, **kwargs)``
  (a reversed URL carrying the token).
- ``lti_tool.decorators.lti_role_required(*roles)`` and ``lti_launch_required``.
- Template tags (``{% load lti_tool %}``): ``{% lti_url 'app:name' arg %}``,
  ``{% lti_session_input %}`` (hidden input for forms), ``{{ request.lti.token }}``.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from lti_tool.claims import AppRole, Claim, app_roles
from lti_tool.models import Launch, LtiContext, LtiUser, Platform, ResourceLink

TOKEN_PARAM = "lti_session"  # noqa: S105 - a parameter name, not a secret
TOKEN_HEADER = "X-LTI-Session"  # noqa: S105
_SALT = "lti_tool.session"
DEFAULT_MAX_AGE_S = 3600


def _max_age_s() -> int:
    return int(getattr(settings, "LTI_SESSION_TOKEN_MAX_AGE_S", DEFAULT_MAX_AGE_S))


def session_token_issue(launch: Launch) -> str:
    """A token for this launch, scoped to its user and context."""
    payload = {"l": str(launch.public_id), "u": launch.user_id, "c": launch.context_id}
    return signing.dumps(payload, salt=_SALT, compress=True)


def session_token_read(token: str) -> dict[str, Any] | None:
    """The token payload, or None when it is forged, malformed or older than the max age."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=_max_age_s())
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    return payload if isinstance(payload, dict) else None


def with_token(url: str, token: str) -> str:
    """The URL with `lti_session=<token>` added to its query."""
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({TOKEN_PARAM: token})))


class AbsentLaunch:
    """`request.lti` when the request carries no valid launch token: falsy, no roles."""

    launch = platform = user = context = resource_link = None
    roles: frozenset[AppRole] = frozenset()
    is_instructor = is_learner = is_admin = False
    token = ""
    return_url = ""
    placement = ""
    claims: dict[str, Any] = {}
    custom: dict[str, str] = {}
    platform_notification_service: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return False

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        return reverse(name, args=args, kwargs=kwargs)

    def __repr__(self) -> str:
        return "<AbsentLaunch>"


ABSENT = AbsentLaunch()


class LtiRequest(HttpRequest):
    """An HttpRequest after LtiLaunchMiddleware: `lti` is the launch, or the falsy
    ABSENT stand-in (same attributes) when the request carries no valid token."""

    lti: "LtiLaunch"


@dataclass(frozen=True)
class LtiLaunch:
    """`request.lti` for a request that carries a valid launch token."""

    launch: Launch
    token: str
    roles: frozenset[AppRole] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return True

    @classmethod
    def from_launch(cls, launch: Launch, token: str) -> "LtiLaunch":
        return cls(launch=launch, token=token, roles=app_roles(launch.roles))

    @property
    def platform(self) -> Platform:
        return self.launch.platform

    @property
    def user(self) -> LtiUser:
        return self.launch.user

    @property
    def context(self) -> LtiContext | None:
        return self.launch.context

    @property
    def resource_link(self) -> ResourceLink | None:
        return self.launch.resource_link

    @property
    def claims(self) -> dict[str, Any]:
        return self.launch.claims

    @property
    def is_instructor(self) -> bool:
        return bool(self.roles & {AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT})

    @property
    def is_learner(self) -> bool:
        return AppRole.LEARNER in self.roles

    @property
    def is_admin(self) -> bool:
        return AppRole.ADMINISTRATOR in self.roles

    @property
    def return_url(self) -> str:
        presentation = self.claims.get(Claim.LAUNCH_PRESENTATION) or {}
        url = str(presentation.get("return_url", "") or "")
        # Rendered as a link: a javascript: or data: URL would run in our origin.
        return url if urlsplit(url).scheme in ("http", "https") else ""

    @property
    def placement(self) -> str:
        """Canvas placement that launched the tool (e.g. "course_navigation"), or ""."""
        return str(self.claims.get(Claim.CANVAS_PLACEMENT, "") or "")

    @property
    def platform_notification_service(self) -> dict[str, Any]:
        """The platform notification service claim (Asset Processor notices), or {}."""
        return dict(self.claims.get(Claim.PLATFORM_NOTIFICATION_SERVICE) or {})

    @property
    def custom(self) -> dict[str, str]:
        """Custom parameters; Canvas variables it could not substitute are dropped."""
        raw = self.claims.get(Claim.CUSTOM) or {}
        return {k: str(v) for k, v in raw.items() if not str(v).startswith("$")}

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        """Reverse a URL name and add this launch's token."""
        return with_token(reverse(name, args=args, kwargs=kwargs), self.token)


def launch_from_token(token: str) -> LtiLaunch | None:
    """Resolve a token to its launch, checking that user and context still match, that
    the launch is not revoked and not older than the token lifetime."""
    payload = session_token_read(token)
    if payload is None:
        return None
    launch = (
        Launch.objects.select_related("platform", "user", "context", "resource_link")
        .filter(
            public_id=payload.get("l"),
            platform__is_active=True,
            revoked_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(seconds=_max_age_s()),
        )
        .first()
    )
    if (
        launch is None
        or launch.user_id != payload.get("u")
        or launch.context_id != payload.get("c")
    ):
        return None
    return LtiLaunch.from_launch(launch, token)


def platform_from_stale_token(token: str) -> Platform | None:
    """The platform named by a genuine but expired or revoked token (it grants
    nothing; it only says which platform may frame the "open it again" page)."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    launch = Launch.objects.select_related("platform").filter(public_id=payload.get("l")).first()
    return launch.platform if launch is not None and launch.platform.is_active else None
