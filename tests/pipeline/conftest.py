"""Pipeline fixtures: a local Canvas (real socket), a Live Events signing key served
from its JWKS, an installation + enabled course with materials, event builders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.factories import ESSAY_TEXT, MATERIALS_TEXT
from tests.pipeline.fake_canvas import FakeCanvas

SHARD = 7
COURSE, ASSIGNMENT, STUDENT, SUBMISSION = 101, 202, 303, 404
ROOT_UUID = "Fq1ZNy0XjJ3mUxc7gEPF4Ho6wBkCMfoHiDslh7LC"
ROOT_GUID = "7db438071375c02373713c12c73869ff2f470b68.canvas.test"
KID = "2026-11-22T00:00:00Z_live"


def global_id(local: int, shard: int = SHARD) -> str:
    return str(shard * 10**13 + local)


@pytest.fixture(scope="session")
def events_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fake_canvas(events_key) -> Iterator[FakeCanvas]:
    from canvas_pipeline.services.intake import installation_cache_clear, jwks_cache_clear

    installation_cache_clear()
    canvas = FakeCanvas().start()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(events_key.public_key()))
    canvas.jwks = {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}
    jwks_cache_clear()
    yield canvas
    canvas.stop()


@pytest.fixture
def installation(fake_canvas, db):
    from canvas_pipeline.services.setup import installation_connect
    from lti_tool.models import Platform

    platform = Platform.objects.create(
        name="Test Canvas",
        issuer="https://canvas.test.instructure.com",
        client_id="10000000000001",
        auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
        auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
        key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
    )
    return installation_connect(
        platform=platform,
        root_account_uuid=ROOT_UUID,
        root_account_lti_guid=ROOT_GUID,
        api_url=fake_canvas.url,
        api_token="admin-token",
        live_events_jwks_url=f"{fake_canvas.url}/jwks",
    )


@pytest.fixture
def course(installation):
    from canvas_pipeline.services.setup import (
        course_get_or_create,
        course_materials_add,
        course_settings_update,
    )
    from verification.services import UploadedMaterial

    course = course_get_or_create(installation=installation, canvas_course_id=COURSE)
    course = course_materials_add(
        course=course,
        files=[UploadedMaterial("biology.txt", MATERIALS_TEXT.encode(), "text/plain")],
    )
    return course_settings_update(course=course, is_enabled=True)


@pytest.fixture
def text_submission(fake_canvas):
    fake_canvas.add_submission(
        course_id=COURSE,
        assignment_id=ASSIGNMENT,
        user_id=STUDENT,
        submission_id=SUBMISSION,
        attempts=[{"submission_type": "online_text_entry", "body": f"<p>{ESSAY_TEXT}</p>"}],
    )


def event_payload(*, metadata: dict[str, Any] | None = None, **body: Any) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "metadata": {
            "event_name": "submission_created",
            "event_time": now,
            "root_account_uuid": ROOT_UUID,
            "root_account_lti_guid": ROOT_GUID,
            "root_account_id": global_id(1),
            "context_type": "Course",
            "context_id": global_id(COURSE),
            "user_id": global_id(STUDENT),
            "producer": "canvas",
            **(metadata or {}),
        },
        "body": {
            "submission_id": global_id(SUBMISSION),
            "assignment_id": global_id(ASSIGNMENT),
            "user_id": global_id(STUDENT),
            "submitted_at": now,
            "submission_type": "online_text_entry",
            "body": "<p>truncated...</p>",
            "attempt": "1",
            "workflow_state": "submitted",
            "lti_user_id": "535fa085f22b4655f48cd5a36a9215f64c062838",
            **body,
        },
    }


def sign(payload: dict[str, Any], key, kid: str = KID) -> bytes:  # type: ignore[no-untyped-def]
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid}).encode()


@pytest.fixture
def signed_event(events_key):
    def build(**kwargs: Any) -> bytes:
        return sign(event_payload(**kwargs), events_key)

    return build


_verifier_cleared = False


@pytest.fixture
def verifier_settings(settings, nli_model_dir):
    """The test model, with the process's verifier kept between tests (same settings),
    so the embedder and NLI model load once per run, not once per test."""
    from verification.runtime import verifier_get

    global _verifier_cleared
    settings.SMARTNOTES_NLI_MODEL = str(nli_model_dir)
    settings.SMARTNOTES_NLI_DEVICE = "cpu"
    if not _verifier_cleared:
        verifier_get.cache_clear()
        _verifier_cleared = True
    return None
