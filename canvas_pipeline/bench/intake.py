"""Live Events intake throughput and latency against gunicorn (production settings).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sn_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python -m canvas_pipeline.bench.intake --events 3000 --concurrency 16

Every event is a distinct signed submission_created for an enabled course, so each
request verifies an RS256 signature, maps the tenant, writes the job and the event
and enqueues on commit (Redis): the full accepted path, not the cheap ignore path.
Queued messages are purged at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartnotes.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _installation(jwks_url: str) -> tuple[str, int]:
    from canvas_pipeline.models import SubmissionJob
    from canvas_pipeline.services.setup import (
        course_get_or_create,
        course_settings_update,
        installation_connect,
    )
    from lti_tool.models import Platform

    platform_row, _ = Platform.objects.get_or_create(
        name="Bench Canvas",
        defaults={
            "issuer": "https://bench.instructure.com",
            "client_id": "1",
            "auth_login_url": "https://bench.instructure.com/a",
            "auth_token_url": "https://bench.instructure.com/t",
            "key_set_url": "https://bench.instructure.com/k",
        },
    )
    uuid = "bench-root-account"
    installation = installation_connect(
        platform=platform_row,
        root_account_uuid=uuid,
        api_url="http://127.0.0.1:9",
        live_events_jwks_url=jwks_url,
    )
    course = course_get_or_create(installation=installation, canvas_course_id=101)
    course_settings_update(course=course, is_enabled=True)
    SubmissionJob.objects.filter(installation=installation).delete()
    return uuid, course.canvas_course_id


def _events(jwks, uuid: str, course_id: int, count: int, run_id: int) -> list[bytes]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    shard = 7 * 10**13
    bodies = []
    for n in range(count):
        submission = run_id * 10**6 + n + 1
        bodies.append(
            jwks.sign(
                {
                    "metadata": {
                        "event_name": "submission_created",
                        "event_time": now,
                        "root_account_uuid": uuid,
                        "context_type": "Course",
                        "context_id": str(shard + course_id),
                    },
                    "body": {
                        "submission_id": str(shard + submission),
                        "assignment_id": str(shard + 202),
                        "user_id": str(shard + submission),
                        "submitted_at": now,
                        "submission_type": "online_text_entry",
                        "body": "<p>" + "An essay sentence. " * 200 + "</p>",
                        "attempt": "1",
                        "workflow_state": "submitted",
                    },
                }
            )
        )
    return bodies


def _load(
    url: str, bodies: list[bytes], concurrency: int, rate: float = 0.0
) -> tuple[list[float], dict[int, int], float]:
    """Closed loop (`concurrency` clients back to back) or, with `rate`, open loop:
    request i is due at start + i/rate and its latency counts from that due time,
    so a server falling behind shows up in the latency (no coordinated omission)."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))
    started = time.perf_counter()

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                connection.close()
                return
            due = started + index / rate if rate else time.perf_counter()
            wait_s = due - time.perf_counter()
            if wait_s > 0:
                time.sleep(wait_s)
            response = None
            try:
                connection.request(
                    "POST",
                    "/canvas/events/",
                    body=bodies[index],
                    headers={"Content-Type": "application/jwt"},
                )
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
            if response is None or response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed * 1000)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def main() -> None:
    from canvas_pipeline.bench.common import JwksServer, gunicorn_start, percentile, production_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="open loop: events per second (0: closed loop)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL, as in production")

    env = production_env()
    _setup_django(env)
    jwks = JwksServer()
    uuid, course_id = _installation(jwks.url)
    run_id = int(time.time()) % 1000
    bodies = _events(jwks, uuid, course_id, args.warmup + args.events, run_id)
    log = Path(tempfile.mkdtemp(prefix="sn-bench-")) / "gunicorn.log"
    web, url = gunicorn_start(env, workers=args.workers, threads=args.threads, log=log)
    try:
        _load(url, bodies[: args.warmup], args.concurrency)
        latencies, statuses, elapsed_s = _load(
            url, bodies[args.warmup :], args.concurrency, args.rate
        )
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
        from smartnotes.celery import app

        app.control.purge()
    from canvas_pipeline.models import SubmissionJob

    stored = SubmissionJob.objects.filter(installation__root_account_uuid=uuid).count()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    print(
        f"server: gunicorn {args.workers} workers x {args.threads} threads (gthread), "
        "SMARTNOTES_ENV=production, "
        f"PostgreSQL + Redis broker; client: {args.concurrency} threads on the same machine"
    )
    print(
        f"events: {len(latencies)} in {elapsed_s:.2f} s = {len(latencies) / elapsed_s:.0f} events/s"
    )
    print(f"statuses: {statuses}; jobs stored: {stored} (incl. {args.warmup} warm-up)")
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(latencies):.1f}")


if __name__ == "__main__":
    main()
