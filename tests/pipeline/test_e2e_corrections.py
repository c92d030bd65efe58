"""Instructor corrections reach Canvas on real processes: the local Canvas, the
embedded broker and a real Celery worker (no Redis needed)."""

from __future__ import annotations

import pytest

from analytics import services as analytics_services
from canvas_pipeline.models import CommentCorrection, SubmissionJob
from canvas_pipeline.services import posting
from canvas_pipeline.services.intake import event_intake
from tests.conftest import wait_until
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT
from verification.models import ClaimResult

pytestmark = [pytest.mark.e2e]
State = SubmissionJob.State


@pytest.fixture
def worker_env(worker_env, nli_model_dir):
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


def _state(job_id: int, state: str) -> SubmissionJob | None:
    job = SubmissionJob.objects.get(pk=job_id)
    assert job.state != State.FAILED, job.error_message
    return job if job.state == state else None


def _override(job: SubmissionJob, user, *, label: str = "contradicted") -> ClaimResult:
    claim = ClaimResult.objects.filter(run_id=job.run_id).exclude(label=label).first()
    analytics_services.claim_override_set(
        claim=claim, course=job.course, user=user, is_model_correct=False, label=label
    )
    return claim


def test_corrections_reach_canvas_held_then_after_posting(
    course, text_submission, signed_event, fake_canvas, celery_worker
):
    from lti_tool.models import LtiUser

    teacher = LtiUser.objects.create(platform=course.installation.platform, sub="u-teacher")
    course.hold_for_review = True
    course.save()
    job_id = event_intake(body=signed_event()).job_id
    job = wait_until(lambda: _state(job_id, State.HELD), timeout_s=150, what="a held report")

    held_claim = _override(job, teacher)
    posting.job_approve(job_id=job_id, user=teacher)
    wait_until(lambda: _state(job_id, State.DONE), timeout_s=60, what="the approved comment")

    (comment,) = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    number = held_claim.claim_index + 1
    assert f"[{number}] CONTRADICTED, corrected by your instructor" in comment["comment"]

    later_claim = _override(job, teacher, label="not_enough_evidence")
    wait_until(
        lambda: CommentCorrection.objects.filter(state="posted").exists(),
        timeout_s=60,
        what="the correction comment",
    )
    _report, correction = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert f"[{later_claim.claim_index + 1}] now NOT ENOUGH EVIDENCE" in correction["comment"]
    assert len(fake_canvas.recorded("PUT")) == 2  # exactly one correction
    assert CommentCorrection.objects.count() == 1
