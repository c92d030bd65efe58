"""Installing the tool: Canvas developer-key JSON, JWKS and key rotation, and
`manage.py lti_add_platform`."""

from io import StringIO

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from lti_tool.models import Deployment, Platform, ToolKey

# What Canvas's developer-key import requires and accepts
# (https://canvas.instructure.com/doc/api/file.lti_dev_key_config.html).
CANVAS_PLACEMENTS = [
    "account_navigation", "assignment_edit", "assignment_selection", "assignment_view",
    "course_navigation", "editor_button", "homework_submission", "link_selection",
    "migration_selection", "module_menu", "course_settings_sub_navigation", "user_navigation",
    "global_navigation", "submission_type_selection", "ActivityAssetProcessor",
]  # fmt: skip
CANVAS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    "https://canvas.instructure.com/lti/public_jwk/scope/update",
    "https://canvas.instructure.com/lti/data_services/scope/create",
    "https://canvas.instructure.com/lti/account_lookup/scope/show",
    # Asset Processor ("Document Processor").
    "https://purl.imsglobal.org/spec/lti/scope/noticehandlers",
    "https://purl.imsglobal.org/spec/lti/scope/asset.readonly",
    "https://purl.imsglobal.org/spec/lti/scope/report",
]
URL = {"type": "string", "pattern": "^https?://"}
CANVAS_SCHEMA = {
    "type": "object",
    "required": ["title", "description", "oidc_initiation_url", "target_link_uri"],
    "anyOf": [{"required": ["public_jwk_url"]}, {"required": ["public_jwk"]}],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": {"type": "string", "minLength": 1},
        "oidc_initiation_url": URL,
        "target_link_uri": URL,
        "public_jwk_url": URL,
        "scopes": {"type": "array", "items": {"enum": CANVAS_SCOPES}, "uniqueItems": True},
        "custom_fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "extensions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["platform", "settings"],
                "properties": {
                    "platform": {"const": "canvas.instructure.com"},
                    "privacy_level": {"enum": ["public", "name_only", "email_only", "anonymous"]},
                    "settings": {
                        "type": "object",
                        "required": ["placements"],
                        "properties": {
                            "icon_url": URL,
                            "placements": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["placement"],
                                    "properties": {
                                        "placement": {"enum": CANVAS_PLACEMENTS},
                                        "message_type": {
                                            "enum": [
                                                "LtiResourceLinkRequest",
                                                "LtiDeepLinkingRequest",
                                            ]
                                        },
                                        "target_link_uri": URL,
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_canvas_config_has_what_canvas_requires(client, db):
    config = client.get("/lti/config.json").json()
    jsonschema.validate(config, CANVAS_SCHEMA)
    placements = {
        p["placement"]: p["message_type"] for p in config["extensions"][0]["settings"]["placements"]
    }
    assert placements == {
        "course_navigation": "LtiResourceLinkRequest",
        "assignment_edit": "LtiResourceLinkRequest",
        "assignment_selection": "LtiDeepLinkingRequest",
        "link_selection": "LtiDeepLinkingRequest",
        "ActivityAssetProcessor": "LtiDeepLinkingRequest",
    }
    assert config["custom_fields"] == {
        "canvas_course_id": "$Canvas.course.id",
        "canvas_user_id": "$Canvas.user.id",
        "canvas_assignment_id": "$Canvas.assignment.id",
        "canvas_api_domain": "$Canvas.api.domain",
        "lti_assignment_id": "$com.instructure.Assignment.lti.id",
    }
    assert config["public_jwk_url"].endswith("/lti/jwks/")


def test_jwks_serves_rs256_signing_keys(client, db):
    keys = client.get("/lti/jwks/").json()["keys"]
    assert len(keys) == 1
    assert {keys[0]["alg"], keys[0]["use"], keys[0]["kty"]} == {"RS256", "sig", "RSA"}
    assert keys[0]["kid"] == ToolKey.objects.get(is_active=True).kid
    assert "d" not in keys[0]


def test_rotation_keeps_old_key_until_retired(client, db):
    old = client.get("/lti/jwks/").json()["keys"][0]["kid"]
    call_command("lti_rotate_keys", stdout=StringIO())
    kids = [k["kid"] for k in client.get("/lti/jwks/").json()["keys"]]
    new = ToolKey.objects.get(is_active=True).kid
    assert kids == [new, old]
    call_command("lti_rotate_keys", "--retire-only", "--retire-after-days", "0", stdout=StringIO())
    assert [k["kid"] for k in client.get("/lti/jwks/").json()["keys"]] == [new]


ADD_ARGS = [
    "--name", "State U", "--issuer", "https://canvas.instructure.com",
    "--client-id", "10000000000007", "--deployment-id", "12:abc",
    "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token",
    "--key-set-url", "https://sso.canvaslms.com/api/lti/security/jwks",
    "--canvas-api-url", "https://stateu.instructure.com/",
]  # fmt: skip


def test_add_platform_is_idempotent_and_prints_canvas_fields(db):
    out = StringIO()
    call_command("lti_add_platform", *ADD_ARGS, stdout=out)
    call_command("lti_add_platform", *ADD_ARGS, stdout=out)
    assert Platform.objects.count() == 1
    assert Deployment.objects.count() == 1
    assert Platform.objects.get().canvas_api_url == "https://stateu.instructure.com"
    text = out.getvalue()
    assert "Registered platform" in text
    assert "Updated platform" in text
    assert "/lti/config.json" in text
    assert "OpenID Connect initiation URL:   http://127.0.0.1:8000/lti/login/" in text


@pytest.mark.parametrize("flag", ["--auth-login-url", "--key-set-url"])
def test_add_platform_rejects_bad_urls(db, flag):
    args = list(ADD_ARGS)
    args[args.index(flag) + 1] = "not a url"
    with pytest.raises(CommandError, match="Enter a valid URL"):
        call_command("lti_add_platform", *args, stdout=StringIO())
    assert Platform.objects.count() == 0


def test_frame_ancestors_from_platform_urls(db):
    from lti_tool.selectors import frame_ancestor_origins_for

    call_command("lti_add_platform", *ADD_ARGS, stdout=StringIO())
    assert frame_ancestor_origins_for(Platform.objects.get()) == [
        "https://canvas.instructure.com",
        "https://sso.canvaslms.com",
        "https://stateu.instructure.com",
    ]
