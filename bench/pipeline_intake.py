"""Live Events intake throughput and latency against gunicorn (production settings).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sn_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python -m bench.pipeline_intake --events 3000 --concurrency 16

Every event is a distinct signed submission_created for an enabled course, so each
request verifies an RS256 signature, maps the tenant, writes the job and the event
and enqueues on commit (Redis): the full accepted path, not the cheap ignore path.
Queued messages are purged at the end.

The default client is Python threads in this process. ``--client wrk`` drives the
same pre-signed events with wrk (C, ``apt-get install wrk``), which takes a small
fraction of the CPU a Python client needs, so on a 2-core machine the figure is
closer to the server's own capacity:

    ... -m bench.pipeline_intake --client wrk --duration 15 --concurrency 16

The load Canvas makes is an open loop: events come when students submit, not
when the last one was answered. ``--client asyncio --rate R`` sends event i at
start + i/R from one asyncio thread (~0.1 ms CPU a request) and counts each
latency from that due time, so a server falling behind shows in the figures:

    ... -m bench.pipeline_intake --client asyncio --rate 300 --events 6000 --concurrency 24

The server logs as production does (LOG_LEVEL=INFO: one JSON line a request)
unless --log-level says otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import subprocess
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
    so a server falling behind shows up in the latency (no coordinated omission).
    The threads' GIL can delay a due request; ``_load_asyncio`` does not."""
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


def _load_asyncio(
    url: str, bodies: list[bytes], concurrency: int, rate: float
) -> tuple[list[float], dict[int, int], float]:
    """Open loop from one asyncio thread over `concurrency` keep-alive connections.

    Request i is due at start + i/rate and its latency counts from that due time.
    Raw HTTP/1.1 on asyncio streams costs ~0.1 ms of CPU a request, a tenth of
    the threaded client's, so the generator takes little of the server's cores
    and no GIL hand-offs delay a request that is due."""
    import asyncio

    host, port = url.removeprefix("http://").split(":")
    head = f"POST /canvas/events/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
    requests = [
        (head + f"Content-Type: application/jwt\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        + body
        for body in bodies
    ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def exchange(connections: asyncio.Queue, index: int, due: float) -> None:
        reader, writer = await connections.get()
        status = 0
        try:
            writer.write(requests[index])
            status = int((await reader.readline()).split(b" ", 2)[1])
            length, closing = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection":
                    closing = value.strip().lower() == b"close"
            await reader.readexactly(length)
            if closing:
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            writer.close()
            reader, writer = await asyncio.open_connection(host, int(port))
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        connections.put_nowait((reader, writer))

    async def run() -> float:
        connections: asyncio.Queue = asyncio.Queue()
        for _ in range(concurrency):
            connections.put_nowait(await asyncio.open_connection(host, int(port)))
        started = time.perf_counter()
        pending = []
        for index in range(len(requests)):
            due = started + index / rate
            wait_s = due - time.perf_counter()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
            pending.append(asyncio.create_task(exchange(connections, index, due)))
        await asyncio.gather(*pending)
        elapsed_s = time.perf_counter() - started
        while not connections.empty():
            connections.get_nowait()[1].close()
        return elapsed_s

    elapsed_s = asyncio.run(run())
    return latencies, statuses, elapsed_s


# wrk runs this in each of its threads: its share of the pre-signed events, one per
# request, each once; the per-thread status counts are merged in done().
WRK_SCRIPT = r"""
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local path, every = args[1], tonumber(args[2])
  bodies, index, wrapped, statuses = {}, 0, 0, {}
  local n = 0
  for line in io.lines(path) do
    if n % every == id then bodies[#bodies + 1] = line end
    n = n + 1
  end
end
function request()
  index = index + 1
  if index > #bodies then index, wrapped = 1, wrapped + 1 end
  return wrk.format("POST", "/canvas/events/", {["Content-Type"] = "application/jwt"},
    bodies[index])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local merged, wrapped_total = {}, 0
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("statuses")) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + count
    end
    wrapped_total = wrapped_total + t:get("wrapped")
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%s": %d', status, count)
  end
  io.write(string.format(
    'WRK {"requests": %d, "duration_s": %.3f, "errors": %d, "wrapped": %d, '
    .. '"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    wrapped_total, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, table.concat(parts, ", ")))
end
"""


def _load_wrk(
    url: str, bodies: list[bytes], concurrency: int, duration_s: int, threads: int
) -> dict[str, object]:
    """Closed loop with wrk: `concurrency` connections back to back for `duration_s`."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="sn-wrk-"))
    (folder / "events.txt").write_bytes(b"\n".join(bodies) + b"\n")
    (folder / "intake.lua").write_text(WRK_SCRIPT)
    completed = subprocess.run(  # noqa: S603 - fixed argv
        [
            wrk,
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{duration_s}s",
            "--timeout",
            "10s",
            "-s",
            str(folder / "intake.lua"),
            f"{url}/canvas/events/",
            "--",
            str(folder / "events.txt"),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("WRK "))
    return json.loads(line.removeprefix("WRK "))


def main() -> None:
    from bench.pipeline_common import JwksServer, gunicorn_start, percentile, production_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="open loop: events per second (0: closed loop)"
    )
    parser.add_argument("--client", choices=("python", "asyncio", "wrk"), default="python")
    parser.add_argument(
        "--duration", type=int, default=15, help="wrk: seconds of load (default 15)"
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk: threads (default 1)")
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="server LOG_LEVEL (default INFO, production's: one JSON line per request)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL, as in production")

    env = production_env({"LOG_LEVEL": args.log_level})
    _setup_django(env)
    jwks = JwksServer()
    uuid, course_id = _installation(jwks.url)
    run_id = int(time.time()) % 1000
    # wrk needs more events than it can send in --duration (each is sent once).
    count = 800 * args.duration if args.client == "wrk" else args.events
    bodies = _events(jwks, uuid, course_id, args.warmup + count, run_id)
    log = Path(tempfile.mkdtemp(prefix="sn-bench-")) / "gunicorn.log"
    web, url = gunicorn_start(env, workers=args.workers, threads=args.threads, log=log)
    try:
        _load(url, bodies[: args.warmup], args.concurrency)
        if args.client == "wrk":
            figures = _load_wrk(
                url, bodies[args.warmup :], args.concurrency, args.duration, args.wrk_threads
            )
        elif args.client == "asyncio":
            if not args.rate:
                raise SystemExit("--client asyncio is an open loop: give --rate")
            latencies, statuses, elapsed_s = _load_asyncio(
                url, bodies[args.warmup :], args.concurrency, args.rate
            )
        else:
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
    loop = f"open loop at {args.rate:g}/s" if args.rate else "closed loop"
    client = {
        "wrk": f"wrk, {args.wrk_threads} thread(s), {args.concurrency} connections, closed loop",
        "asyncio": f"asyncio, {args.concurrency} connections, {loop}",
        "python": f"{args.concurrency} Python threads, {loop}",
    }[args.client]
    print(
        f"server: gunicorn {args.workers} workers x {args.threads} threads (gthread), "
        f"SMARTNOTES_ENV=production, LOG_LEVEL={args.log_level}, "
        f"PostgreSQL + Redis broker; client: {client} on the same machine"
    )
    if args.client == "wrk":
        rate = figures["requests"] / figures["duration_s"]
        print(
            f"events: {figures['requests']} in {figures['duration_s']:.2f} s = {rate:.0f} events/s"
            f" (closed loop; {figures['errors']} socket errors)"
        )
        print(f"statuses: {figures['statuses']}; jobs stored: {stored} (incl. warm-up)")
        if figures["wrapped"]:
            print("warning: wrk ran out of distinct events; some were sent twice (duplicates)")
        print(
            f"latency ms: p50 {figures['p50']:.1f}  p95 {figures['p95']:.1f}  "
            f"p99 {figures['p99']:.1f}  max {figures['max']:.1f}"
        )
        return
    print(
        f"events: {len(latencies)} in {elapsed_s:.2f} s = {len(latencies) / elapsed_s:.0f} events/s"
    )
    print(f"statuses: {statuses}; jobs stored: {stored} (incl. {args.warmup} warm-up)")
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(latencies):.1f}")


if __name__ == "__main__":
    main()
