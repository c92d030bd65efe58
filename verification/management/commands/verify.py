"""python manage.py verify --materials FILE... SUBMISSION [--format text|json]"""

import json
import mimetypes
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartnotes.errors import ApplicationError
from verification import services


def _upload(path: Path) -> services.UploadedMaterial:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    return services.UploadedMaterial(path.name, data, mimetypes.guess_type(path.name)[0] or "")


class Command(BaseCommand):
    help = "Verify a submission's claims against course materials and print the report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--materials",
            nargs="+",
            required=True,
            type=Path,
            metavar="FILE",
            help="course materials: PDF, DOCX, HTML, Markdown or text",
        )
        parser.add_argument(
            "submission",
            type=Path,
            nargs="?",
            help="the essay (text, HTML, PDF or DOCX); else the last path after --materials",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: object, **options: object) -> None:
        from verification.engine import (
            MaterialFile,
            VerificationError,
            ingest_materials,
            render_text,
        )
        from verification.runtime import verifier_get

        materials: list[Path] = list(options["materials"])  # type: ignore[call-overload]
        submission_path = options["submission"] or (materials.pop() if len(materials) > 1 else None)
        if submission_path is None:
            raise CommandError("give the essay after the materials: --materials FILE... SUBMISSION")
        submission = _upload(submission_path)  # type: ignore[arg-type]
        try:
            text = services.submission_text_from_upload(submission)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        uploads = [_upload(p) for p in materials]
        result = ingest_materials(
            MaterialFile(u.name, u.data, u.content_type or None) for u in uploads
        )
        for error in result.errors:
            self.stderr.write(f"skipped {error.file_name}: {error.message}")
        if not result.passages:
            raise CommandError("none of the materials could be read; nothing to verify against")
        try:
            verifier = verifier_get()
            report = verifier.verify(
                text, verifier.index(result.passages), material_errors=result.errors
            )
        except VerificationError as exc:
            raise CommandError(str(exc)) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(report))
