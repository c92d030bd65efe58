"""Other intake and publishing paths for the same jobs (asset_processor uses these).

A job is one attempt, whichever path created it; only how its text is read and
how its result is published differ. Register from an AppConfig.ready():

- ``text_source_register(fn)``: ``fn(job) -> (text, notes) | None``; None means "not
  mine", so the Canvas REST fetch runs. Raise CanvasError subclasses like that fetch.
- ``publisher_register(fn)``: ``fn(job) -> bool`` runs in the posting step before the
  comment; True means it finished the job (set DONE), False lets the comment step run.
- ``correction_publisher_register(fn)``: ``fn(job)`` after an instructor's override of a
  published job, to publish the corrected result again (e.g. re-send an Asset Report).
- ``failure_listener_register(fn)``: ``fn(job_id=, code=, message=)`` after a job is
  marked FAILED (e.g. to report the failure to the platform); it must not raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canvas_pipeline.models import SubmissionJob

TextSource = Callable[["SubmissionJob"], "tuple[str, list[str]] | None"]
Publisher = Callable[["SubmissionJob"], bool]
_text_sources: list[TextSource] = []
_publishers: list[Publisher] = []
FailureListener = Callable[..., None]
_failure_listeners: list[FailureListener] = []
CorrectionPublisher = Callable[["SubmissionJob"], None]
_correction_publishers: list[CorrectionPublisher] = []


def text_source_register(source: TextSource) -> TextSource:
    if source not in _text_sources:
        _text_sources.append(source)
    return source


def publisher_register(publisher: Publisher) -> Publisher:
    if publisher not in _publishers:
        _publishers.append(publisher)
    return publisher


def attempt_text_from_extensions(job: SubmissionJob) -> tuple[str, list[str]] | None:
    for source in _text_sources:
        found = source(job)
        if found is not None:
            return found
    return None


def publish_with_extensions(job: SubmissionJob) -> bool:
    return any(publisher(job) for publisher in _publishers)


def failure_listener_register(listener: FailureListener) -> FailureListener:
    if listener not in _failure_listeners:
        _failure_listeners.append(listener)
    return listener


def failure_notify(*, job_id: int, code: str, message: str) -> None:
    for listener in _failure_listeners:
        listener(job_id=job_id, code=code, message=message)


def correction_publisher_register(publisher: CorrectionPublisher) -> CorrectionPublisher:
    if publisher not in _correction_publishers:
        _correction_publishers.append(publisher)
    return publisher


def corrections_publish_with_extensions(job: SubmissionJob) -> None:
    for publisher in _correction_publishers:
        publisher(job)
