"""Shared fixtures. Real services when configured: DATABASE_URL (PostgreSQL)
and REDIS_URL. In CI they must be configured; elsewhere a test that needs one
is skipped with the reason."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


# Tests that drive real worker processes or a real browser on a shared 2-core
# machine get one more try; a rerun is reported ("R" and "rerun" in the summary),
# and a second failure fails the run.
RERUN_MARKERS = ("e2e", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(name) for name in RERUN_MARKERS):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print why each rerun test failed its first try: a rerun that passes is
    otherwise just an "R" in the log, and a flaky test cannot be fixed blind."""
    for report in terminalreporter.stats.get("rerun", []):
        terminalreporter.write_sep("-", f"first try of {report.nodeid} failed")
        terminalreporter.write_line(report.longreprtext[-4000:])


def _require_service(variable: str, what: str) -> str:
    value = os.environ.get(variable, "")
    if value:
        return value
    message = f"{variable} is not set: this test needs a real {what}"
    if os.environ.get("SMARTNOTES_CI_PASS") == "embedded":
        pytest.skip(message + "; CI runs it in its PostgreSQL + Redis pass")
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must run it; .ci/run sets it)")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    return _require_service("REDIS_URL", "Redis")


@pytest.fixture
def postgres_url() -> str:
    return _require_service("DATABASE_URL", "PostgreSQL")


def wait_until(predicate: Callable[[], object], *, timeout_s: float, what: str) -> object:
    """Poll until predicate() is truthy; fail with `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def _test_database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def worker_env(transactional_db: None) -> dict[str, str]:
    """Environment for a subprocess that must see the test database and broker."""
    env = dict(os.environ)
    env["DATABASE_URL"] = _test_database_url()
    env["SMARTNOTES_LOG_FORMAT"] = "json"
    env["WORKER_HEARTBEAT_INTERVAL_S"] = "1"
    return env


ALL_QUEUES = "realtime,submissions,gpu,analytics,demo"


def worker_start(
    env: dict[str, str],
    log_path: Path,
    name: str = "test",
    *,
    queues: str = ALL_QUEUES,
    pool: tuple[str, ...] = ("-c", "1"),
) -> subprocess.Popen[bytes]:
    """A real Celery worker (prefork, one child unless `pool` says otherwise) on
    `queues` (every queue by default), in its own process group."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "smartnotes",
                "worker",
                "-Q",
                queues,
                *pool,
                "--hostname",
                f"{name}-{os.getpid()}@%h",
                "--loglevel",
                "INFO",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def worker_stop(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """Stop the worker and its children; kill=True is SIGKILL to the whole group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def worker_paused_mid_run(
    process: subprocess.Popen[bytes], run_id: int, *, timeout_s: float = 180.0
) -> Iterator[int]:
    """Freeze the worker (SIGSTOP to its process group) as soon as run `run_id` has
    stored its first wave of claims, and resume it (SIGCONT) when the block ends; yields
    how many claims were stored. A run on a small essay finishes within a second of its
    model loading, faster than a page polls, so this is how a test sees it half-way."""
    from verification.models import ClaimResult, VerificationRun

    deadline = time.monotonic() + timeout_s
    while not ClaimResult.objects.filter(run_id=run_id).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"run {run_id} stored no claims within {timeout_s} s")
        time.sleep(0.002)
    os.killpg(process.pid, signal.SIGSTOP)
    try:
        run = VerificationRun.objects.get(pk=run_id)
        if run.status != VerificationRun.Status.RUNNING:
            pytest.fail(f"run {run_id} was already {run.status} when its worker was paused")
        yield ClaimResult.objects.filter(run_id=run_id).count()
    finally:
        os.killpg(process.pid, signal.SIGCONT)


@pytest.fixture
def celery_worker(worker_env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    from smartnotes.celery import app

    app.control.purge()  # messages left by earlier tests must not reach this worker
    process = worker_start(worker_env, tmp_path / "worker.log")
    yield process
    worker_stop(process)


SHIPPED_MODEL = REPO / "models" / "smartnotes-nli-minilm-l6"


@pytest.fixture(scope="session")
def nli_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped NLI model; a tiny random one (real loading code) until it exists."""
    if (SHIPPED_MODEL / "config.json").is_file():
        return SHIPPED_MODEL
    from tests.engine.conftest import _build_model_dir

    return _build_model_dir(
        tmp_path_factory.mktemp("tiny-nli"), {0: "entailment", 1: "neutral", 2: "contradiction"}
    )


@pytest.fixture
def verifier_settings(settings, nli_model_dir: Path) -> Iterator[None]:
    """Point the app at the test model and drop any process-cached verifier."""
    from verification.runtime import verifier_get

    settings.SMARTNOTES_NLI_MODEL = str(nli_model_dir)
    settings.SMARTNOTES_NLI_DEVICE = "cpu"
    verifier_get.cache_clear()
    yield
    verifier_get.cache_clear()
