import pytest

from tests.conftest import wait_until

pytestmark = [pytest.mark.e2e]


def _workers_component(client):
    return client.get("/health/ready/").json()["components"]["workers"]


def test_readiness_reports_a_live_worker_and_its_queues(client, celery_worker):
    workers = wait_until(
        lambda: (w := _workers_component(client))["status"] == "ok" and w,
        timeout_s=60,
        what="the worker's heartbeat in /health/ready/",
    )

    assert {"realtime", "submissions", "gpu", "analytics"} <= set(workers["data"]["queues"])
    assert workers["data"]["processes"] >= 1


def test_a_stopped_worker_drops_out_of_readiness(client, celery_worker, settings):
    settings.WORKER_HEARTBEAT_STALE_S = 3
    wait_until(lambda: _workers_component(client)["status"] == "ok", timeout_s=60, what="worker up")

    celery_worker.terminate()
    celery_worker.wait(timeout=30)

    wait_until(
        lambda: _workers_component(client)["status"] == "degraded",
        timeout_s=30,
        what="the stopped worker to leave /health/ready/",
    )
