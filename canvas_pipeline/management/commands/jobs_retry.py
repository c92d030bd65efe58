"""Retry failed submission jobs: by job id, or every failed job of a course / error code.

The command-line twin of the *Retry* button on the Smart Notes course page."""

from django.core.management.base import BaseCommand, CommandError

from canvas_pipeline.models import SubmissionJob
from canvas_pipeline.services.posting import job_retry
from verification.services import ApplicationError


class Command(BaseCommand):
    help = (
        "Retry failed jobs. Give job ids (the UUID on the course page and in the "
        "failure notice), or --failed with --course and/or --code to retry many."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("jobs", nargs="*", help="job public ids (UUIDs)")
        parser.add_argument("--failed", action="store_true", help="every failed job (filtered)")
        parser.add_argument("--course", help="Canvas course id, with --failed")
        parser.add_argument("--code", help="error code, e.g. no_materials, with --failed")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not options["jobs"] and not options["failed"]:
            raise CommandError("give job ids, or --failed [--course ID] [--code CODE]")
        jobs = SubmissionJob.objects.filter(state=SubmissionJob.State.FAILED)
        if options["jobs"]:
            jobs = jobs.filter(public_id__in=options["jobs"])
        if options["course"]:
            jobs = jobs.filter(course__canvas_course_id=options["course"])
        if options["code"]:
            jobs = jobs.filter(error_code=options["code"])
        retried = 0
        for job in jobs.order_by("id"):
            try:
                job_retry(job_id=job.pk)
            except ApplicationError as exc:
                self.stderr.write(f"{job.public_id}: {exc.message}")
                continue
            retried += 1
            self.stdout.write(f"{job.public_id}: retried (was {job.error_code})")
        self.stdout.write(f"{retried} job(s) retried.")
