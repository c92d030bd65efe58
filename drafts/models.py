"""A student's draft check: one verification run of a draft, owned by the student.

The draft's text, claims and verdicts live on its `VerificationRun` (source
`draft`), checked by the same engine path and run execution as a submission. A
draft is never posted to Canvas: it has no `SubmissionJob`, the only thing the
Canvas pipeline posts from. Deleting the run (retention, `drafts.prune`) deletes
the draft with it.
"""

import uuid

from django.db import models

from canvas_pipeline.models import CanvasAssignment, CanvasCourse
from lti_tool.models import LtiUser
from verification.models import VerificationRun


class Draft(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(CanvasCourse, on_delete=models.CASCADE, related_name="drafts")
    # None: a draft checked from the course navigation without naming an assignment.
    assignment = models.ForeignKey(
        CanvasAssignment, on_delete=models.CASCADE, null=True, blank=True, related_name="drafts"
    )
    user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="drafts")
    run = models.OneToOneField(VerificationRun, on_delete=models.CASCADE, related_name="draft")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The rate limit and the student's list: a person's drafts of one assignment by time.
            models.Index(
                fields=["course", "user", "assignment", "created_at"], name="draft_window"
            ),
            models.Index(fields=["created_at"], name="draft_created"),
        ]

    def __str__(self) -> str:
        return f"draft {self.public_id} of {self.user}"
