"""Add evidence materials to a course (creates the course record if needed).

Needs only the LTI registration (lti_add_platform or Dynamic Registration): a
Document Processor install has no Canvas REST token and no canvas_connect."""

import mimetypes
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from canvas_pipeline.models import CanvasCourse
from canvas_pipeline.services.setup import (
    course_get_or_create,
    course_materials_add,
    installation_ensure,
    platform_get,
)
from smartnotes.errors import ApplicationError
from verification.services import UploadedMaterial, corpus_index_get


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        from verification.limits import limits_describe

        return (
            "Add evidence materials (PDF, DOCX, XLSX, RTF, HTML, Markdown, CSV, text) to a "
            "course, named by its Canvas course id or its LTI context id. " + limits_describe()
        )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--platform", required=True, help="the LTI platform's name")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--course", help="Canvas course id (as in its URL)")
        which.add_argument(
            "--context",
            help="LTI context id of the course (admin: LTI contexts)",
        )
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--no-index", action="store_true", help="do not build the passage index now"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            platform = platform_get(options["platform"])
            uploads = [self._upload(path) for path in options["files"]]
            course = self._course(platform, options)
            course = course_materials_add(course=course, files=uploads)
            if not options["no_index"]:
                corpus_index_get(corpus=course.corpus)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        materials = course.corpus.materials.order_by("id")
        for material in materials:
            state = material.status
            if material.error_message:
                state += f" ({material.error_message})"
            self.stdout.write(f"{material.file_name}: {state}, {material.passages} passages")
        self.stdout.write(f"Course {course.canvas_course_id}: {materials.count()} materials.")

    def _upload(self, path: Path) -> UploadedMaterial:
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        return UploadedMaterial(
            name=path.name,
            data=path.read_bytes(),
            content_type=mimetypes.guess_type(path.name)[0] or "",
        )

    def _course(self, platform, options) -> CanvasCourse:  # type: ignore[no-untyped-def]
        if options["context"]:
            course = CanvasCourse.objects.filter(
                lti_context__platform=platform, lti_context__context_id=options["context"]
            ).first()
            if course is None:
                raise CommandError(
                    f"No course with LTI context {options['context']!r} on {platform.name} yet; "
                    "open Smart Notes once in that course as an instructor, or give --course."
                )
            return course
        return course_get_or_create(
            installation=installation_ensure(platform=platform),
            canvas_course_id=options["course"],
        )
