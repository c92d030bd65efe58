"""/metrics rendering: this process (or every process, in multiprocess mode)
plus broker queue depth collected at scrape time."""

import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import REGISTRY, Collector


class QueueDepthCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        from ops.health import broker_queue_depths

        gauge = GaugeMetricFamily(
            "smartnotes_queue_depth", "Messages waiting in each Celery queue", labels=["queue"]
        )
        try:
            for name, depth in broker_queue_depths().items():
                gauge.add_metric([name], depth)
        except Exception:  # noqa: S110 - broker down: readiness reports it
            pass
        yield gauge


def render_metrics() -> tuple[bytes, str]:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_queue_registry())
    return body, CONTENT_TYPE_LATEST


def _queue_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(QueueDepthCollector())
    return registry
