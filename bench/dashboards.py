"""Dashboard page timings on a seeded course (issue 8: < 300 ms per page).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sn_dash_bench \\
        python -m bench.dashboards --students 300 --assignments 10 --claims 40

Seeds the course once (reused on later runs with the same size; --fresh seeds
again), makes an instructor and a learner launch, then requests every dashboard
page through Django's test client (the full middleware stack, launch token
included; no network) and prints median / p95 / max wall time and the number of
SQL queries per page as a Markdown table.
"""

import argparse
import os
import statistics
import sys
import time
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartnotes.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # allows the test client's host


def _course(students: int, assignments: int, claims: int, fresh: bool) -> Any:
    from bench.seed import course_seed
    from canvas_pipeline.models import CanvasCourse

    name = f"Bench {students}x{assignments}x{claims}"
    course = CanvasCourse.objects.filter(name=name).select_related("lti_context").last()
    if course is None or fresh:
        started = time.monotonic()
        course_seed(students=students, assignments=assignments, claims=claims, name=name)
        print(f"seeded {name} in {time.monotonic() - started:.1f} s", file=sys.stderr)
        _analyze()
        course = CanvasCourse.objects.filter(name=name).select_related("lti_context").last()
    return course


def _analyze() -> None:
    """Refresh planner statistics after a bulk load, as autovacuum would soon after."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _token(course: Any, user: Any, role: str) -> str:
    from lti_tool.claims import MessageType, Role
    from lti_tool.models import Deployment, Launch
    from lti_tool.sessions import session_token_issue

    context = course.lti_context
    launch = Launch.objects.create(
        platform=context.platform,
        deployment=Deployment.objects.filter(platform=context.platform).first(),
        user=user,
        context=context,
        message_type=MessageType.RESOURCE_LINK,
        roles=[str(Role.INSTRUCTOR if role == "instructor" else Role.LEARNER)],
        claims={},
    )
    return session_token_issue(launch)


def _pages(course: Any) -> list[tuple[str, str, str]]:
    """(label, role, path) for every dashboard page."""
    from canvas_pipeline.models import SubmissionJob
    from lti_tool.models import LtiUser, Membership

    members = Membership.objects.filter(context=course.lti_context).select_related("user")
    learner_ids = sorted(
        m.user.canvas_user_id for m in members if any(str(r).endswith("#Learner") for r in m.roles)
    )
    learner_id = learner_ids[len(learner_ids) // 2]
    job = SubmissionJob.objects.filter(course=course, canvas_user_id=learner_id, state="done")
    job = job.order_by("-received_at").first()
    assignment = course.assignments.order_by("id").last()
    global _LEARNER
    _LEARNER = LtiUser.objects.get(platform=course.lti_context.platform, canvas_user_id=learner_id)
    return [
        ("Instructor: class view (course)", "instructor", "/course/"),
        (
            "Instructor: class view (assignment)",
            "instructor",
            f"/course/assignments/{assignment.pk}/",
        ),
        ("Instructor: student", "instructor", f"/course/students/{learner_id}/"),
        (
            "Instructor: submission + overrides",
            "instructor",
            f"/course/submissions/{job.public_id}/",
        ),
        ("Instructor: review queue", "instructor", "/course/review/"),
        ("Instructor: settings", "instructor", "/course/settings/"),
        ("Instructor: per-student CSV", "instructor", "/course/export/students.csv"),
        (
            "Instructor: per-claim CSV (assignment)",
            "instructor",
            f"/course/export/claims.csv?assignment={assignment.pk}",
        ),
        ("Learner: my feedback", "learner", "/course/my-feedback/"),
        ("Learner: one report", "learner", f"/course/my-feedback/{job.public_id}/"),
        ("Learner: my analytics", "learner", "/course/my-analytics/"),
    ]


_LEARNER: Any = None


def _time(client: Any, path: str, repeat: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fetch() -> Any:
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        return response

    first = fetch()  # warm-up (template compilation, connection)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return timings, len(queries), first.status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--assignments", type=int, default=10)
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="seed a new course")
    args = parser.parse_args(argv)
    _setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from lti_tool.sessions import TOKEN_HEADER

    call_command("migrate", verbosity=0)
    course = _course(args.students, args.assignments, args.claims, args.fresh)
    pages = _pages(course)
    instructor = next(
        m.user
        for m in course.lti_context.memberships.select_related("user")
        if any(str(r).endswith("#Instructor") for r in m.roles)
    )
    clients = {
        "instructor": Client(headers={TOKEN_HEADER: _token(course, instructor, "instructor")}),
        "learner": Client(headers={TOKEN_HEADER: _token(course, _LEARNER, "learner")}),
    }
    print(
        f"{connection.vendor}, {args.students} students x {args.assignments} assignments x "
        f"{args.claims} claims, {args.repeat} timed requests per page\n"
    )
    print("| Page | median ms | p95 ms | max ms | SQL queries | status |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    worst = 0.0
    for label, role, path in pages:
        timings, queries, status = _time(clients[role], path, args.repeat)
        ordered = sorted(timings)
        p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
        median = statistics.median(timings)
        if "CSV" not in label:
            worst = max(worst, median)
        print(f"| {label} | {median:.0f} | {p95:.0f} | {ordered[-1]:.0f} | {queries} | {status} |")
    print(f"\nslowest page median: {worst:.0f} ms (target < 300 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
