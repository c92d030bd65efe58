"""Signed Live Events: exp, nbf and iat are checked as PyJWT checks them (with leeway),
through the Django view and the WSGI fast path; an expired event posts nothing."""

import time

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canvas_pipeline.models import LiveEvent, SubmissionJob
from canvas_pipeline.services.intake import JWT_LEEWAY_S, _Rejected, jwt_times_check
from tests.pipeline.conftest import event_payload, sign
from tests.pipeline.test_wsgi_intake import call


def post(client, body: bytes):  # type: ignore[no-untyped-def]
    return client.post("/canvas/events/", body, content_type="application/jwt")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("claims", "status", "reason"),
    [
        ({"exp": -3600}, 401, "token_expired"),
        ({"nbf": 3600}, 401, "token_not_yet_valid"),
        ({"iat": 3600}, 401, "token_issued_in_the_future"),
        ({"exp": "tomorrow"}, 401, "bad_exp"),
        ({"exp": -JWT_LEEWAY_S // 2, "iat": -600}, 202, "submission_created"),
        ({"exp": 3600, "nbf": -60, "iat": -60}, 202, "submission_created"),
    ],
)
def test_signed_event_times_are_checked_with_leeway(
    client, course, events_key, claims, status, reason
):
    now = int(time.time())
    payload = event_payload() | {k: now + v if isinstance(v, int) else v for k, v in claims.items()}

    response = post(client, sign(payload, events_key))

    assert (response.status_code, response.json()["reason"]) == (status, reason)
    assert SubmissionJob.objects.exists() is (status == 202)


@pytest.mark.django_db(transaction=True)
def test_an_expired_event_is_refused_by_the_fast_path_and_nothing_is_stored(course, events_key):
    payload = event_payload() | {"exp": int(time.time()) - 3600}

    status, _, answer = call("/canvas/events/", sign(payload, events_key))

    assert (status, answer["reason"]) == (401, "token_expired")
    assert not SubmissionJob.objects.exists()
    assert not LiveEvent.objects.exists()


# Offsets a second from the leeway edge would depend on which call crossed a second.
OFFSETS = st.none() | st.integers(-400, 400).filter(lambda v: abs(abs(v) - JWT_LEEWAY_S) > 2)


@settings(max_examples=50, deadline=None)
@given(exp=OFFSETS, nbf=OFFSETS, iat=OFFSETS)
def test_the_check_agrees_with_pyjwt(exp, nbf, iat):  # type: ignore[no-untyped-def]
    now = time.time()
    claims = {
        k: int(now) + v for k, v in {"exp": exp, "nbf": nbf, "iat": iat}.items() if v is not None
    }
    token = jwt.encode(claims, "k" * 32, algorithm="HS256")
    try:
        jwt.decode(token, "k" * 32, algorithms=["HS256"], leeway=JWT_LEEWAY_S)
        pyjwt_accepts = True
    except jwt.PyJWTError:
        pyjwt_accepts = False
    try:
        jwt_times_check(claims, now=time.time())
        ours_accepts = True
    except _Rejected:
        ours_accepts = False

    assert ours_accepts == pyjwt_accepts
