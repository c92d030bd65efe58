"""The comment's "Full report" link, clicked as Canvas would: Canvas launches the tool
(external_tools/retrieve?url=…) as whoever clicked, with no Smart Notes session and no
token in the link. The page shows every claim to the student who owns the report and
to the course's staff, and refuses another student."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from canvas_pipeline.models import CanvasAssignment, CanvasCourse, CanvasInstallation, SubmissionJob
from canvas_pipeline.services.posting import report_url_for
from lti_tool.claims import Claim, Role
from lti_tool.models import Platform as PlatformRow
from tests.lti.conftest import PERSONAS, oidc_login, post_launch
from verification.models import ClaimResult, Corpus, VerificationRun

CLAIMS = 20  # more than the comment lists (15): the page must show them all


@pytest.fixture
def job(platform) -> SubmissionJob:
    row = PlatformRow.objects.get(issuer=platform.issuer)
    installation = CanvasInstallation.objects.create(
        platform=row,
        root_account_uuid="root-uuid",
        api_url="https://canvas.example.edu",
        secret_path_token="secret",
    )
    corpus = Corpus.objects.create(name="Biology")
    course = CanvasCourse.objects.create(
        installation=installation, canvas_course_id=7, corpus=corpus, is_enabled=True
    )
    assignment = CanvasAssignment.objects.create(course=course, canvas_assignment_id=70)
    sentences = [f"Claim number {i} is about light." for i in range(CLAIMS)]
    text = " ".join(sentences)
    run = VerificationRun.objects.create(
        corpus=corpus,
        source="canvas",
        submission_text=text,
        status=VerificationRun.Status.DONE,
        report={"notes": [], "limitations": "A check, not a grade."},
    )
    position = 0
    for index, sentence in enumerate(sentences):
        start = text.index(sentence, position)
        position = start + len(sentence)
        ClaimResult.objects.create(
            run=run,
            claim_index=index,
            text=sentence,
            start=start,
            end=position,
            label="supported" if index % 3 else "contradicted",
            confidence=0.9,
        )
    return SubmissionJob.objects.create(
        installation=installation,
        course=course,
        assignment=assignment,
        canvas_submission_id=900,
        canvas_user_id=PERSONAS["learner"]["canvas"],
        attempt=1,
        state=SubmissionJob.State.DONE,
        run=run,
    )


@pytest.fixture
def other_learner(monkeypatch):
    monkeypatch.setitem(
        PERSONAS, "other", {"sub": "u-other", "roles": [Role.LEARNER], "canvas": "599"}
    )
    return "other"


def click(client, lms, link: str, persona: str):  # type: ignore[no-untyped-def]
    """What Canvas does with the link: a resource link launch whose target_link_uri is
    the `url` parameter, as the person who clicked; then the browser follows redirects."""
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == (
        "canvas.example.edu",
        "/courses/7/external_tools/retrieve",
    )
    target = parse_qs(parts.query)["url"][0]
    params = oidc_login(client, lms, target_link_uri=target)
    launched = post_launch(
        client, lms.id_token(params, persona, extra={Claim.TARGET_LINK_URI: target})
    )
    assert launched.status_code == 302, launched.content[:300]
    return client.get(launched["Location"])


def test_the_link_carries_no_session_token(job):
    link = report_url_for(job)

    assert "lti_session" not in link
    assert "token" not in link.lower()


def test_the_student_who_owns_the_report_sees_every_claim(client, platform, job):
    page = click(client, platform, report_url_for(job), "learner")

    assert page.status_code == 200
    body = page.content.decode()
    for index in range(CLAIMS):
        assert f"Claim number {index} is about light." in body
    assert 'data-filter="contradicted"' in body  # a long report can be filtered by verdict


def test_the_courses_instructor_sees_the_report(client, platform, job):
    page = click(client, platform, report_url_for(job), "instructor")

    assert page.status_code == 200
    assert "Claim number 19 is about light." in page.content.decode()


def test_another_student_is_refused(client, platform, job, other_learner):
    page = click(client, platform, report_url_for(job), other_learner)

    assert page.status_code == 404
    assert "Claim number" not in page.content.decode()


def test_the_owner_cannot_open_a_held_report(client, platform, job):
    SubmissionJob.objects.filter(pk=job.pk).update(state=SubmissionJob.State.HELD)

    assert click(client, platform, report_url_for(job), "learner").status_code == 404


def test_a_launch_naming_an_unregistered_page_lands_as_usual(client, platform, job):
    params = oidc_login(client, platform)
    target = settings.SMARTNOTES_BASE_URL + "/course/export/claims.csv"
    launched = post_launch(
        client, platform.id_token(params, "learner", extra={Claim.TARGET_LINK_URI: target})
    )

    assert "/course/my-feedback/" in launched["Location"]


def test_the_student_sees_a_correction_as_corrected_by_their_instructor(client, platform, job):
    from analytics.services import claim_override_set
    from lti_tool.models import LtiUser

    claim = job.run.claims.get(claim_index=1)  # the model said supported
    teacher = LtiUser.objects.create(platform=job.installation.platform, sub="u-teacher")
    claim_override_set(
        claim=claim,
        course=job.course,
        user=teacher,
        is_model_correct=False,
        label="contradicted",
        note="Chapter 2 says otherwise.",
    )

    body = click(client, platform, report_url_for(job), "learner").content.decode()

    card = body.split('id="claim-1"')[1].split("</article>")[0]
    assert "corrected by your instructor" in card
    assert "changed from Supported to Contradicted" in card
    assert "Chapter 2 says otherwise." in card
    assert "[2]" in card  # the number the comment gives it
