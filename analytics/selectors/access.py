"""The one access rule for reports: who may see which submission's report.

- a learner: their own attempts in the launch's course, once released to them (the
  job is DONE: its comment was posted, after approval when the course holds reports;
  and every Asset Processor asset of it is visible to its owner under the
  processor's release policy). A held, unapproved report is never theirs to open.
- instructors and TAs: every report of the launch's course, held ones included;
- administrators: the same, for the course they launched from.

Every report page (learner, instructor, Canvas "Full report", Asset Processor) and
every export starts from `reports_visible_to`; tests/analytics/test_report_access.py
checks each role on each page.

Drafts (the student's draft check, `drafts` app) follow `drafts_visible_to`:
- a learner: their own drafts in the launch's course;
- instructors, TAs and administrators: none, unless the course lets instructors see
  drafts (`CanvasCourse.drafts_visible_to_staff`); then every draft of the course.
  Without it they see only how many drafts were checked (`drafts.selectors`).
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from analytics.access import CourseScope
from canvas_pipeline.models import SubmissionJob
from drafts.models import Draft

State = SubmissionJob.State


def _released() -> Q:
    from asset_processor.models import Asset, AssetProcessor

    policy = AssetProcessor.ReleasePolicy
    visible = ~Q(processor__release_policy=policy.NEVER) & (
        Q(processor__release_policy=policy.IMMEDIATELY, processor__course__hold_for_review=False)
        | Q(released_at__isnull=False)
    )
    hidden = Asset.objects.filter(job=OuterRef("pk")).exclude(visible)
    return Q(~Exists(hidden), state=State.DONE)


def reports_visible_to(scope: CourseScope) -> QuerySet[SubmissionJob]:
    """The jobs whose report the scope's person may open (see the module docstring)."""
    if scope.course is None:
        return SubmissionJob.objects.none()
    jobs = SubmissionJob.objects.filter(course=scope.course)
    if scope.is_staff or scope.is_admin:
        return jobs
    own = Q()
    if scope.user.canvas_user_id:
        own |= Q(canvas_user_id=scope.user.canvas_user_id)
    if scope.user.sub:
        own |= Q(lti_user_id=scope.user.sub)
    if not own:
        return SubmissionJob.objects.none()
    return jobs.filter(own).filter(_released())


def report_get_for_viewer(scope: CourseScope, public_id: Any) -> SubmissionJob:
    """One job whose report the scope may open, with its run; 404 for anyone else."""
    job = (
        reports_visible_to(scope)
        .select_related("run", "assignment", "course__installation")
        .filter(public_id=public_id)
        .first()
    )
    if job is None:
        raise Http404("No such report")
    return job


def drafts_visible_to(scope: CourseScope) -> QuerySet[Draft]:
    """The drafts whose text and results the scope's person may open (module docstring)."""
    if scope.course is None:
        return Draft.objects.none()
    drafts = Draft.objects.filter(course=scope.course)
    if scope.is_staff or scope.is_admin:
        return drafts if scope.course.drafts_visible_to_staff else Draft.objects.none()
    return drafts.filter(user=scope.user)


def draft_get_for_viewer(scope: CourseScope, public_id: Any) -> Draft:
    """One draft the scope may open, with its run; 404 for anyone else."""
    draft = (
        drafts_visible_to(scope)
        .select_related("run", "assignment", "user")
        .filter(public_id=public_id)
        .first()
    )
    if draft is None:
        raise Http404("No such draft")
    return draft


def report_is_visible_to(scope: CourseScope, job: SubmissionJob) -> bool:
    return reports_visible_to(scope).filter(pk=job.pk).exists()


def claim_check_allowed(scope: CourseScope) -> bool:
    """The single-claim check (course materials, not any student's work) is the
    instructor's tool, in a course connected to Smart Notes."""
    return scope.is_instructor and scope.course is not None
