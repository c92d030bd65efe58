"""Ingest evidence materials for a Canvas course (creates the course record if needed)."""

import mimetypes
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from canvas_pipeline.models import CanvasInstallation
from canvas_pipeline.services.setup import course_get_or_create, course_materials_add, platform_get
from smartnotes.errors import ApplicationError
from verification.services import UploadedMaterial, corpus_index_get


class Command(BaseCommand):
    help = "Add evidence materials (PDF, DOCX, TXT, MD, HTML) to a Canvas course."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--platform", required=True)
        parser.add_argument("--course", required=True, help="Canvas course id (as in its URL)")
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--no-index", action="store_true", help="do not build the passage index now"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            platform = platform_get(options["platform"])
            installation = CanvasInstallation.objects.filter(platform=platform).first()
            if installation is None:
                raise CommandError(f"Run canvas_connect for {platform.name} first.")
            uploads = []
            for path in options["files"]:
                if not path.is_file():
                    raise CommandError(f"{path} is not a file")
                uploads.append(
                    UploadedMaterial(
                        name=path.name,
                        data=path.read_bytes(),
                        content_type=mimetypes.guess_type(path.name)[0] or "",
                    )
                )
            course = course_get_or_create(
                installation=installation, canvas_course_id=options["course"]
            )
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
