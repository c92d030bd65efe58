"""python manage.py verify --materials FILE... SUBMISSION [--format text|json]"""

import json
import mimetypes
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartnotes.errors import ApplicationError
from verification import services


def _upload(path: Path, max_bytes: int) -> services.UploadedMaterial:
    """The file's bytes; a file past the size limit is refused before it is read."""
    from verification.engine.limits import mb

    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CommandError(f"{path.name} is {mb(size)}; the limit is {mb(max_bytes)} per file")
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    return services.UploadedMaterial(path.name, data, mimetypes.guess_type(path.name)[0] or "")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        from verification.limits import limits_describe

        return (
            "Verify a submission's claims against course materials and print the report. "
            + limits_describe()
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--materials",
            nargs="+",
            required=True,
            type=Path,
            metavar="FILE",
            help="course materials: PDF, DOCX, XLSX, RTF, HTML, Markdown, CSV or text",
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
        from verification.limits import input_limits
        from verification.runtime import verifier_get

        limits = input_limits()
        materials: list[Path] = list(options["materials"])  # type: ignore[call-overload]
        submission_path = options["submission"] or (materials.pop() if len(materials) > 1 else None)
        if submission_path is None:
            raise CommandError("give the essay after the materials: --materials FILE... SUBMISSION")
        if len(materials) > limits.files_max:
            raise CommandError(
                f"{len(materials)} materials is more than the limit of {limits.files_max} files "
                "(SMARTNOTES_MAX_FILES)"
            )
        submission = _upload(submission_path, limits.file_max_bytes)  # type: ignore[arg-type]
        try:
            text = services.submission_text_from_upload(submission)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        uploads = []
        for path in materials:
            try:
                uploads.append(_upload(path, limits.file_max_bytes))
            except CommandError as exc:
                self.stderr.write(f"skipped {path.name}: {exc}")
        result = ingest_materials(
            (MaterialFile(u.name, u.data, u.content_type or None) for u in uploads), limits=limits
        )
        for error in result.errors:
            self.stderr.write(f"skipped {error.file_name}: {error.message}")
        if not result.passages:
            raise CommandError(
                "none of the materials could be read, so there was nothing to check the essay "
                "against"
            )
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
