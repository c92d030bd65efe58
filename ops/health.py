"""Readiness checks. Each check returns a ComponentStatus and never raises;
all run in parallel under one deadline so a dead dependency cannot hang
/health/ready/."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection

Status = Literal["ok", "degraded", "down"]
CHECK_DEADLINE_S = 3.0
REQUIRED_QUEUES = ("realtime", "submissions", "gpu", "analytics")
"""Queues some live worker must consume: without one, drafts and single-claim checks
(realtime), submissions or verdict counts (analytics) wait for ever. `demo` is optional:
its worker runs only with the demo profile."""


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    name: str
    status: Status
    detail: str
    data: dict[str, object] = field(default_factory=dict)


def _database() -> ComponentStatus:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return ComponentStatus("database", "ok", connection.vendor)
    except Exception as exc:
        return ComponentStatus("database", "down", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()


def _cache() -> ComponentStatus:
    backend = type(caches["default"]).__name__
    try:
        cache.set("ops:health:probe", "1", 30)
        if cache.get("ops:health:probe") != "1":
            return ComponentStatus("cache", "degraded", f"{backend}: value not read back")
        return ComponentStatus("cache", "ok", backend)
    except Exception as exc:
        return ComponentStatus("cache", "degraded", f"{backend}: {type(exc).__name__}: {exc}"[:300])


def broker_queue_depths() -> dict[str, int]:
    """Messages waiting per queue, asked of the broker; raises if it is unreachable."""
    from smartnotes.celery import QUEUE_NAMES, app

    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        channel = conn.default_channel
        depths = {}
        for name in QUEUE_NAMES:
            try:
                depths[name] = int(channel.queue_declare(queue=name, passive=True).message_count)
            except Exception:  # a queue never declared yet holds nothing
                depths[name] = 0
        return depths


def _broker() -> ComponentStatus:
    from smartnotes.celery import app

    try:
        depths = broker_queue_depths()
    except Exception as exc:  # kombu surfaces transport-specific errors
        return ComponentStatus("broker", "degraded", f"{type(exc).__name__}: {exc}"[:300])
    transport = app.conf.broker_url.split("://", 1)[0] or "unknown"
    return ComponentStatus("broker", "ok", transport, {"queue_depth": depths})


def _workers() -> ComponentStatus:
    from ops.heartbeat import fresh_heartbeats

    try:
        beats = fresh_heartbeats()
    except Exception as exc:
        return ComponentStatus("workers", "degraded", f"heartbeats unreadable: {exc}"[:300])
    finally:
        connection.close()
    if not beats:
        return ComponentStatus(
            "workers",
            "degraded",
            f"no Celery worker heartbeat in the last {settings.WORKER_HEARTBEAT_STALE_S} s",
        )
    queues = sorted({q for b in beats for q in b.queues.split(",") if q})
    hosts = sorted({b.hostname for b in beats})
    data: dict[str, object] = {"hosts": hosts, "processes": len(beats), "queues": queues}
    missing = [q for q in REQUIRED_QUEUES if q not in queues]
    if missing:
        return ComponentStatus("workers", "degraded", f"no worker consumes {missing}", data)
    return ComponentStatus("workers", "ok", f"{len(hosts)} worker host(s)", data)


def _model() -> ComponentStatus:
    """Which model the workers loaded and on which device; else whether one is there to load."""
    from ops.heartbeat import fresh_heartbeats

    try:
        loaded = [
            {"host": b.hostname, "pid": b.pid, "device": b.model_device, "version": b.model_version}
            for b in fresh_heartbeats()
            if b.model_device
        ]
    except Exception:
        loaded = []
    finally:
        connection.close()
    if loaded:
        devices = sorted({m["device"] for m in loaded})
        return ComponentStatus("model", "ok", f"loaded on {', '.join(devices)}", {"loaded": loaded})
    path = Path(settings.SMARTNOTES_NLI_MODEL)
    if path.is_absolute() and not (path / "config.json").is_file():
        return ComponentStatus(
            "model",
            "degraded",
            f"no NLI model at {path}: set SMARTNOTES_NLI_MODEL to a model directory",
        )
    return ComponentStatus(
        "model", "ok", f"{path.name}: not loaded yet, loads on the first task", {"loaded": []}
    )


CHECKS = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "workers": _workers,
    "model": _model,
}


def readiness() -> tuple[Status, list[ComponentStatus]]:
    """Run every check in parallel; a check past the deadline counts as failed."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="health")
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    results = []
    for name, future in futures.items():
        try:
            results.append(future.result(timeout=CHECK_DEADLINE_S))
        except FutureTimeout:
            status: Status = "down" if name == "database" else "degraded"
            results.append(ComponentStatus(name, status, f"no answer within {CHECK_DEADLINE_S} s"))
    pool.shutdown(wait=False, cancel_futures=True)
    return _overall(results), results


def _overall(results: list[ComponentStatus]) -> Status:
    if any(r.status == "down" for r in results):
        return "down"
    if any(r.status != "ok" for r in results):
        return "degraded"
    return "ok"


def as_json(overall: Status, results: list[ComponentStatus]) -> dict[str, object]:
    return {"status": overall, "components": {r.name: asdict(r) for r in results}}
