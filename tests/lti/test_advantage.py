"""LTI Advantage: client-credentials access tokens (validated by the platform
library against our JWKS, cached), NRPS roster sync with paging, AGS scores."""

import pytest
from pylti1p3.grade import Grade

from lti_tool.advantage import ags_service, roster_sync
from lti_tool.claims import Role
from lti_tool.models import Launch, LtiContext, Membership
from lti_tool.sessions import LtiLaunch
from tests.lti.conftest import full_launch, json_response

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def _member(sub: str, role: str) -> dict:
    return {"user_id": sub, "roles": [role], "status": "Active", "name": sub.title()}


@pytest.fixture
def services(client, platform, platform_server):
    """Token endpoint and service endpoints, guarded by the platform library."""
    conf = platform.conf()
    conf.get_registration().set_tool_key_set(client.get("/lti/jwks/").json())
    calls = {"token": 0, "scores": []}

    def token(request):
        calls["token"] += 1
        return json_response(conf.get_access_token(request.form()))

    def authorized(request, scope: str) -> bool:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        return bool(bearer) and conf.validate_token(bearer, allowed_scopes=[scope])

    def memberships(request):
        if not authorized(request, NRPS_SCOPE):
            return json_response({"error": "forbidden"}, 403)
        base = platform_server.url + "/nrps/course-1/memberships"
        if request.query.get("page") == ["2"]:
            return json_response({"members": [_member("u-learner-2", Role.LEARNER)]})
        status, headers, body = json_response(
            {
                "context": {"id": "course-1"},
                "members": [
                    _member("u-instructor", Role.INSTRUCTOR),
                    _member("u-learner", Role.LEARNER),
                    {**_member("u-dropped", Role.LEARNER), "status": "Inactive"},
                ],
            }
        )
        return status, {**headers, "Link": f'<{base}?page=2>; rel="next"'}, body

    def scores(request):
        if not authorized(request, SCORE_SCOPE):
            return json_response({"error": "forbidden"}, 403)
        calls["scores"].append(request.json())
        return json_response({})

    platform_server.routes[("POST", "/token")] = token
    platform_server.routes[("GET", "/nrps/course-1/memberships")] = memberships
    platform_server.routes[("POST", "/ags/lineitems/1/scores")] = scores
    return calls


def test_roster_sync_mirrors_nrps_members(client, platform, services):
    assert full_launch(client, platform, "ta").status_code == 302
    assert full_launch(client, platform, "instructor").status_code == 302
    context = LtiContext.objects.get(context_id="course-1")

    assert roster_sync(context=context) == 3

    active = Membership.objects.filter(context=context, is_active=True)
    assert sorted(m.user.sub for m in active) == ["u-instructor", "u-learner", "u-learner-2"]
    # The TA launched earlier but is no longer on the roster.
    assert not Membership.objects.get(context=context, user__sub="u-ta").is_active
    context.refresh_from_db()
    assert context.roster_synced_at is not None


def test_access_token_is_cached_between_calls(client, platform, services):
    assert full_launch(client, platform, "instructor").status_code == 302
    context = LtiContext.objects.get(context_id="course-1")
    roster_sync(context=context)
    roster_sync(context=context)
    assert services["token"] == 1


def test_ags_posts_score_with_comment(client, platform, services):
    assert full_launch(client, platform, "learner", ags=True).status_code == 302
    lti = LtiLaunch.from_launch(Launch.objects.get(), token="")
    grade = (
        Grade()
        .set_score_given(8)
        .set_score_maximum(10)
        .set_comment("3 of 4 claims supported")
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id("u-learner")
        .set_timestamp("2026-11-22T12:00:00+00:00")
    )
    ags_service(lti).put_grade(grade)
    assert services["scores"][0]["scoreGiven"] == 8
    assert services["scores"][0]["comment"] == "3 of 4 claims supported"


def test_launch_without_ags_claim_has_no_ags_client(client, platform):
    assert full_launch(client, platform, "learner").status_code == 302
    assert ags_service(LtiLaunch.from_launch(Launch.objects.get(), token="")) is None


def test_staff_launch_enqueues_roster_sync_once_per_day(
    client, platform, services, django_capture_on_commit_callbacks
):
    from lti_tool.tasks import roster_sync as roster_sync_task

    assert full_launch(client, platform, "learner").status_code == 302  # course now known
    with django_capture_on_commit_callbacks() as callbacks:
        assert full_launch(client, platform, "instructor").status_code == 302
    assert len(callbacks) == 1
    context = LtiContext.objects.get(context_id="course-1")
    assert roster_sync_task(context.pk) == 3  # what the queued task does, run directly

    with django_capture_on_commit_callbacks() as callbacks:
        assert full_launch(client, platform, "instructor").status_code == 302
    assert callbacks == []


def test_learner_launch_does_not_enqueue_roster_sync(
    client, platform, django_capture_on_commit_callbacks
):
    assert full_launch(client, platform, "learner").status_code == 302  # course now known
    with django_capture_on_commit_callbacks() as callbacks:
        assert full_launch(client, platform, "learner").status_code == 302
    assert callbacks == []
