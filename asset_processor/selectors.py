"""Reads for the in-frame pages, scoped by the launch (platform, course, user)."""

from dataclasses import dataclass
from typing import Any

from asset_processor.models import Asset, AssetProcessor
from canvas_pipeline.models import SubmissionJob
from lti_tool.claims import Claim
from lti_tool.sessions import LtiLaunch


def processor_get_for_launch(lti: LtiLaunch) -> AssetProcessor | None:
    """The processor of the launch's activity, in the launch's platform and course."""
    activity_id = str((lti.claims.get(Claim.ACTIVITY) or {}).get("id") or "")
    if not activity_id or lti.context is None:
        return None
    return (
        AssetProcessor.objects.select_related("course")
        .filter(platform=lti.platform, lti_assignment_id=activity_id, context=lti.context)
        .first()
    )


@dataclass(frozen=True, slots=True)
class ReportView:
    job: SubmissionJob
    processor: AssetProcessor
    assets: list[Asset]
    report: Any  # analytics.selectors.reports.Report (overrides applied), None until checked
    is_released: bool


def report_get_for_launch(lti: LtiLaunch) -> ReportView | None:
    """The attempt a report review launch names; None when it is not the launch's course,
    or (for a learner) not their own attempt or not released to them."""
    from analytics.access import scope_for_launch
    from analytics.selectors.access import report_is_visible_to
    from analytics.selectors.reports import report_for_job
    from asset_processor.publishing import _visible_to_owner
    from asset_processor.services import _attempt_of

    processor = processor_get_for_launch(lti)
    lti_user_id = str((lti.claims.get(Claim.FOR_USER) or {}).get("user_id") or "")
    attempt = _attempt_of(str((lti.claims.get(Claim.SUBMISSION) or {}).get("id") or ""))
    if processor is None or not lti_user_id or attempt is None:
        return None
    job = (
        SubmissionJob.objects.select_related("run")
        .filter(
            installation_id=processor.course.installation_id,
            lti_assignment_id=processor.lti_assignment_id,
            lti_user_id=lti_user_id,
            attempt=attempt,
        )
        .first()
    )
    if job is None:
        return None
    # The one access rule (analytics.selectors.access): a learner sees their own,
    # released report; the course's staff see every report.
    if not report_is_visible_to(scope_for_launch(lti, course=processor.course), job):
        return None
    assets = list(job.assets.select_related("processor__course").order_by("pk"))
    released = bool(assets) and all(_visible_to_owner(a) for a in assets)
    return ReportView(job, processor, assets, report_for_job(job), released)
