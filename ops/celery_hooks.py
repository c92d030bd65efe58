"""Celery signal handlers: request/job ids in logs, task metrics, heartbeats."""

import time

import structlog
from celery import signals

from ops import heartbeat
from ops.metrics import TASK_DURATION_S, TASKS_TOTAL

_started_at: dict[str, float] = {}


def _carry_request_id(headers: dict[str, object] | None = None, **_: object) -> None:
    # The web request's id travels in the message headers into the task's logs.
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


def _task_started(task_id: str, task: object, **_: object) -> None:
    request = getattr(task, "request", None)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        job_id=task_id,
        task=getattr(task, "name", "?"),
        request_id=getattr(request, "request_id", None) or f"task-{task_id}",
    )
    _started_at[task_id] = time.perf_counter()


def _task_finished(task_id: str, task: object, state: str | None = None, **_: object) -> None:
    name = getattr(task, "name", "?")
    started = _started_at.pop(task_id, None)
    if started is not None:
        TASK_DURATION_S.labels(task=name).observe(time.perf_counter() - started)
    TASKS_TOTAL.labels(task=name, outcome=(state or "unknown").lower()).inc()
    structlog.contextvars.clear_contextvars()


def _worker_init(
    sender: object = None, instance: object = None, options: dict | None = None, **_: object
) -> None:
    from celery.utils.text import str_to_list

    from smartnotes.celery import app

    # The worker has not applied -Q yet (consume_from is still empty): read the option,
    # so a heartbeat names the queues this worker really serves.
    queues = str_to_list((options or {}).get("queues") or []) or list(app.amqp.queues)
    heartbeat.identity_set(hostname=str(sender), queues=queues)


def _worker_process_init(**_: object) -> None:
    # A forked child: forget the parent's database pools, never reuse their sockets.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None
    try:
        from django.db.backends.postgresql.base import DatabaseWrapper

        DatabaseWrapper._connection_pools.clear()
    except ImportError:  # psycopg not installed: SQLite-only deployment.
        pass
    heartbeat.start()


def _worker_ready(sender: object = None, **_: object) -> None:
    # The threads pool runs tasks in this process and sends no worker_process_init
    # (the solo pool does): beat from here. `sender` is the worker's consumer.
    pool = getattr(sender, "pool", None)
    if type(pool).__module__ == "celery.concurrency.thread":
        heartbeat.start()


def _worker_shutdown(**_: object) -> None:
    heartbeat.stop()


def connect() -> None:
    signals.before_task_publish.connect(_carry_request_id, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)
    signals.celeryd_init.connect(_worker_init, weak=False)
    signals.worker_process_init.connect(_worker_process_init, weak=False)
    signals.worker_ready.connect(_worker_ready, weak=False)
    signals.worker_process_shutdown.connect(_worker_shutdown, weak=False)
    signals.worker_shutdown.connect(_worker_shutdown, weak=False)
