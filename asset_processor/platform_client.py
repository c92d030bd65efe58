"""HTTP calls to the platform's Asset Processor services, with LTI Advantage tokens:
notice-handler registration (PNS), asset download, Asset Report posting.

Errors are canvas_pipeline's: `CanvasTransientError` (429, 5xx, network) is retried
by the job's task; `CanvasPermanentError` is not.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import requests
from pylti1p3.exception import LtiServiceException

from canvas_pipeline.canvas import CanvasPermanentError, CanvasTransientError
from lti_tool.advantage import service_connector
from lti_tool.claims import Scope
from lti_tool.models import Platform
from ops.outbound import OutboundRefused, OutboundSession

HTTP_TIMEOUT_S = 15
SUBMISSION_NOTICE = "LtiAssetProcessorSubmissionNotice"


def _token(platform: Platform, scope: str) -> str:
    try:
        return service_connector(platform).get_access_token([scope])
    except (LtiServiceException, requests.RequestException) as exc:
        raise CanvasTransientError(
            f"The platform token endpoint refused a {scope.rsplit('/', 1)[-1]} token: {exc}",
            code="token_unavailable",
        ) from exc


def _raise_for(response: requests.Response, what: str) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        raise CanvasTransientError(
            f"{what}: the platform answered {response.status_code}",
            code=f"http_{response.status_code}",
        )
    if response.status_code >= 400:
        raise CanvasPermanentError(
            f"{what}: the platform answered {response.status_code} {response.text[:200]}",
            code=f"http_{response.status_code}",
        )


def _send(method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
    """One request to the platform; redirects only to allowed hosts (ops.outbound)."""
    try:
        return OutboundSession().request(method, url, timeout=HTTP_TIMEOUT_S, **kwargs)
    except OutboundRefused as exc:
        raise CanvasPermanentError(f"{what}: {exc}", code="url_refused") from exc
    except requests.RequestException as exc:
        raise CanvasTransientError(f"{what}: {exc}", code="network") from exc


def notice_handler_register(*, platform: Platform, service_url: str, handler_url: str) -> None:
    """PUT our submission-notice handler to the platform notification service (PNS §4)."""
    token = _token(platform, Scope.NOTICE_HANDLERS)
    response = _send(
        "PUT",
        service_url,
        "Registering the notice handler",
        json={"notice_type": SUBMISSION_NOTICE, "handler": handler_url},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    _raise_for(response, "Registering the notice handler")


class AssetDownloadError(Exception):
    """The asset could not be downloaded or is not what the notice described."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    data: bytes
    content_type: str


def asset_download(
    *, platform: Platform, url: str, sha256_b64: str, size: int | None, max_bytes: int
) -> Downloaded:
    """GET the asset (redirects followed; requests drops the token on a redirect to
    another host), then check its size and base64 SHA-256 against the notice."""
    token = _token(platform, Scope.ASSET_READONLY)
    what = "Downloading the asset"
    response = _send("GET", url, what, headers={"Authorization": f"Bearer {token}"}, stream=True)
    with response:
        if response.status_code == 429 or response.status_code >= 500:
            _raise_for(response, what)
        if response.status_code >= 400:
            raise AssetDownloadError(f"the platform answered {response.status_code}")
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise AssetDownloadError(f"it is larger than {max_bytes} bytes")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise CanvasTransientError(f"{what}: {exc}", code="network") from exc
    data = b"".join(chunks)
    if size is not None and len(data) != size:
        raise AssetDownloadError(f"{len(data)} bytes arrived, the notice said {size}")
    if sha256_b64:
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        if not hmac.compare_digest(digest, sha256_b64.strip()):
            raise AssetDownloadError("its SHA-256 checksum does not match the notice")
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
    return Downloaded(data=data, content_type=content_type)


def report_post(*, platform: Platform, report_url: str, payload: dict[str, Any]) -> int:
    """POST one Asset Report; the HTTP status (409: the platform holds a newer one)."""
    token = _token(platform, Scope.ASSET_REPORT)
    response = _send(
        "POST",
        report_url,
        "Posting the asset report",
        json=payload,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    if response.status_code != 409:
        _raise_for(response, "Posting the asset report")
    return response.status_code
