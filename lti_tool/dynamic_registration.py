"""LTI Dynamic Registration 1.0: https://www.imsglobal.org/spec/lti-dr/v1p0

The admin pastes the /lti/register/ URL into Canvas; Canvas opens it with
`openid_configuration` and `registration_token`. The tool reads the platform's
configuration, posts its own client registration, stores the platform, and the
confirmation page closes the dialog (`{subject: "org.imsglobal.lti.close"}`).
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from lti_tool.canvas_config import DESCRIPTION, TITLE, tool_urls
from lti_tool.claims import TOOL_SCOPES, MessageType
from lti_tool.services import (
    CUSTOM_FIELDS,
    PlatformAlreadyRegistered,
    PlatformRegistered,
    platform_register,
)
from ops.outbound import OutboundRefused, OutboundSession, host_matches, outbound_url_check

HTTP_TIMEOUT_S = 10
_TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
_PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


class RegistrationError(Exception):
    """Registration failed; `status` is 400 for a refused request, 502 for a platform error."""

    def __init__(self, message: str, *, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Registered:
    result: PlatformRegistered
    platform_origin: str


def _check_url(url: str, what: str) -> None:
    """Refuse hosts outside LTI_DYNAMIC_REGISTRATION_HOSTS, plain http in production and
    (outside the embedded default) non-public addresses: the registration URL is
    public, so the server must not fetch, or trust, arbitrary URLs."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise RegistrationError(f"The {what} {url!r} is not an http(s) URL.", status=400)
    if settings.IS_PRODUCTION and parts.scheme != "https":
        raise RegistrationError(f"The {what} {url!r} must use https.", status=400)
    if not host_matches(host, settings.LTI_DYNAMIC_REGISTRATION_HOSTS):
        raise RegistrationError(
            f"The {what} host {host!r} is not allowed; add it to LTI_DYNAMIC_REGISTRATION_HOSTS.",
            status=400,
        )
    try:
        outbound_url_check(url)
    except OutboundRefused as exc:
        raise RegistrationError(f"The {what} is refused: {exc}.", status=400) from exc


def _session() -> OutboundSession:
    # Redirects must stay on registration hosts too (an open redirect on an allowed
    # host must not reach anything else).
    return OutboundSession(redirect_hosts=list(settings.LTI_DYNAMIC_REGISTRATION_HOSTS))


def _get_json(url: str, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = _session().get(url, headers=headers, timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        data = response.json()
    except OutboundRefused as exc:
        raise RegistrationError(
            f"The platform configuration URL is refused: {exc}.", status=400
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(
            f"Could not read the platform configuration at {url}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise RegistrationError(f"The platform configuration at {url} is not a JSON object.")
    return data


def tool_registration_request(platform_config: dict[str, Any]) -> dict[str, Any]:
    """The client registration the tool posts (LTI DR §3.5, with Canvas placements)."""
    urls = tool_urls()
    domain = urlsplit(settings.SMARTNOTES_BASE_URL).netloc
    supported = set(platform_config.get("scopes_supported") or TOOL_SCOPES)
    scopes = [s for s in TOOL_SCOPES if s in supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": TITLE,
        "jwks_uri": urls["jwks"],
        "logo_uri": urls["icon"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        _TOOL_CONFIGURATION: {
            "domain": domain,
            "description": DESCRIPTION,
            "target_link_uri": urls["launch"],
            "custom_parameters": dict(CUSTOM_FIELDS),
            "claims": ["iss", "sub", "name", "email"],
            "messages": [
                {
                    "type": MessageType.RESOURCE_LINK,
                    "target_link_uri": urls["launch"],
                    "label": TITLE,
                    "placements": ["course_navigation", "assignment_edit"],
                },
                {
                    "type": MessageType.DEEP_LINKING,
                    "target_link_uri": urls["launch"],
                    "label": TITLE,
                    "placements": ["assignment_selection", "link_selection"],
                },
                {
                    "type": MessageType.DEEP_LINKING,
                    "target_link_uri": urls["launch"],
                    "label": TITLE,
                    "placements": ["ActivityAssetProcessor"],
                },
            ],
            "https://canvas.instructure.com/lti/privacy_level": "public",
        },
    }


_CONFIG_URLS = {
    "issuer": "issuer",
    "authorization_endpoint": "authorization endpoint",
    "token_endpoint": "token endpoint",
    "jwks_uri": "JWKS URL",
    "registration_endpoint": "registration endpoint",
}


def _platform_config_read(openid_configuration: str, registration_token: str) -> dict[str, Any]:
    """The platform's openid_configuration, every URL in it checked like the first."""
    _check_url(openid_configuration, "openid_configuration URL")
    config = _get_json(openid_configuration, registration_token)
    missing = [k for k in _CONFIG_URLS if not config.get(k)]
    if missing:
        raise RegistrationError(f"The platform configuration lacks {', '.join(missing)}.")
    for key, what in _CONFIG_URLS.items():
        _check_url(str(config[key]), what)
    return config


def _client_register(config: dict[str, Any], registration_token: str) -> dict[str, Any]:
    body = tool_registration_request(config)
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        response = _session().post(
            config["registration_endpoint"], json=body, headers=headers, timeout=HTTP_TIMEOUT_S
        )
        response.raise_for_status()
        answer = response.json()
    except OutboundRefused as exc:
        raise RegistrationError(
            f"The registration endpoint is refused: {exc}.", status=400
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(f"The platform refused the registration: {exc}") from exc
    if not isinstance(answer, dict) or not str(answer.get("client_id", "") or ""):
        raise RegistrationError("The platform's registration answer has no client_id.")
    return answer


def dynamic_registration_complete(
    *, openid_configuration: str, registration_token: str
) -> Registered:
    """Read the platform configuration, register with it, and store a new platform.

    Never changes an existing registration: an (issuer, client_id) already stored is
    refused (409), so nobody can replace an institution's keys or login URL."""
    config = _platform_config_read(openid_configuration, registration_token)
    answer = _client_register(config, registration_token)
    client_id = str(answer["client_id"])
    tool_config = answer.get(_TOOL_CONFIGURATION) or {}
    platform_meta = config.get(_PLATFORM_CONFIGURATION) or {}
    issuer = str(config["issuer"])
    deployment_id = str(tool_config.get("deployment_id", "") or "")
    try:
        result = platform_register(
            name=str(platform_meta.get("product_family_code") or urlsplit(issuer).netloc),
            issuer=issuer,
            client_id=client_id,
            auth_login_url=str(config["authorization_endpoint"]),
            auth_token_url=str(config["token_endpoint"]),
            key_set_url=str(config["jwks_uri"]),
            deployment_id=deployment_id,
            auth_audience=str(config.get("authorization_server", "") or ""),
            # Canvas assigns the deployment id later, when the admin installs the app.
            auto_register_deployments=not deployment_id,
            update_existing=False,
        )
    except PlatformAlreadyRegistered as exc:
        raise RegistrationError(
            f"Issuer {issuer!r} with client id {client_id!r} is already registered; "
            "dynamic registration never changes a registration (an administrator can, "
            "in the admin).",
            status=409,
        ) from exc
    parts = urlsplit(openid_configuration)
    return Registered(result=result, platform_origin=f"{parts.scheme}://{parts.netloc}")
