"""The public demo's guards: per-client rate limit, body size before parsing, and
which runs a browser may see (only the demo runs it created)."""

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse

OWNED_COOKIE = "smartnotes_demo_runs"
OWNED_SALT = "verification.demo.runs"
OWNED_MAX = 20
# Form fields and multipart framing on top of the files themselves.
BODY_SLACK_BYTES = 1024 * 1024


def client_key(request: HttpRequest) -> str:
    # REMOTE_ADDR is the peer gunicorn sees; behind a proxy that is the proxy,
    # which still caps the whole demo (the safe failure).
    return request.META.get("REMOTE_ADDR", "unknown")


def rate_limited(request: HttpRequest) -> bool:
    """True once this client has posted more than the per-minute allowance."""
    allowed = settings.SMARTNOTES_DEMO_RATE_PER_MINUTE
    key = f"demo-rate:{client_key(request)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    return count > allowed


def body_too_large(request: HttpRequest) -> bool:
    """True when the declared body is larger than an upload may be, checked before parsing."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES + BODY_SLACK_BYTES


def owned_runs(request: HttpRequest) -> list[str]:
    try:
        value = request.get_signed_cookie(OWNED_COOKIE, default="", salt=OWNED_SALT)
    except BadSignature:
        return []
    return [v for v in value.split(",") if v][:OWNED_MAX]


def owned_runs_remember(request: HttpRequest, response: HttpResponse, public_id: str) -> None:
    ids = [public_id, *(v for v in owned_runs(request) if v != public_id)][:OWNED_MAX]
    response.set_signed_cookie(
        OWNED_COOKIE,
        ",".join(ids),
        salt=OWNED_SALT,
        max_age=7 * 24 * 3600,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )
