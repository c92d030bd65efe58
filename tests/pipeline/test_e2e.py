"""The whole pipeline on real processes: HTTP intake -> Redis -> Celery worker ->
local Canvas. Each test ends with exactly one comment per attempt."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from canvas_pipeline.models import SubmissionJob
from tests.conftest import REPO, wait_until, worker_start, worker_stop
from tests.factories import ESSAY_TEXT
from tests.pipeline.conftest import ASSIGNMENT, COURSE, STUDENT
from verification.models import VerificationRun

pytestmark = [pytest.mark.e2e]
State = SubmissionJob.State


@pytest.fixture
def worker_env(worker_env, nli_model_dir, redis_url):
    worker_env["SMARTNOTES_NLI_MODEL"] = str(nli_model_dir)
    worker_env["SMARTNOTES_NLI_DEVICE"] = "cpu"
    return worker_env


@pytest.fixture
def setup(course, text_submission, fake_canvas):
    return course


def post_event(url: str, body: bytes) -> int:
    return requests.post(f"{url}/canvas/events/", data=body, timeout=30).status_code


def wait_done(job_filter: dict, *, count: int = 1, timeout_s: float = 120) -> list[SubmissionJob]:
    def finished():
        jobs = list(SubmissionJob.objects.filter(**job_filter))
        if len(jobs) == count and all(j.is_finished or j.state == State.HELD for j in jobs):
            return jobs
        return None

    return wait_until(finished, timeout_s=timeout_s, what=f"{count} job(s) to finish")


def test_an_event_in_gives_one_comment_out(
    setup, live_server, signed_event, fake_canvas, celery_worker
):
    assert post_event(live_server.url, signed_event()) == 202

    (job,) = wait_done({})

    assert job.state == State.DONE, job.error_message
    (comment,) = fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)
    assert comment["attempt"] == 1
    assert comment["comment"].startswith("Smart Notes checked")


def test_the_same_event_ten_times_at_once_gives_one_comment(
    setup, live_server, signed_event, fake_canvas, celery_worker
):
    body = signed_event()
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: post_event(live_server.url, body), range(10)))

    assert statuses == [202] * 10
    (job,) = wait_done({})
    assert job.state == State.DONE, job.error_message
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1
    assert len(fake_canvas.recorded("PUT")) == 1


def test_a_worker_killed_mid_verification_is_replaced_and_posts_once(
    setup, live_server, signed_event, fake_canvas, celery_worker, worker_env, tmp_path
):
    from canvas_pipeline.services.maintenance import jobs_requeue_stale

    assert post_event(live_server.url, signed_event()) == 202

    def verifying():
        job = SubmissionJob.objects.select_related("run").first()
        return job if job and job.state == State.VERIFYING and job.run.status == "running" else None

    job = wait_until(verifying, timeout_s=90, what="the worker to start verifying")
    worker_stop(celery_worker, kill=True)
    # Time passes: the dead worker's run lease lapses (only a live worker renews it).
    VerificationRun.objects.filter(pk=job.run_id).update(lease_expires_at=job.received_at)
    replacement = worker_start(worker_env, tmp_path / "replacement.log", name="replacement")
    try:
        assert jobs_requeue_stale() == 1  # what beat runs every minute
        (done,) = wait_done({})
    finally:
        worker_stop(replacement)

    assert done.state == State.DONE, done.error_message
    assert VerificationRun.objects.get(pk=done.run_id).attempts == 2
    assert len(fake_canvas.comments(COURSE, ASSIGNMENT, STUDENT)) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_start(port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--bind",
            "127.0.0.1",
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )

    def up() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(up, timeout_s=10, what="the private redis-server")
    return process


def _sweep(env: dict[str, str]) -> None:
    """One sweeper pass in a process that uses the private broker (what beat would run)."""
    code = (
        "import django; django.setup();"
        "from canvas_pipeline.services.maintenance import jobs_requeue_stale;"
        "jobs_requeue_stale(received_older_than_s=2)"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
    )


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_no_event_is_lost_when_redis_restarts_mid_burst(
    course, fake_canvas, events_key, worker_env, tmp_path, redis_url
):
    from tests.pipeline.conftest import event_payload, global_id, sign

    port = _free_port()
    private = f"redis://127.0.0.1:{port}/0"
    env = {
        **worker_env,
        "REDIS_URL": private,
        "CELERY_BROKER_URL": private,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    redis = _redis_start(port, tmp_path / "redis.log")
    web_port = _free_port()
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "smartnotes.wsgi",
            "-b",
            f"127.0.0.1:{web_port}",
            "-w",
            "2",
            "--timeout",
            "30",
        ],
        cwd=REPO,
        env=env,
        stdout=(tmp_path / "web.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = worker_start(env, tmp_path / "worker.log", name="burst")
    url = f"http://127.0.0.1:{web_port}"
    students = list(range(1000, 1018))
    for student in students:
        fake_canvas.add_submission(
            course_id=COURSE,
            assignment_id=ASSIGNMENT,
            user_id=student,
            submission_id=student + 5000,
            attempts=[{"submission_type": "online_text_entry", "body": f"<p>{ESSAY_TEXT}</p>"}],
        )

    def send(student: int) -> int:
        body = sign(
            event_payload(submission_id=global_id(student + 5000), user_id=global_id(student)),
            events_key,
        )
        return post_event(url, body)

    try:
        wait_until(lambda: _up(url), timeout_s=30, what="gunicorn")
        statuses = [send(s) for s in students[:6]]
        redis.terminate()
        redis.wait(timeout=10)
        statuses += [send(s) for s in students[6:12]]  # broker down: persisted, not sent
        redis = _redis_start(port, tmp_path / "redis.log")  # restarted empty
        statuses += [send(s) for s in students[12:]]

        web_log = (tmp_path / "web.log").read_text(errors="replace")[-3000:]
        assert statuses == [202] * len(students), web_log

        def all_done():
            if SubmissionJob.objects.exclude(state=State.DONE).exists():
                _sweep(env)
                return False
            return SubmissionJob.objects.count() == len(students)

        wait_until(all_done, timeout_s=150, what="every job of the burst to finish")
    finally:
        for process in (web, worker):
            worker_stop(process)
        redis.terminate()
        redis.wait(timeout=10)

    for student in students:
        assert len(fake_canvas.comments(COURSE, ASSIGNMENT, student)) == 1, student


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/health/", timeout=1).status_code == 200
    except requests.RequestException:
        return False
