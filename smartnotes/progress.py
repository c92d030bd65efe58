"""The one progress mechanism: a page polls a snapshot of some work with If-None-Match.

Polling with ETags, not server-sent events: inside the Canvas iframe every request
must carry the launch token in its URL (third-party cookies are blocked, see
docs/lti.md), a plain GET does; and a threaded gunicorn worker is never held open
by a stream. An unchanged snapshot costs one query and a 304 with no body.

A snapshot (built by its owner, e.g. verification.run_progress) is::

    {"state": "queued" | "running" | "done" | "failed",
     "progress": 0..1, "stage": str, "checked": int, "total": int | None,
     "claims": [{"id": str, "html": str}],  # server-rendered, in arrival order
     "message": str}

static/progress/progress.js is the one client: it shows the snapshot in any element
with ``data-progress-url``.
"""

import hashlib
import json
from typing import Any, Literal, TypedDict

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

State = Literal["queued", "running", "done", "failed"]
FINISHED_STATES = ("done", "failed")


class ClaimFragment(TypedDict):
    id: str
    html: str


class Snapshot(TypedDict):
    state: State
    progress: float
    stage: str
    checked: int
    total: int | None
    claims: list[ClaimFragment]
    message: str


def snapshot_etag(body: bytes) -> str:
    """A strong ETag: the same bytes, the same tag, on every web process."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, "*") for tag in header.split(",") if tag.strip())


def progress_response(request: HttpRequest, snapshot: Snapshot | dict[str, Any]) -> HttpResponse:
    """The snapshot as JSON with a strong ETag of its body; 304 when the client has it.

    ``no-cache, private``: a browser or proxy may keep it but must ask again each time
    (the If-None-Match round trip), and no shared cache may hand one person's
    progress to another.
    """
    body = json.dumps(snapshot, separators=(",", ":"), sort_keys=True).encode()
    etag = snapshot_etag(body)
    response: HttpResponse
    if _matches(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache, private"
    return response
