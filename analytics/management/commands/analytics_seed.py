"""python manage.py analytics_seed --students 300 --assignments 10 --claims 40"""

import time

from django.core.management.base import BaseCommand, CommandParser

from lti_tool.models import Platform


class Command(BaseCommand):
    help = "Create a Canvas course with realistic verified submissions for the dashboards."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=30)
        parser.add_argument("--assignments", type=int, default=5)
        parser.add_argument("--claims", type=int, default=20)
        parser.add_argument("--name", default="Biology 101")
        parser.add_argument(
            "--seed", type=int, default=8, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--platform",
            default="",
            help="name of an existing LTI platform to attach the course to",
        )

    def handle(self, *args: object, **options: object) -> None:
        # Benchmark seed data (not in the image): imported only when the command runs.
        from bench.seed import course_seed

        platform = None
        if options["platform"]:
            platform = Platform.objects.get(name=options["platform"])
        started = time.monotonic()
        result = course_seed(
            students=int(options["students"]),  # type: ignore[call-overload]
            assignments=int(options["assignments"]),  # type: ignore[call-overload]
            claims=int(options["claims"]),  # type: ignore[call-overload]
            name=str(options["name"]),
            rng_seed=int(options["seed"]),  # type: ignore[call-overload]
            platform=platform,
        )
        self.stdout.write(
            f"Seeded course {result.course.pk} ({result.context.title}, LTI context "
            f"{result.context.context_id}): {len(result.learners)} students x "
            f"{len(result.assignments)} assignments x {options['claims']} claims in "
            f"{time.monotonic() - started:.1f} s"
        )
