"""An LTI 1.3 platform for tests, built from the third-party `lti1p3platform` library.

The library makes the platform's RSA key pair, builds and signs id_tokens and
validates our deep-linking responses and access-token assertions. A real HTTP
server on 127.0.0.1 (a thread) serves what a platform serves over the network:
its JWKS, OIDC auth endpoint URL, token endpoint, NRPS memberships, and the
dynamic-registration endpoints. Nothing on the tool side is patched.
"""

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration as PlatformRegistration
from lti1p3platform.request import Request as PlatformRequest

from lti_tool.canvas_config import tool_urls
from lti_tool.claims import Role
from lti_tool.services import platform_register

CLIENT_ID = "10000000000042"
DEPLOYMENT_ID = "1:deployment-abc"

Route = Callable[["RequestInfo"], tuple[int, dict[str, str], bytes]]


@dataclass
class RequestInfo:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(data: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


@dataclass
class PlatformServer:
    """A local HTTP server; tests add routes as (METHOD, path) -> handler."""

    url: str
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    requests: list[RequestInfo] = field(default_factory=list)


@pytest.fixture(scope="session")
def platform_server() -> Iterator[PlatformServer]:
    state = PlatformServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            info = RequestInfo(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            state.requests.append(info)
            route = state.routes.get((self.command, parts.path))
            status, headers, body = route(info) if route else (404, {}, b"not found")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def platform_key_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class _FastRegistration(PlatformRegistration):
    """The library's registration, holding the platform key parsed once.

    lti1p3platform re-parses the PEM (with RSA consistency checks) twice per signed
    message; PyJWT accepts a key object, so keep one per PEM."""

    _loaded: ClassVar[dict[str, tuple[Any, str]]] = {}

    def _key(self) -> tuple[Any, str]:
        pem = super().get_platform_private_key()
        if pem not in self._loaded:
            kid = PlatformRegistration.get_jwk(pem)["kid"]
            key = serialization.load_pem_private_key(pem.encode(), password=None)
            self._loaded[pem] = (key, kid)
        return self._loaded[pem]

    def get_kid(self) -> str | None:
        return self._key()[1] if super().get_platform_private_key() else None

    def get_platform_private_key(self) -> Any:
        return self._key()[0] if super().get_platform_private_key() else None


class _Request(PlatformRequest):
    def build_metadata(self, request: dict[str, Any]) -> dict[str, Any]:
        return {
            "method": "GET",
            "form_data": {},
            "get_data": request,
            "headers": {},
            "content_type": None,
            "path": "/auth",
            "json": None,
        }


class _PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> PlatformRegistration:
        return self._registration


class _OIDCLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return launch_data


PERSONAS: dict[str, dict[str, Any]] = {
    "instructor": {"sub": "u-instructor", "roles": [Role.INSTRUCTOR], "canvas": "501"},
    "learner": {"sub": "u-learner", "roles": [Role.LEARNER], "canvas": "502"},
    "ta": {"sub": "u-ta", "roles": [Role.TEACHING_ASSISTANT], "canvas": "503"},
    "admin": {"sub": "u-admin", "roles": [Role.INSTITUTION_ADMINISTRATOR], "canvas": "504"},
}


@dataclass
class Platform:
    """One LMS: its lti1p3platform registration and the local server it answers on."""

    server: PlatformServer
    private_pem: str
    public_pem: str
    issuer: str
    client_id: str = CLIENT_ID
    deployment_id: str = DEPLOYMENT_ID

    def registration(self, **overrides: Any) -> PlatformRegistration:
        urls = tool_urls()
        reg = (
            _FastRegistration()
            .set_iss(overrides.get("iss", self.issuer))
            .set_client_id(overrides.get("client_id", self.client_id))
            .set_deployment_id(overrides.get("deployment_id", self.deployment_id))
            .set_oidc_login_url(urls["login"])
            .set_launch_url(urls["launch"])
            .set_deeplink_launch_url(urls["launch"])
            .set_platform_public_key(self.public_pem)
            .set_platform_private_key(self.private_pem)
        )
        return reg

    def conf(self, **overrides: Any) -> _PlatformConf:
        return _PlatformConf(registration=self.registration(**overrides))

    def login_url(self, hint: str = "resource-1", **extra: str) -> str:
        """Third-party initiated login URL the platform sends the browser to."""
        login = _OIDCLogin(None, self.conf())
        login.set_lti_message_hint(hint=hint)
        url = login.initiate_login("login-hint-user")
        if extra:
            from urllib.parse import urlencode

            url += "&" + urlencode(extra)
        return url

    def id_token(
        self,
        auth_params: dict[str, str],
        persona: str = "instructor",
        *,
        deep_linking: bool = False,
        ags: bool = False,
        extra: dict[str, Any] | None = None,
        expiration_s: int = 300,
        **overrides: Any,
    ) -> dict[str, str]:
        """What the platform's auth endpoint posts back: {id_token, state, launch_url}."""
        who = PERSONAS[persona]
        launch = _MessageLaunch(_Request(auth_params), self.conf(**overrides))
        launch.set_user_data(
            who["sub"], [str(r) for r in who["roles"]], f"{persona} name", f"{persona}@example.edu"
        )
        launch.set_launch_context_claim("course-1", ["CourseOffering"], "Biology 101", "BIO101")
        launch.set_resource_link_claim("resource-1", title="Smart Notes")
        launch.set_launch_presentation_claim("iframe", "https://canvas.example.edu/courses/7")
        launch.set_custom_parameters_claim(
            {
                "canvas_course_id": "7",
                "canvas_user_id": who["canvas"],
                "canvas_assignment_id": "$Canvas.assignment.id",
                "canvas_api_domain": "canvas.example.edu",
            }
        )
        launch.set_extra_claims(
            {
                "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {
                    "guid": "root-account-guid-123",
                    "product_family_code": "canvas",
                },
                "https://www.instructure.com/placement": "course_navigation",
            }
        )
        launch.set_nrps(self.server.url + "/nrps/course-1/memberships")
        if extra:
            launch.set_extra_claims(extra)
        if ags:
            launch.set_ags(self.server.url + "/ags/lineitems", self.server.url + "/ags/lineitems/1")
        launch.set_id_token_expiration(expiration_s)
        if deep_linking:
            launch.set_dl(
                "https://canvas.example.edu/deep_link_return",
                title="Smart Notes",
                accept_types={"ltiResourceLink"},
                extra_data={"data": "opaque-dl-data"},
            )
        return launch.lti_launch()


@pytest.fixture
def platform(
    platform_server: PlatformServer, platform_key_pem: tuple[str, str], db: None
) -> Platform:
    private, public = platform_key_pem
    conf = _PlatformConf(registration=PlatformRegistration().set_platform_public_key(public))
    platform_server.routes[("GET", "/jwks")] = lambda _: json_response(conf.get_jwks())
    lms = Platform(platform_server, private, public, issuer=platform_server.url)
    platform_register(
        name="Test Canvas",
        issuer=lms.issuer,
        client_id=lms.client_id,
        deployment_id=lms.deployment_id,
        auth_login_url=platform_server.url + "/auth",
        auth_token_url=platform_server.url + "/token",
        key_set_url=platform_server.url + "/jwks",
        canvas_api_url="https://canvas.example.edu",
    )
    return lms


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture(scope="session")
def _tool_key_pems() -> tuple[str, str]:
    from lti_tool.keys import _generate_pem_pair

    return _generate_pem_pair()


@pytest.fixture(autouse=True)
def _tool_key(request: pytest.FixtureRequest, _tool_key_pems: tuple[str, str]) -> None:
    """One tool key pair per run, stored for each test: RSA generation is the slow part."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from canvas_pipeline import crypto
    from lti_tool.keys import public_jwk
    from lti_tool.models import ToolKey

    private, public = _tool_key_pems
    ToolKey.objects.get_or_create(
        kid=public_jwk(public)["kid"],
        defaults={
            "private_key_encrypted": crypto.encrypt(private),
            "public_key_pem": public,
            "is_active": True,
        },
    )


def oidc_login(client: Client, lms: Platform, **extra: str) -> dict[str, str]:
    """Run the tool's OIDC login; return the auth request params the tool sent."""
    url = lms.login_url(**extra)
    response = client.get(url.replace(tool_urls()["login"], "/lti/login/"))
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(lms.server.url + "/auth?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def post_launch(client: Client, data: dict[str, str]) -> Any:
    fields = {k: v for k, v in data.items() if k in ("id_token", "state")}
    return client.post("/lti/launch/", fields)


def full_launch(client: Client, lms: Platform, persona: str, **kwargs: Any) -> Any:
    params = oidc_login(client, lms)
    return post_launch(client, lms.id_token(params, persona, **kwargs))
