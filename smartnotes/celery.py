"""Celery app: queues, routes and reliability settings.

Queues, by priority (docs/decisions/0003-celery-topology.md):
- realtime     high: instructor single-claim checks and student draft checks. Only the
               realtime worker (`make worker-realtime`) consumes it, so a person waiting
               never queues behind a burst of submissions.
- submissions  normal, the default: fetching, posting, bookkeeping
- gpu          normal: submission inference; GPU workers consume it, CPU workers too
- analytics    low: aggregate recomputes after a report is finished
- demo         the public demo's runs, with their own time limits; only a demo worker
               (`make worker-demo`, `-Q demo -c 1`) consumes it, so the demo can never
               delay Canvas work (`make run` serves every queue on one dev worker)
"""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartnotes.settings")

app = Celery("smartnotes")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUE_NAMES = ("realtime", "submissions", "gpu", "analytics", "demo")


# Static topology lives here; values that vary by deployment (broker URL,
# transport options, time limits) come from settings.CELERY_*.
app.conf.update(
    broker_connection_retry_on_startup=True,
    task_queues=[Queue(name, routing_key=name) for name in QUEUE_NAMES],
    task_default_queue="submissions",
    task_default_routing_key="submissions",
    task_routes={
        "verification.run_execute": {"queue": "gpu"},
        "verification.claim_check": {"queue": "realtime"},
        # Nightly housekeeping is nobody's wait: not on the realtime queue.
        "drafts.prune": {"queue": "submissions"},
        "drafts.*": {"queue": "realtime"},
        "canvas_pipeline.job_verify": {"queue": "gpu"},
        "canvas_pipeline.*": {"queue": "submissions"},
        "asset_processor.*": {"queue": "submissions"},
        "analytics.*": {"queue": "analytics"},
    },
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    # Redelivery after a crash is safe because every task claims its row first.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    beat_schedule={
        "verification-runs-requeue-stale": {
            "task": "verification.runs_requeue_stale",
            "schedule": 60.0,
            "options": {"queue": "submissions", "expires": 55},
        },
        "canvas-pipeline-jobs-requeue-stale": {
            "task": "canvas_pipeline.jobs_requeue_stale",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # Nightly: attempts whose Live Event never arrived (docs/canvas-setup.md).
        "canvas-pipeline-reconcile": {
            "task": "canvas_pipeline.reconcile",
            "schedule": crontab(hour=3, minute=17),
            "options": {"expires": 3600},
        },
        # Nightly: drafts past their course's retention (docs/drafts.md).
        "drafts-prune": {
            "task": "drafts.prune",
            "schedule": crontab(hour=4, minute=7),
            "options": {"expires": 3600},
        },
        # Nightly: stored events past CANVAS_EVENT_RETENTION_DAYS.
        "canvas-pipeline-events-prune": {
            "task": "canvas_pipeline.events_prune",
            "schedule": crontab(hour=3, minute=47),
            "options": {"expires": 3600},
        },
    },
)
app.autodiscover_tasks()
