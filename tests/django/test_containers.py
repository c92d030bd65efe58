"""No Docker engine runs here, so the compose file and Dockerfile are checked
against the settings they must agree with."""

import re

import pytest
import yaml

from smartnotes import settings as project_settings
from smartnotes.celery import QUEUE_NAMES
from tests.conftest import REPO

APP_SERVICES = ("web", "cpu-worker", "realtime-worker", "gpu-worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _queues(command: str) -> set[str]:
    match = re.search(r"-Q\s+(\S+)", command)
    return set(match.group(1).split(",")) if match else set()


def test_compose_has_the_production_topology(compose):
    assert set(compose["services"]) >= {*APP_SERVICES, "postgres", "redis"}
    for name in ("web", "cpu-worker", "realtime-worker", "gpu-worker", "postgres", "redis"):
        assert "healthcheck" in compose["services"][name], name


def test_every_app_service_gets_the_required_production_variables(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["SMARTNOTES_ENV"] == "production"
        missing = [v for v in project_settings._REQUIRED_IN_PRODUCTION if v not in env]
        assert not missing, f"{name} lacks {missing}"


def test_workers_consume_every_declared_queue_and_gpu_worker_only_gpu(compose):
    cpu = _queues(compose["services"]["cpu-worker"]["command"])
    realtime = _queues(compose["services"]["realtime-worker"]["command"])
    gpu = _queues(compose["services"]["gpu-worker"]["command"])
    demo = _queues(compose["services"]["demo-worker"]["command"])

    assert cpu | realtime | gpu | demo == set(QUEUE_NAMES)
    assert "gpu" in cpu, "CPU workers must take gpu work as fallback"
    assert gpu == {"gpu"}
    assert demo == {"demo"}, "the public demo never runs on Canvas's workers"
    assert "demo" not in cpu


def test_only_the_realtime_worker_takes_realtime_work_and_it_outweighs_batch_work(compose):
    """A single-claim or draft check never waits behind a submission task, and a
    burst of submissions gets a quarter of the CPU weight of the realtime worker."""
    services = compose["services"]
    consumers = [
        name for name, s in services.items() if "realtime" in _queues(s.get("command", ""))
    ]

    assert consumers == ["realtime-worker"]
    assert _queues(services["realtime-worker"]["command"]) == {"realtime"}
    assert services["realtime-worker"]["cpu_shares"] > services["cpu-worker"]["cpu_shares"]


def test_gpu_worker_reserves_a_gpu_and_uses_the_cuda_target(compose):
    service = compose["services"]["gpu-worker"]
    devices = service["deploy"]["resources"]["reservations"]["devices"]

    assert any("gpu" in d["capabilities"] for d in devices)
    assert service["build"]["target"] == "gpu-worker"


def test_dockerfile_targets_exist_and_run_as_non_root():
    dockerfile = (REPO / "Dockerfile").read_text()

    for target in ("app", "gpu-worker"):
        assert re.search(rf"^FROM .* AS {target}$", dockerfile, re.M), target
    assert dockerfile.count("USER app") >= 2
