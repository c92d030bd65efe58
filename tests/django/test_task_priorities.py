"""Priorities are queues: realtime (single-claim and draft checks) high, submissions
normal, analytics low. Each task lands where its priority says."""

import pytest

from smartnotes.celery import app


def _queue(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("verification.claim_check", "realtime"),
        ("drafts.run_execute", "realtime"),
        ("drafts.prune", "submissions"),
        ("canvas_pipeline.job_process", "submissions"),
        ("canvas_pipeline.job_post", "submissions"),
        ("canvas_pipeline.job_verify", "gpu"),
        ("verification.run_execute", "gpu"),
        ("analytics.run_counts_sync", "analytics"),
    ],
)
def test_each_task_goes_to_the_queue_of_its_priority(task_name, queue):
    assert _queue(task_name) == queue


def test_expired_drafts_are_pruned_every_night():
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "drafts.prune"]
    assert len(entries) == 1
    assert _queue(entries[0]["task"]) == "submissions"
