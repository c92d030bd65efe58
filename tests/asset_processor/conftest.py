"""A local Canvas for the Asset Processor: a real HTTP server on 127.0.0.1 (a thread)
that plays the platform's side. It signs notices with the platform key
(lti1p3platform's registration, shared with tests/lti), serves its JWKS, a token
endpoint, the notice-handler registration endpoint (PUT), asset downloads (behind a
redirect) and the report endpoint, which records reports and answers 409 to a
timestamp older than the one it holds. Nothing on the tool side is patched."""

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from lti_tool.claims import Claim
from tests.factories import ESSAY_TEXT, MATERIALS_TEXT
from tests.lti import conftest as lti_conftest
from tests.lti.conftest import Platform as Lms
from tests.lti.conftest import _PlatformConf, oidc_login, post_launch

# Fixtures shared with tests/lti: the platform key, the tool key, a clean cache.
platform_key_pem = lti_conftest.platform_key_pem
_tool_key_pems = lti_conftest._tool_key_pems
_tool_key = lti_conftest._tool_key
_clear_cache = lti_conftest._clear_cache

ACTIVITY_ID = "7c9f5f3e-1b5a-4c3e-9d7e-5a8f0c1e2b3d"
STUDENT_LTI_ID = "535fa085f22b4655f48cd5a36a9215f64c062838"
SUBMISSION_UUID = "0b2c0a34-4a0f-4ef3-8c4d-9c1d2e3f4a5b"
NOTICE_TYPE = "LtiAssetProcessorSubmissionNotice"


@dataclass
class Canvas:
    """What the local Canvas recorded; routes answer from this state."""

    url: str = ""
    registrations: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    report_statuses: list[int] = field(default_factory=list)
    latest: dict[tuple[str, str], str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    blobs: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    jwks: dict[str, Any] = field(default_factory=dict)
    pns_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        for store in (self.registrations, self.reports, self.report_statuses):
            store.clear()
        for mapping in (self.latest, self.tokens, self.blobs):
            mapping.clear()
        self.pns_status = 200

    def scope_of(self, headers: dict[str, str]) -> str:
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        return self.tokens.get(bearer, "")

    def asset_add(self, data: bytes, content_type: str) -> str:
        blob_id = uuid.uuid4().hex
        self.blobs[blob_id] = (data, content_type)
        return f"{self.url}/api/lti/assets/{blob_id}"

    def final_reports(self) -> list[dict[str, Any]]:
        return [r for r in self.reports if r["processingProgress"] != "Processing"]


def _answer(status: int, body: Any = None, headers: dict[str, str] | None = None):
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    base = {"Content-Type": "application/json"} if body is not None else {}
    return status, {**base, **(headers or {})}, data


def _route(canvas: Canvas, method: str, path: str, headers: dict[str, str], body: bytes):
    scope = canvas.scope_of(headers)
    if method == "GET" and path == "/jwks":
        return _answer(200, canvas.jwks)
    if method == "POST" and path == "/token":
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials" or not form.get("client_assertion"):
            return _answer(400, {"error": "invalid_request"})
        token = secrets.token_hex(8)
        canvas.tokens[token] = form.get("scope", "")
        return _answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
    if method == "PUT" and path == "/api/lti/notice-handlers":
        if not scope.endswith("/scope/noticehandlers"):
            return _answer(401, {"error": "scope"})
        if canvas.pns_status != 200:
            return _answer(canvas.pns_status, {"error": "unavailable"})
        canvas.registrations.append(json.loads(body))
        return _answer(200, json.loads(body))
    if method == "GET" and path.startswith("/api/lti/assets/"):
        if not scope.endswith("/scope/asset.readonly"):
            return _answer(401, {"error": "scope"})
        return _answer(302, None, {"Location": path.replace("/api/lti/assets/", "/blobs/")})
    if method == "GET" and path.startswith("/blobs/"):
        data, content_type = canvas.blobs[path.rsplit("/", 1)[-1]]
        return 200, {"Content-Type": content_type}, data
    if method == "POST" and path.startswith("/api/lti/reports/"):
        if not scope.endswith("/scope/report"):
            return _answer(401, {"error": "scope"})
        report = json.loads(body)
        key = (report["assetId"], report["type"])
        with canvas.lock:
            if key in canvas.latest and report["timestamp"] < canvas.latest[key]:
                canvas.report_statuses.append(409)
                return _answer(409, {"error": "stale timestamp"})
            canvas.latest[key] = report["timestamp"]
            canvas.reports.append({**report, "_path": path})
            canvas.report_statuses.append(200)
        return _answer(200, report)
    return _answer(404, {"error": "not found"})


@pytest.fixture(scope="session")
def other_key_pem() -> str:
    """A key the platform never published: what a forger signs with."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def _canvas_server() -> Iterator[Canvas]:
    canvas = Canvas()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out_headers, data = _route(
                canvas, self.command, urlsplit(self.path).path, headers, body
            )
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    canvas.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield canvas
    server.shutdown()
    server.server_close()


@pytest.fixture
def canvas(_canvas_server: Canvas, platform_key_pem: tuple[str, str]) -> Canvas:
    from lti1p3platform.registration import Registration

    from canvas_pipeline.services.intake import jwks_cache_clear

    _canvas_server.reset()
    _canvas_server.jwks = _PlatformConf(
        registration=Registration().set_platform_public_key(platform_key_pem[1])
    ).get_jwks()
    jwks_cache_clear()
    return _canvas_server


@pytest.fixture
def lms(canvas: Canvas, platform_key_pem: tuple[str, str], db: None) -> Lms:
    from lti_tool.services import platform_register

    private, public = platform_key_pem
    lms = Lms(canvas, private, public, issuer=canvas.url)  # type: ignore[arg-type]
    platform_register(
        name="Local Canvas",
        issuer=lms.issuer,
        client_id=lms.client_id,
        deployment_id=lms.deployment_id,
        auth_login_url=canvas.url + "/auth",
        auth_token_url=canvas.url + "/token",
        key_set_url=canvas.url + "/jwks",
        canvas_api_url=canvas.url,
    )
    return lms


def ap_claims(canvas: Canvas, **overrides: Any) -> dict[str, Any]:
    """What Canvas adds to an "Add Document Processing App" deep-linking request."""
    claims = {
        Claim.MESSAGE_TYPE: "LtiDeepLinkingRequest",
        Claim.DEEP_LINKING_SETTINGS: {
            "deep_link_return_url": "https://canvas.example.edu/deep_link_return",
            "accept_types": ["ltiAssetProcessor"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
        },
        Claim.ACTIVITY: {"id": ACTIVITY_ID, "title": "Cell biology essay"},
        Claim.PLATFORM_NOTIFICATION_SERVICE: {
            "platform_notification_service_url": canvas.url + "/api/lti/notice-handlers",
            "service_versions": ["1.0"],
            "scope": ["https://purl.imsglobal.org/spec/lti/scope/noticehandlers"],
            "notice_types_supported": [NOTICE_TYPE],
        },
    }
    claims.update(overrides)
    return claims


def launch(client, lms: Lms, persona: str, claims: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    params = oidc_login(client, lms)
    return post_launch(client, lms.id_token(params, persona, extra=claims, **kwargs))


def token_from(location: str) -> str:
    return parse_qs(urlsplit(location).query)["lti_session"][0]


def attach(client, lms: Lms, canvas: Canvas, **form: str):  # type: ignore[no-untyped-def]
    """The instructor's attach: deep-linking launch, then the form post."""
    response = launch(client, lms, "instructor", ap_claims(canvas))
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/asset-processor/attach/")
    data = {
        "lti_session": token_from(response["Location"]),
        "title": "Fact check",
        "release_policy": "immediately",
        **form,
    }
    return client.post("/asset-processor/attach/", data)


@pytest.fixture
def processor(client, lms: Lms, canvas: Canvas):  # type: ignore[no-untyped-def]
    """Smart Notes attached to the assignment, with course materials."""
    from asset_processor.models import AssetProcessor
    from canvas_pipeline.services.setup import course_materials_add
    from verification.services import UploadedMaterial

    assert attach(client, lms, canvas).status_code == 200
    found = AssetProcessor.objects.select_related("course").get(lti_assignment_id=ACTIVITY_ID)
    course_materials_add(
        course=found.course,
        files=[UploadedMaterial("biology.txt", MATERIALS_TEXT.encode(), "text/plain")],
    )
    canvas.registrations.clear()
    return found


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class NoticeBuilder:
    lms: Lms
    canvas: Canvas

    def asset(
        self, data: bytes, content_type: str, *, filename: str = "", checksum: str | None = None
    ) -> dict[str, Any]:
        return {
            "asset_id": str(uuid.uuid4()),
            "url": self.canvas.asset_add(data, content_type),
            "sha256_checksum": sha256_b64(data) if checksum is None else checksum,
            "timestamp": "2026-11-22T10:00:00Z",
            "size": len(data),
            "content_type": content_type,
            "title": filename or "Text entry",
            "filename": filename,
        }

    def text_entry(self, html: str = f"<p>{ESSAY_TEXT}</p>") -> dict[str, Any]:
        return self.asset(html.encode(), "text/html")

    def claims(
        self, assets: list[dict[str, Any]], *, attempt: int = 1, **overrides: Any
    ) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.lms.issuer,
            "aud": self.lms.client_id,
            "iat": now,
            "exp": now + 3600,
            "nonce": secrets.token_hex(12),
            Claim.VERSION: "1.3.0",
            Claim.DEPLOYMENT_ID: self.lms.deployment_id,
            Claim.NOTICE: {
                "id": str(uuid.uuid4()),
                "timestamp": "2026-11-22T10:00:00.000Z",
                "type": NOTICE_TYPE,
            },
            Claim.CONTEXT: {"id": "course-1", "title": "Biology 101"},
            Claim.ACTIVITY: {"id": ACTIVITY_ID},
            Claim.SUBMISSION: {"id": f"{SUBMISSION_UUID}:{attempt}"},
            Claim.FOR_USER: {"user_id": STUDENT_LTI_ID, "roles": []},
            Claim.CUSTOM: {"canvas_user_id": "502"},
            Claim.ASSET_REPORT: {
                "report_url": f"{self.canvas.url}/api/lti/reports/{SUBMISSION_UUID}",
                "scope": ["https://purl.imsglobal.org/spec/lti/scope/report"],
            },
            Claim.ASSET_SERVICE: {
                "assets": assets,
                "scope": ["https://purl.imsglobal.org/spec/lti/scope/asset.readonly"],
            },
        }
        claims.update(overrides)
        return claims

    def sign(self, claims: dict[str, Any], *, private_pem: str | None = None) -> str:
        pem = private_pem or self.lms.private_pem
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        kid = self.canvas.jwks["keys"][0]["kid"]
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})  # type: ignore[arg-type]

    def post(self, client, *tokens: str):  # type: ignore[no-untyped-def]
        body = {"notices": [{"jwt": t} for t in tokens]}
        return client.post("/asset-processor/notices/", body, content_type="application/json")


@pytest.fixture
def notices(lms: Lms, canvas: Canvas) -> NoticeBuilder:
    return NoticeBuilder(lms, canvas)


def run_job(job_id: int) -> None:
    """The pipeline's steps, in this process, as the worker runs them."""
    from asset_processor.publishing import reports_processing_post
    from canvas_pipeline.services import jobs, posting

    reports_processing_post(job_id=job_id)
    jobs.job_process(job_id=job_id)
    if jobs.job_verify(job_id=job_id) == "done":
        posting.job_post(job_id=job_id)


_verifier_loaded = False


@pytest.fixture
def verifier_settings(settings, nli_model_dir):  # type: ignore[no-untyped-def]
    """The test model; the process's verifier is kept between tests (same settings)."""
    from verification.runtime import verifier_get

    global _verifier_loaded
    settings.SMARTNOTES_NLI_MODEL = str(nli_model_dir)
    settings.SMARTNOTES_NLI_DEVICE = "cpu"
    if not _verifier_loaded:
        verifier_get.cache_clear()
        _verifier_loaded = True
