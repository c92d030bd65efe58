"""Live Events intake: what is accepted, what is ignored, what is rejected."""

import json

import pytest
from django.urls import reverse

from canvas_pipeline.ids import canvas_id_local, canvas_id_relative, canvas_id_shard
from canvas_pipeline.models import CanvasAssignment, LiveEvent, SubmissionJob
from canvas_pipeline.services.intake import installation_cache_clear
from tests.pipeline.conftest import ASSIGNMENT, KID, STUDENT, SUBMISSION, event_payload, sign

pytestmark = [pytest.mark.django_db]
URL = "/canvas/events/"


def enqueued(callbacks) -> int:
    """How many job messages the captured on-commit callbacks would send."""
    return sum("job_enqueue" in callback.__qualname__ for callback in callbacks)


def post(client, body: bytes, url: str = URL):
    return client.post(url, data=body, content_type="application/jwt")


def test_global_ids_normalise_to_local_ids():
    assert canvas_id_local("70000000000101") == 101
    assert canvas_id_shard("70000000000101") == 7
    assert canvas_id_local(101) == 101
    assert canvas_id_relative("70000000000303", shard=7) == "303"
    assert canvas_id_relative("90000000000303", shard=7) == "90000000000303"
    with pytest.raises(ValueError, match="not a Canvas id"):
        canvas_id_local("abc")


def test_a_signed_submission_event_creates_one_job_and_enqueues_it(
    client, course, signed_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, signed_event())

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "accepted"
    job = SubmissionJob.objects.get()
    assert (job.canvas_submission_id, job.attempt, job.canvas_user_id) == (
        SUBMISSION,
        1,
        str(STUDENT),
    )
    assert job.assignment.canvas_assignment_id == ASSIGNMENT
    assert job.state == SubmissionJob.State.RECEIVED
    event = LiveEvent.objects.get()
    assert event.is_signed
    assert event.job == job
    assert event.idempotency_key == f"{course.installation_id}:{SUBMISSION}:1:submission_created"
    assert enqueued(callbacks) == 1


def test_the_stored_event_keeps_everything_but_the_essay(client, course, signed_event):
    """The job fetches the submission itself; the event log holds no copy of the
    student's writing, only its length."""
    essay = "<p>Photosynthesis makes oxygen.</p>"
    post(client, signed_event(body=essay))

    stored = LiveEvent.objects.get().payload
    sent = event_payload(body=essay)
    assert "Photosynthesis" not in json.dumps(stored)
    assert stored["body"]["body_chars"] == len(essay)
    assert {k: v for k, v in stored["body"].items() if k != "body_chars"} == {
        k: v for k, v in sent["body"].items() if k not in ("body", "submitted_at")
    } | {"submitted_at": stored["body"]["submitted_at"]}
    assert stored["metadata"]["context_id"] == sent["metadata"]["context_id"]


def test_repeated_deliveries_collapse_onto_one_job_and_one_event(
    client, course, signed_event, django_capture_on_commit_callbacks
):
    body = signed_event()
    with django_capture_on_commit_callbacks() as callbacks:
        answers = [post(client, body).json()["status"] for _ in range(3)]

    assert answers == ["accepted", "duplicate", "duplicate"]
    assert SubmissionJob.objects.count() == 1
    assert LiveEvent.objects.count() == 1
    assert enqueued(callbacks) == 1


def test_submission_updated_for_the_same_attempt_reuses_the_job(client, course, signed_event):
    post(client, signed_event())
    response = post(client, signed_event(metadata={"event_name": "submission_updated"}))

    assert response.json()["status"] == "duplicate"
    assert SubmissionJob.objects.count() == 1
    assert LiveEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("build", "status", "reason"),
    [
        ("wrong_key", 401, "bad_signature"),
        ("unknown_kid", 401, "unknown_kid"),
        ("malformed_json", 400, "malformed_json"),
        ("malformed_jwt", 400, "malformed_jwt"),
        ("oversized", 413, "too_large"),
        ("unsigned", 401, "unsigned_not_allowed"),
        ("hs256", 401, "bad_jwt_header"),
    ],
)
def test_bad_events_are_rejected_without_a_job(
    client, course, events_key, other_key, build, status, reason
):
    payload = event_payload()
    body = {
        "wrong_key": lambda: sign(payload, other_key),
        "unknown_kid": lambda: sign(payload, events_key, kid="not-in-jwks"),
        "malformed_json": lambda: b'{"metadata": {"event_name": ',
        "malformed_jwt": lambda: b"eyJhbGciOi.not-a-jwt",
        "oversized": lambda: b"{" + b" " * (64 * 1024 + 1) + b"}",
        "unsigned": lambda: json.dumps(payload).encode(),
        "hs256": lambda: (
            __import__("jwt")
            .encode(payload, "s" * 32, algorithm="HS256", headers={"kid": KID})
            .encode()
        ),
    }[build]()

    response = post(client, body)

    assert (response.status_code, response.json()["reason"]) == (status, reason)
    assert not SubmissionJob.objects.exists()
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (
            {"metadata": {"root_account_uuid": "other", "root_account_lti_guid": "other"}},
            "unknown_tenant",
        ),
        ({"metadata": {"event_time": "2026-01-01T00:00:00Z"}}, "expired"),
        ({"metadata": {"event_name": "grade_change"}}, "event_name"),
        ({"workflow_state": "unsubmitted"}, "not_submitted"),
        ({"metadata": {"context_id": "70000000000999"}}, "course_not_enabled"),
    ],
)
def test_irrelevant_events_are_acknowledged_and_ignored(client, course, events_key, kwargs, reason):
    response = post(client, sign(event_payload(**kwargs), events_key))

    assert (response.status_code, response.json()) == (202, {"status": "ignored", "reason": reason})
    assert not SubmissionJob.objects.exists()


def test_a_disabled_course_ignores_its_events(client, course, signed_event):
    course.is_enabled = False
    course.save()

    assert post(client, signed_event()).json()["reason"] == "course_not_enabled"


def test_a_disabled_assignment_ignores_its_events(client, course, signed_event):
    CanvasAssignment.objects.create(
        course=course, canvas_assignment_id=ASSIGNMENT, is_enabled=False
    )

    assert post(client, signed_event()).json()["reason"] == "assignment_not_enabled"


def test_the_tenant_is_found_by_lti_guid_when_the_uuid_is_absent(client, course, events_key):
    payload = event_payload(metadata={"root_account_uuid": None})

    assert post(client, sign(payload, events_key)).json()["status"] == "accepted"


def test_unsigned_events_need_the_setting_and_the_secret_path(client, course):
    installation = course.installation
    body = json.dumps(event_payload()).encode()
    secret_url = reverse("canvas_pipeline:events-secret", args=[installation.secret_path_token])

    assert post(client, body, secret_url).status_code == 401  # setting off
    installation.allow_unsigned = True
    installation.save()
    installation_cache_clear()
    assert post(client, body).status_code == 401  # plain URL
    assert post(client, body, "/canvas/events/wrong-token/").status_code == 401
    assert post(client, body, secret_url).json()["status"] == "accepted"
    assert LiveEvent.objects.get().is_signed is False


def test_other_submission_types_become_skipped_jobs(client, course, signed_event):
    response = post(client, signed_event(submission_type="online_url"))

    assert response.json()["status"] == "accepted"
    job = SubmissionJob.objects.get()
    assert job.state == SubmissionJob.State.SKIPPED
    assert "online_url" in job.error_message


def test_get_is_not_allowed(client, course):
    assert client.get(URL).status_code == 405


def _job_row(job: SubmissionJob) -> dict:
    """A job's stored fields, less those that differ between any two jobs."""
    volatile = {"id", "public_id", "canvas_submission_id", "attempt"} | {
        "received_at",
        "state_changed_at",
    }
    return {
        f.attname: getattr(job, f.attname)
        for f in SubmissionJob._meta.concrete_fields
        if f.attname not in volatile
    }


@pytest.mark.parametrize("submission_type", ["online_text_entry", "online_url"])
def test_an_event_job_is_stored_as_the_orm_stores_one(
    client, course, signed_event, submission_type
):
    """On PostgreSQL a new attempt's job and event go in as one statement; the row
    must be the one the ORM writes (defaults, JSON, timestamps, skipped fields)."""
    from canvas_pipeline.services.intake import job_get_or_create

    post(client, signed_event(submission_type=submission_type))
    by_event = SubmissionJob.objects.get()
    by_orm, _ = job_get_or_create(
        installation=by_event.installation,
        canvas_submission_id=SUBMISSION + 1,
        attempt=2,  # the LTI key (assignment, user, attempt) is unique too
        course_id=by_event.course_id,
        assignment_id=by_event.assignment_id,
        canvas_user_id=by_event.canvas_user_id,
        lti_assignment_id=by_event.lti_assignment_id,
        lti_user_id=by_event.lti_user_id,
        submission_type=submission_type,
        source=SubmissionJob.Source.EVENT,
    )
    by_orm.refresh_from_db()

    event_row, orm_row = _job_row(by_event), _job_row(by_orm)
    if submission_type != "online_text_entry":  # the skip time is "now" in each
        assert event_row.pop("finished_at")
        assert orm_row.pop("finished_at")
    assert event_row == orm_row
    assert by_event.public_id != by_orm.public_id
    assert by_event.received_at <= by_orm.received_at
    assert by_event.state_changed_at <= by_orm.state_changed_at
    assert LiveEvent.objects.get().job == by_event


def test_old_events_are_pruned_but_a_late_duplicate_still_finds_its_job(
    client, course, signed_event, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from canvas_pipeline.services.maintenance import events_prune

    old_body, new_body = signed_event(), signed_event(submission_id=str(SUBMISSION + 7))
    post(client, old_body)
    post(client, new_body)
    old = LiveEvent.objects.get(job__canvas_submission_id=SUBMISSION)
    LiveEvent.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=settings.CANVAS_EVENT_RETENTION_DAYS + 1)
    )

    assert events_prune() == 1
    assert events_prune() == 0
    assert list(LiveEvent.objects.values_list("job__canvas_submission_id", flat=True)) == [
        SUBMISSION + 7
    ]
    assert SubmissionJob.objects.count() == 2  # jobs are kept
    # Canvas redelivers the pruned event: still the same attempt's job, not a new one.
    assert post(client, old_body).json()["status"] == "duplicate"
    assert SubmissionJob.objects.count() == 2
