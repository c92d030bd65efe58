"""A worker's heartbeat names the queues it serves (-Q), so "is a realtime worker
alive" is answered by workers that really take realtime work."""

import pytest

from ops import celery_hooks, heartbeat


@pytest.fixture(autouse=True)
def _identity_restored():
    """This process is no worker: later tests must not write heartbeats from it."""
    before = dict(heartbeat._state)
    yield
    heartbeat._state.update(before)


def test_a_worker_started_with_q_reports_only_those_queues():
    celery_hooks._worker_init(sender="realtime@host", options={"queues": "realtime"})

    assert heartbeat._state["queues"] == "realtime"


def test_a_worker_without_q_reports_every_queue():
    from smartnotes.celery import QUEUE_NAMES

    celery_hooks._worker_init(sender="all@host", options={})

    assert heartbeat._state["queues"] == ",".join(sorted(QUEUE_NAMES))
