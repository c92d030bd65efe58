"""Prometheus metrics shared by the web and worker processes.

With PROMETHEUS_MULTIPROC_DIR set (make run, docker-compose) every process
writes its samples there and /metrics aggregates them; otherwise /metrics
shows this process only.
"""

from prometheus_client import Counter, Histogram

REQUEST_LATENCY_S = Histogram(
    "smartnotes_http_request_duration_seconds",
    "Web request latency",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS_TOTAL = Counter(
    "smartnotes_celery_tasks_total", "Celery tasks finished, by outcome", ["task", "outcome"]
)
TASK_DURATION_S = Histogram(
    "smartnotes_celery_task_duration_seconds",
    "Celery task run time",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
CLAIM_CACHE_TOTAL = Counter(
    "smartnotes_claim_cache_total", "Claim result cache lookups", ["result"]
)
GPU_FALLBACKS_TOTAL = Counter(
    "smartnotes_nli_gpu_fallbacks_total", "NLI batches that fell back from GPU to CPU"
)
