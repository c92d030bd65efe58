"""One submission's report as the dashboards show it: verification.reports'
effective report (overrides applied, most important first, stable claim numbers)
plus the job's own notes."""

from dataclasses import dataclass

from canvas_pipeline.models import SubmissionJob
from verification.reports import EffectiveReport, report_effective


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
