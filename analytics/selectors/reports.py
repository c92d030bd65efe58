"""One submission's report as the dashboards show it: verification.reports'
effective report (overrides applied, most important first, stable claim numbers)
plus the job's own notes."""

from dataclasses import dataclass

from django.http import HttpRequest

from canvas_pipeline.models import SubmissionJob
from smartnotes.progress import Snapshot
from verification.reports import EffectiveReport, report_effective
from verification.run_progress import run_snapshot, snapshot_without_run


@dataclass(frozen=True)
class Report:
    job: SubmissionJob
    effective: EffectiveReport

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        # claims, counts, segments, notes, limitations, corrected...: the effective report's.
        return getattr(self.effective, name)


def report_for_job(job: SubmissionJob) -> Report | None:
    """The report of a job already scoped by the caller (analytics.selectors.access);
    None before its run has finished."""
    run = job.run
    if run is None or not run.report:
        return None
    return Report(
        job=job, effective=report_effective(run, extra_notes=[str(n) for n in job.notes or []])
    )


def report_progress_for_job(job: SubmissionJob, *, request: HttpRequest) -> Snapshot:
    """Progress of a job already scoped by the caller: its run's snapshot (claims as
    they are decided), or where the job is before it has a run."""
    if job.run is not None:
        return run_snapshot(job.run, request=request)
    if job.state in (SubmissionJob.State.FAILED, SubmissionJob.State.SKIPPED):
        message = job.error_message or "This submission was not checked."
        return snapshot_without_run(state="failed", stage="Stopped", message=message)
    return snapshot_without_run(
        state="queued",
        stage="Fetching the submission from Canvas",
        message="Waiting for the submission to be fetched from Canvas.",
    )
