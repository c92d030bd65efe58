import time

import pytest
from django.test import override_settings

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def test_liveness_answers_without_touching_dependencies(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_names_every_component(client):
    body = client.get("/health/ready/").json()

    assert set(body["components"]) == {"database", "cache", "broker", "workers", "model"}
    assert body["components"]["database"]["status"] == "ok"
    assert body["status"] in {"ok", "degraded", "down"}


@pytest.mark.django_db
def test_readiness_without_workers_is_degraded_with_503(client):
    response = client.get("/health/ready/")

    assert response.status_code == 503
    workers = response.json()["components"]["workers"]
    assert workers["status"] == "degraded"
    assert "no Celery worker heartbeat" in workers["detail"]


def _heartbeat(hostname: str, queues: str) -> None:
    from django.utils import timezone

    from ops.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.create(
        hostname=hostname, pid=1, queues=queues, started_at=now, last_seen_at=now
    )


@pytest.mark.django_db(transaction=True)  # the checks read from their own threads
def test_readiness_is_degraded_until_a_worker_takes_realtime_work(client):
    _heartbeat("cpu@host", "analytics,gpu,submissions")

    workers = client.get("/health/ready/").json()["components"]["workers"]
    assert workers["status"] == "degraded"
    assert workers["detail"] == "no worker consumes ['realtime']"

    _heartbeat("realtime@host", "realtime")

    workers = client.get("/health/ready/").json()["components"]["workers"]
    assert workers["status"] == "ok"
    assert workers["data"]["hosts"] == ["cpu@host", "realtime@host"]


@pytest.mark.django_db
def test_readiness_with_redis_stopped_is_degraded_quickly_not_500(client, settings):
    from smartnotes.celery import app

    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    original_broker = app.conf.broker_url
    app.conf.broker_url = DEAD_REDIS
    try:
        with override_settings(CACHES=caches):
            started = time.monotonic()
            response = client.get("/health/ready/")
            elapsed_s = time.monotonic() - started
    finally:
        app.conf.broker_url = original_broker

    body = response.json()
    assert response.status_code == 503
    assert body["status"] in {"degraded", "down"}
    assert body["components"]["cache"]["status"] != "ok"
    assert body["components"]["broker"]["status"] != "ok"
    assert elapsed_s < 5


def test_metrics_are_prometheus_text(client):
    client.get("/health/")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "smartnotes_http_request_duration_seconds" in text
    assert "smartnotes_queue_depth" in text


def test_responses_carry_request_id_and_frame_ancestors(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    assert response["Content-Security-Policy"] == "frame-ancestors 'none'"  # not an LTI page
    assert "X-Frame-Options" not in response


def test_request_log_lines_leave_url_secrets_out(client):
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        client.get("/canvas/events/s3cret-path-token/")
        client.get("/demo/")

    paths = [entry["path"] for entry in logs if entry["event"] == "http.request"]
    assert paths == ["/canvas/events/<str:secret_token>/", "/demo/"]
