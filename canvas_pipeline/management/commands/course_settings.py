"""Show or change a Canvas course's Smart Notes settings."""

from django.core.management.base import BaseCommand, CommandError

from canvas_pipeline.services.setup import (
    course_get_or_create,
    course_settings_update,
    installation_ensure,
    platform_get,
)
from smartnotes.errors import ApplicationError


def on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise ValueError(value)
    return value == "on"


class Command(BaseCommand):
    help = "Turn Smart Notes on/off for a course and set auto-post, minimum confidence, review."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--platform", required=True)
        parser.add_argument("--course", required=True, help="Canvas course id (as in its URL)")
        parser.add_argument("--enabled", type=on_off, metavar="on|off")
        parser.add_argument("--auto-post", type=on_off, metavar="on|off")
        parser.add_argument("--min-confidence", type=float, metavar="X")
        parser.add_argument("--hold-for-review", type=on_off, metavar="on|off")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            platform = platform_get(options["platform"])
            # The LTI registration is enough; canvas_connect only adds REST access.
            course = course_get_or_create(
                installation=installation_ensure(platform=platform),
                canvas_course_id=options["course"],
            )
            course = course_settings_update(
                course=course,
                is_enabled=options["enabled"],
                auto_post=options["auto_post"],
                min_confidence=options["min_confidence"],
                hold_for_review=options["hold_for_review"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        def word(flag: bool) -> str:
            return "on" if flag else "off"

        self.stdout.write(
            f"Course {course.canvas_course_id}: enabled={word(course.is_enabled)} "
            f"auto-post={word(course.auto_post)} min-confidence={course.min_confidence:g} "
            f"hold-for-review={word(course.hold_for_review)} "
            f"materials={'yes' if course.corpus_id else 'none'}"
        )
