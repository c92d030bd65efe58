"""`make run`: the web server and two Celery workers on the embedded default: one for
submissions, inference, analytics and the demo, and the realtime worker for
single-claim and draft checks (docs/decisions/0003-celery-topology.md).

Logs from all three go to this console; Ctrl-C stops them. Prints the demo URL once
/health/ready/ reports a live worker.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 180
BATCH_QUEUES = "submissions,gpu,analytics,demo"
BATCH_NICE = 10


def _celery(python: str, hostname: str, queues: str) -> list[str]:
    return [
        python, "-m", "celery", "-A", "smartnotes", "worker",
        "--hostname", hostname, "--queues", queues, "--loglevel", "INFO",
    ]  # fmt: skip


def _lower_priority() -> None:
    os.nice(BATCH_NICE)


def _environment(port: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "1")
    env.setdefault("SMARTNOTES_LOG_FORMAT", "console")
    env.setdefault("PYTHONUNBUFFERED", "1")
    metrics_dir = Path(env.get("SMARTNOTES_VAR_DIR", BASE_DIR / "var")) / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    env["SMARTNOTES_PORT"] = port
    return env


def _wait_ready(url: str, deadline: float) -> dict[str, object] | None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local URL
                return json.load(response)
        except urllib.error.HTTPError as exc:
            body = json.load(exc)
            if body.get("components", {}).get("workers", {}).get("status") == "ok":
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    return None


def main() -> int:
    started = time.monotonic()
    port = os.environ.get("PORT", "8000")
    env = _environment(port)
    python = sys.executable
    web = subprocess.Popen(  # noqa: S603 - fixed argv
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
    )
    beat_schedule = str(Path(env.get("SMARTNOTES_VAR_DIR", BASE_DIR / "var")) / "beat")
    # Submissions, inference, analytics and the demo, at a lower CPU priority, so a
    # burst of them never slows the realtime worker (docs/decisions/0003).
    worker = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            *_celery(python, "worker@%h", BATCH_QUEUES),
            "--beat",
            "--pool",
            "solo",
            "--schedule",
            beat_schedule,
        ],
        cwd=BASE_DIR,
        env=env,
        preexec_fn=_lower_priority,  # safe: this launcher starts no threads
    )
    # Single-claim and draft checks: their own process, warm model and corpus index.
    realtime = subprocess.Popen(  # noqa: S603 - fixed argv
        [*_celery(python, "realtime@%h", "realtime"), "--pool", "threads", "--concurrency", "2"],
        cwd=BASE_DIR,
        env={**env, "SMARTNOTES_NLI_CPU_THREADS": "1"},
    )
    processes = [web, worker, realtime]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    base = f"http://127.0.0.1:{port}"
    ready = _wait_ready(f"{base}/health/ready/", time.monotonic() + READY_TIMEOUT_S)
    if ready is not None:
        print(
            f"\n  Smart Notes is ready ({time.monotonic() - started:.1f} s after start).\n"
            f"  Try it:  {base}/demo/\n  Health:  {base}/health/ready/\n  Ctrl-C stops.\n",
            flush=True,
        )
    while all(p.poll() is None for p in processes):
        time.sleep(0.5)
    stop()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
