"""Finding 1 (critical): Dynamic Registration must never modify an existing
(issuer, client_id), and every URL a new registration names must be allowed."""

import dataclasses

from lti_tool.models import Platform
from tests.lti.conftest import CLIENT_ID, full_launch, json_response
from tests.security.conftest import redirect_to

OPENID_PATH = "/attacker/.well-known/openid-configuration"


def _serve_attacker(platform_server, *, issuer: str, client_id: str, **urls: str) -> list[dict]:
    """An attacker's openid_configuration claiming `issuer`, and a registration
    endpoint that answers with `client_id`."""
    posted: list[dict] = []
    base = platform_server.url
    config = {
        "issuer": issuer,
        "authorization_endpoint": base + "/attacker/auth",
        "token_endpoint": base + "/attacker/token",
        "jwks_uri": base + "/attacker/jwks",
        "registration_endpoint": base + "/attacker/register",
        **urls,
    }

    def register(request):
        posted.append(request.json())
        return json_response({**request.json(), "client_id": client_id})

    platform_server.routes[("GET", OPENID_PATH)] = lambda _: json_response(config)
    platform_server.routes[("POST", "/attacker/register")] = register
    return posted


def test_registration_claiming_a_registered_institution_changes_nothing(
    client, platform, platform_server
):
    """The takeover replayed: same issuer, the victim's client_id, attacker URLs."""
    victim = Platform.objects.get(client_id=CLIENT_ID)
    before = {f: getattr(victim, f) for f in ("key_set_url", "auth_login_url", "auth_token_url")}
    _serve_attacker(platform_server, issuer=platform.issuer, client_id=CLIENT_ID)

    response = client.get(
        "/lti/register/", {"openid_configuration": platform_server.url + OPENID_PATH}
    )

    assert response.status_code == 409
    assert "already registered" in response.content.decode()
    victim.refresh_from_db()
    assert {f: getattr(victim, f) for f in before} == before
    assert Platform.objects.count() == 1
    # The institution's real launches keep working.
    client.cookies.clear()
    assert full_launch(client, platform, "instructor").status_code == 302


def test_new_registration_with_a_jwks_url_off_the_allowed_hosts_is_refused(
    client, platform_server, settings, db
):
    settings.LTI_DYNAMIC_REGISTRATION_HOSTS = ["127.0.0.1"]
    posted = _serve_attacker(
        platform_server,
        issuer=platform_server.url,
        client_id="new-client",
        jwks_uri="https://keys.attacker.example/jwks",
    )
    response = client.get(
        "/lti/register/", {"openid_configuration": platform_server.url + OPENID_PATH}
    )
    assert response.status_code == 400
    assert "keys.attacker.example" in response.content.decode()
    assert posted == []  # refused before the tool registers with anyone
    assert not Platform.objects.exists()


def test_embedded_default_registers_a_local_test_platform(client, platform_server, db):
    _serve_attacker(platform_server, issuer=platform_server.url + "/dev", client_id="dev-client")
    response = client.get(
        "/lti/register/", {"openid_configuration": platform_server.url + OPENID_PATH}
    )
    assert response.status_code == 200, response.content[:300]
    assert Platform.objects.get().client_id == "dev-client"


def test_registration_redirect_to_a_host_off_the_allow_list_is_not_followed(
    client, platform_server, production_outbound, db
):
    """An open redirect on an allowed host must not reach another host."""
    port = platform_server.url.rsplit(":", 1)[1]
    platform_server.routes[("GET", "/open-redirect")] = redirect_to(
        f"http://127.0.0.1:{port}/internal/secret"
    )
    before = len(platform_server.requests)
    response = client.get(
        "/lti/register/", {"openid_configuration": f"http://localhost:{port}/open-redirect"}
    )
    assert response.status_code == 400
    assert "redirect from" in response.content.decode()
    paths = [r.path for r in platform_server.requests[before:]]
    assert paths == ["/open-redirect"]


def test_registration_redirect_to_loopback_is_refused_even_on_an_allowed_host(
    client, platform_server, production_outbound, settings, db
):
    settings.LTI_DYNAMIC_REGISTRATION_HOSTS = ["localhost", "127.0.0.1"]
    settings.SMARTNOTES_OUTBOUND_HOSTS = ["*"]
    port = platform_server.url.rsplit(":", 1)[1]
    platform_server.routes[("GET", "/open-redirect")] = redirect_to(
        f"http://127.0.0.1:{port}/internal/secret"
    )
    before = len(platform_server.requests)
    response = client.get(
        "/lti/register/", {"openid_configuration": f"http://localhost:{port}/open-redirect"}
    )
    assert response.status_code == 400
    assert "non-public address (127.0.0.1)" in response.content.decode()
    assert [r.path for r in platform_server.requests[before:]] == ["/open-redirect"]


def test_registration_url_on_a_link_local_address_is_never_fetched(
    client, production_outbound, settings, db
):
    settings.LTI_DYNAMIC_REGISTRATION_HOSTS = ["*"]
    response = client.get(
        "/lti/register/",
        {"openid_configuration": "http://169.254.169.254/latest/meta-data/"},
    )
    assert response.status_code == 400
    assert "non-public address" in response.content.decode()


def test_attacker_key_cannot_launch_as_the_institution_after_a_refused_takeover(
    client, platform, platform_server
):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    _serve_attacker(platform_server, issuer=platform.issuer, client_id=CLIENT_ID)
    client.get("/lti/register/", {"openid_configuration": platform_server.url + OPENID_PATH})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    attacker = dataclasses.replace(platform, private_pem=pem)
    response = full_launch(client, attacker, "instructor")
    assert response.status_code == 400
    assert "kid_unknown" in response.content.decode()
