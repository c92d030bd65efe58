"""Worker heartbeats: each task-running process upserts its row on a timer."""

import contextlib
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from ops.models import WorkerHeartbeat

_state: dict[str, object] = {"hostname": "", "queues": "", "started_at": None}
_stop = threading.Event()


def identity_set(*, hostname: str, queues: list[str]) -> None:
    """Remember who this worker is; forked children inherit it."""
    _state["hostname"] = hostname
    _state["queues"] = ",".join(sorted(queues))


def beat(**model_fields: str) -> None:
    """Write this process's heartbeat now (and any model facts given)."""
    if not _state["hostname"]:
        return
    now = timezone.now()
    if _state["started_at"] is None:
        _state["started_at"] = now
    defaults: dict[str, object] = {
        "queues": _state["queues"],
        "started_at": _state["started_at"],
        "last_seen_at": now,
        **model_fields,
    }
    WorkerHeartbeat.objects.update_or_create(
        hostname=_state["hostname"], pid=os.getpid(), defaults=defaults
    )


def _loop() -> None:
    interval_s = settings.WORKER_HEARTBEAT_INTERVAL_S
    while not _stop.is_set():
        try:
            close_old_connections()
            beat()
        except DatabaseError:
            # The database is down: readiness reports it; keep trying.
            pass
        finally:
            connection.close()
        _stop.wait(interval_s)


def start() -> None:
    _stop.clear()
    _state["started_at"] = None
    threading.Thread(target=_loop, name="smartnotes-heartbeat", daemon=True).start()


def stop() -> None:
    _stop.set()
    if _state["hostname"]:
        # The row goes stale by itself if the database is down now.
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(hostname=_state["hostname"], pid=os.getpid()).delete()


def fresh_heartbeats() -> list[WorkerHeartbeat]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_S)
    return list(WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).order_by("hostname"))
