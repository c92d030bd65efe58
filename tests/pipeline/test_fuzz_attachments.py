"""Damaged files as a Canvas attempt's attachments: the fetch notes each one by name
and the job goes on (or fails with the notes); nothing raises, nothing stays FETCHING."""

import pytest

from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services import jobs
from canvas_pipeline.services.intake import event_intake
from tests.factories import ESSAY_TEXT
from tests.fuzz.mutations import fixed_mutations
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT, SUBMISSION

pytestmark = [pytest.mark.django_db]
State = SubmissionJob.State


@pytest.mark.parametrize("batch", [0, 1])
def test_damaged_attachments_never_break_the_fetch(fake_canvas, course, signed_event, batch):
    damaged = fixed_mutations(8, seed=batch)
    attachments = [
        fake_canvas.add_file(i + 1, f"{i}-{name}", data, "application/octet-stream")
        for i, (name, data) in enumerate(damaged)
    ]
    attachments.append(fake_canvas.add_file(99, "essay.txt", ESSAY_TEXT.encode(), "text/plain"))
    fake_canvas.add_submission(
        course_id=COURSE,
        assignment_id=ASSIGNMENT,
        user_id=STUDENT,
        submission_id=SUBMISSION,
        attempts=[{"submission_type": "online_upload", "attachments": attachments}],
    )
    job_id = event_intake(body=signed_event(submission_type="online_upload")).job_id

    jobs.job_process(job_id=job_id)

    job = SubmissionJob.objects.get(pk=job_id)
    assert job.state == State.QUEUED, job.error_message
    assert "Photosynthesis turns light energy" in job.run.submission_text
    for note in job.notes:
        assert note.split(" ")[0].split("-", 1)[0].isdigit()
