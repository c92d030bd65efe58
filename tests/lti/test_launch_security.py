"""Refused launches: each is a 4xx page and a structured log line, with no session
and no launch recorded. Tokens come from the platform library; the forged ones
are built from a genuine token so only the property under test is wrong."""

import base64
import dataclasses
import json

import jwt
import pytest
from structlog.testing import capture_logs

from lti_tool.models import Launch
from tests.lti.conftest import oidc_login, post_launch


def _parts(token: str) -> tuple[dict, dict]:
    def decode(part: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header, body, _ = token.split(".")
    return decode(header), decode(body)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _assert_refused(client, response, code: str, logs: list[dict]) -> None:
    assert 400 <= response.status_code < 500, response.content[:500]
    assert Launch.objects.count() == 0
    assert "sessionid" not in client.cookies
    assert "lti_session" not in response.content.decode()
    events = [e for e in logs if e["event"] == "lti.launch.rejected"]
    assert [e["code"] for e in events] == [code]


def _launch_refused(client, data: dict, code: str) -> None:
    with capture_logs() as logs:
        response = post_launch(client, data)
    _assert_refused(client, response, code, logs)


def test_tampered_signature_is_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner")
    header, _body, signature = data["id_token"].split(".")
    claims = _parts(data["id_token"])[1]
    claims["https://purl.imsglobal.org/spec/lti/claim/roles"] = [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    ]
    data["id_token"] = f"{header}.{_b64(claims)}.{signature}"
    _launch_refused(client, data, "signature")


def test_replayed_nonce_is_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner")
    assert post_launch(client, data).status_code == 302
    Launch.objects.all().delete()
    _launch_refused(client, data, "nonce_replay")


def test_wrong_audience_is_refused(client, platform):
    params = oidc_login(client, platform)
    params["client_id"] = "some-other-tool"
    data = platform.id_token(params, "learner", client_id="some-other-tool")
    _launch_refused(client, data, "registration_unknown")


def test_several_audiences_without_azp_are_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner")
    header, claims = _parts(data["id_token"])
    claims["aud"] = [platform.client_id, "some-other-tool"]
    del claims["azp"]
    data["id_token"] = jwt.encode(claims, platform.private_pem, "RS256", headers=header)
    _launch_refused(client, data, "azp")


def test_expired_token_is_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner", expiration_s=-600)
    _launch_refused(client, data, "token_expired")


def test_unknown_deployment_is_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner", deployment_id="9:unknown")
    _launch_refused(client, data, "deployment_unknown")


def test_missing_state_is_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner")
    del data["state"]
    _launch_refused(client, data, "state_missing")


def test_state_from_another_browser_is_refused(client, platform):
    data = platform.id_token(oidc_login(client, platform), "learner")
    client.cookies.clear()
    _launch_refused(client, data, "state_unknown")


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_or_symmetric_token_is_refused(client, platform, alg):
    data = platform.id_token(oidc_login(client, platform), "learner")
    header, claims = _parts(data["id_token"])
    if alg == "none":
        token = f"{_b64({**header, 'alg': 'none'})}.{_b64(claims)}."
    else:
        # The classic confusion attack: HMAC keyed with the platform's public key.
        token = jwt.encode(
            claims,
            "platform-public-key-material-0123456789",
            "HS256",
            headers={"kid": header["kid"]},
        )
    data["id_token"] = token
    _launch_refused(client, data, "alg_not_allowed")


def test_login_for_unknown_issuer_is_refused(client, platform):
    url = platform.login_url().replace("iss=", "iss=https%3A%2F%2Fevil.example%2F&x=")
    with capture_logs() as logs:
        response = client.get(url)
    assert response.status_code == 400
    assert [e["event"] for e in logs if "rejected" in e["event"]] == ["lti.login.rejected"]


@pytest.mark.parametrize(
    "id_token",
    ["", "not-a-jwt", "a.b.c", f"{_b64(['list'])}.{_b64({})}.", f"{_b64({'alg': 'RS256'})}.W10."],
)
def test_malformed_id_token_is_refused(client, platform, id_token):
    data = platform.id_token(oidc_login(client, platform), "learner")
    data["id_token"] = id_token
    with capture_logs() as logs:
        response = post_launch(client, data)
    assert response.status_code == 400
    assert Launch.objects.count() == 0
    assert [e["event"] for e in logs if "rejected" in e["event"]] == ["lti.launch.rejected"]


def test_platform_key_rotation_refetches_jwks(client, platform, platform_server):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from lti1p3platform.registration import Registration as PlatformRegistration

    from tests.lti.conftest import json_response

    assert post_launch(client, platform.id_token(oidc_login(client, platform))).status_code == 302
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    new_public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    jwks = {"keys": PlatformRegistration().set_platform_public_key(new_public).get_jwks()}
    platform_server.routes[("GET", "/jwks")] = lambda _: json_response(jwks)
    rotated = dataclasses.replace(platform, private_pem=new_private, public_pem=new_public)
    response = post_launch(client, rotated.id_token(oidc_login(client, rotated)))
    assert response.status_code == 302, response.content[:300]


@pytest.mark.parametrize(
    ("claim", "value", "code"),
    [
        ("https://purl.imsglobal.org/spec/lti/claim/version", "1.1.0", "version"),
        (
            "https://purl.imsglobal.org/spec/lti/claim/message_type",
            "LtiSubmissionReviewRequest",
            "message_type",
        ),
    ],
)
def test_unsupported_message_is_refused(client, platform, claim, value, code):
    """Signed by the platform's own key: a genuine message Smart Notes does not take."""
    data = platform.id_token(oidc_login(client, platform), "learner")
    header, claims = _parts(data["id_token"])
    claims[claim] = value
    data["id_token"] = jwt.encode(claims, platform.private_pem, "RS256", headers=header)
    _launch_refused(client, data, code)


def test_unreachable_platform_key_set_is_a_clear_502(client, platform, platform_server):
    from tests.lti.conftest import json_response

    platform_server.routes[("GET", "/jwks")] = lambda _: json_response({"error": "down"}, 503)
    data = platform.id_token(oidc_login(client, platform), "learner")
    with capture_logs() as logs:
        response = post_launch(client, data)
    assert response.status_code == 502
    assert "could not be read" in response.content.decode()
    assert Launch.objects.count() == 0
    assert [e["code"] for e in logs if e["event"] == "lti.launch.rejected"] == ["jwks_unavailable"]
