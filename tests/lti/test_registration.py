"""LTI Dynamic Registration against a local platform that serves its
openid_configuration and accepts the registration; the new registration then
completes a launch."""

import dataclasses

from lti_tool.models import Deployment, Platform
from tests.lti.conftest import full_launch, json_response

REGISTRATION_TOKEN = "reg-token-1"


def _serve_platform(
    platform_server, issuer: str, deployment_id: str = "dyn-deployment-1"
) -> list[dict]:
    received: list[dict] = []

    def openid_configuration(request):
        if request.headers.get("authorization") != f"Bearer {REGISTRATION_TOKEN}":
            return json_response({"error": "unauthorized"}, 401)
        return json_response(
            {
                "issuer": issuer,
                "authorization_endpoint": platform_server.url + "/auth",
                "token_endpoint": platform_server.url + "/token",
                "jwks_uri": platform_server.url + "/jwks",
                "registration_endpoint": platform_server.url + "/register",
                "scopes_supported": [
                    "openid",
                    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "canvas",
                    "version": "cloud",
                },
            }
        )

    def register(request):
        assert request.headers.get("authorization") == f"Bearer {REGISTRATION_TOKEN}"
        received.append(request.json())
        body = request.json()
        return json_response(
            {
                **body,
                "client_id": "dyn-client-1",
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                    **body["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                    **({"deployment_id": deployment_id} if deployment_id else {}),
                },
            }
        )

    platform_server.routes[("GET", "/.well-known/openid-configuration")] = openid_configuration
    platform_server.routes[("POST", "/register")] = register
    return received


def test_dynamic_registration_registers_and_closes_dialog(client, platform, platform_server):
    received = _serve_platform(platform_server, platform.issuer)
    response = client.get(
        "/lti/register/",
        {
            "openid_configuration": platform_server.url + "/.well-known/openid-configuration",
            "registration_token": REGISTRATION_TOKEN,
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert "org.imsglobal.lti.close" in response.content.decode()
    body = received[0]
    assert body["initiate_login_uri"] == "http://127.0.0.1:8000/lti/login/"
    assert body["redirect_uris"] == ["http://127.0.0.1:8000/lti/launch/"]
    assert body["jwks_uri"] == "http://127.0.0.1:8000/lti/jwks/"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["scope"].split() == [
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    ]
    messages = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]["messages"]
    assert {m["type"] for m in messages} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    registered = Platform.objects.get(client_id="dyn-client-1")
    assert registered.issuer == platform.issuer
    assert Deployment.objects.filter(platform=registered, deployment_id="dyn-deployment-1").exists()

    lms = dataclasses.replace(platform, client_id="dyn-client-1", deployment_id="dyn-deployment-1")
    launch = full_launch(client, lms, "instructor")
    assert launch.status_code == 302
    assert launch["Location"].startswith("/course/?lti_session=")


def test_dynamic_registration_with_bad_token_fails_cleanly(client, platform, platform_server):
    _serve_platform(platform_server, platform.issuer)
    response = client.get(
        "/lti/register/",
        {
            "openid_configuration": platform_server.url + "/.well-known/openid-configuration",
            "registration_token": "wrong",
        },
    )
    assert response.status_code == 502
    assert not Platform.objects.filter(client_id="dyn-client-1").exists()


def test_registration_page_without_parameters_explains(client, db):
    response = client.get("/lti/register/")
    assert response.status_code == 400
    assert "dynamic registration" in response.content.decode()


def test_deployment_created_at_install_is_accepted_after_registration(
    client, platform, platform_server
):
    """Canvas answers without a deployment id; installing the app creates one later."""
    _serve_platform(platform_server, platform.issuer, deployment_id="")
    client.get(
        "/lti/register/",
        {
            "openid_configuration": platform_server.url + "/.well-known/openid-configuration",
            "registration_token": REGISTRATION_TOKEN,
        },
    )
    registered = Platform.objects.get(client_id="dyn-client-1")
    assert registered.auto_register_deployments
    assert not registered.deployments.exists()

    lms = dataclasses.replace(platform, client_id="dyn-client-1", deployment_id="42:installed")
    assert full_launch(client, lms, "learner").status_code == 302
    assert list(registered.deployments.values_list("deployment_id", flat=True)) == ["42:installed"]


def test_registration_host_outside_allow_list_is_not_fetched(client, platform_server, settings, db):
    settings.LTI_DYNAMIC_REGISTRATION_HOSTS = ["*.instructure.com"]
    before = len(platform_server.requests)
    response = client.get(
        "/lti/register/",
        {"openid_configuration": platform_server.url + "/.well-known/openid-configuration"},
    )
    assert response.status_code == 400
    assert "LTI_DYNAMIC_REGISTRATION_HOSTS" in response.content.decode()
    assert len(platform_server.requests) == before
