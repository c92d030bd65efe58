"""Canvas OAuth2 for instructors: authorize URL, code exchange, token linked to the course.

https://canvas.instructure.com/doc/api/file.oauth.html (web application flow).
The state parameter is signed (django.core.signing) and names the course and LTI
user. It is bound to the browser that started the flow (a hash of a nonce kept in
a cookie of the flow's own tab) and is accepted once.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from canvas_pipeline import crypto
from canvas_pipeline.canvas import CanvasError, oauth_token_request
from canvas_pipeline.models import CanvasCourse, CanvasInstallation, CanvasToken
from canvas_pipeline.services.access import token_store
from smartnotes.errors import ApplicationError

_SALT = "canvas_pipeline.oauth"
STATE_MAX_AGE_S = 900
OAUTH_COOKIE = "sn_canvas_oauth"


def _nonce_hash(browser_nonce: str) -> str:
    return hashlib.sha256(browser_nonce.encode()).hexdigest()


def redirect_uri() -> str:
    return settings.SMARTNOTES_BASE_URL + reverse("canvas_pipeline:oauth-callback")


def oauth_authorize_url(*, course: CanvasCourse, lti_user_id: int, browser_nonce: str) -> str:
    installation = course.installation
    if not installation.oauth_client_id:
        raise ApplicationError(
            "Canvas API access is not set up: an admin must add a Canvas developer key "
            "(canvas_connect --oauth-client-id ...).",
            code="no_developer_key",
        )
    state = signing.dumps(
        {"c": course.pk, "u": lti_user_id, "n": _nonce_hash(browser_nonce)}, salt=_SALT
    )
    query = urlencode(
        {
            "client_id": installation.oauth_client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri(),
            "state": state,
        }
    )
    return f"{installation.api_url}/login/oauth2/auth?{query}"


def _state_read(state: str, browser_nonce: str) -> dict:
    """The state's data, if this browser started the flow and the state is unused."""
    try:
        data = signing.loads(state, salt=_SALT, max_age=STATE_MAX_AGE_S)
    except signing.BadSignature as exc:
        raise ApplicationError(
            "The Canvas connection link expired; start again from Smart Notes.", code="bad_state"
        ) from exc
    if not browser_nonce or not hmac.compare_digest(
        str(data.get("n", "")), _nonce_hash(browser_nonce)
    ):
        raise ApplicationError(
            "This Canvas connection was started in another browser; start again from Smart Notes.",
            code="state_browser",
        )
    used_key = "canvas:oauth-state-used:" + hashlib.sha256(state.encode()).hexdigest()
    if not cache.add(used_key, 1, STATE_MAX_AGE_S):
        raise ApplicationError(
            "This Canvas connection link was already used; start again from Smart Notes.",
            code="state_used",
        )
    return data


def oauth_complete(*, code: str, state: str, browser_nonce: str) -> CanvasToken:
    """Exchange the code, store the tokens encrypted, use them for the course."""
    data = _state_read(state, browser_nonce)
    course = CanvasCourse.objects.select_related("installation").get(pk=data["c"])
    installation: CanvasInstallation = course.installation
    try:
        answer = oauth_token_request(
            installation.api_url,
            {
                "grant_type": "authorization_code",
                "client_id": installation.oauth_client_id,
                "client_secret": crypto.decrypt(installation.oauth_client_secret_encrypted),
                "redirect_uri": redirect_uri(),
                "code": code,
            },
        )
    except CanvasError as exc:
        raise ApplicationError(
            f"Canvas refused the connection: {exc.message}", code=exc.code
        ) from exc
    token = token_store(installation=installation, lti_user_id=data["u"], data=answer)
    CanvasCourse.objects.filter(pk=course.pk).update(canvas_token=token)
    return token
