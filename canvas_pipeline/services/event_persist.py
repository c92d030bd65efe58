"""Live Events intake, second half: persist an accepted event and its attempt's job.

One row per attempt (unique constraints), the event row with an idempotency key so
Canvas's retries collapse onto it, and the job's first step enqueued on commit. New
attempts insert without looking first (on PostgreSQL as one statement).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from canvas_pipeline.ids import canvas_id_local, canvas_id_relative, canvas_id_shard
from canvas_pipeline.models import (
    CanvasAssignment,
    CanvasCourse,
    CanvasInstallation,
    LiveEvent,
    SubmissionJob,
)
from canvas_pipeline.services.event_result import IntakeResult, intake_result
from canvas_pipeline.services.event_verify import event_time
from canvas_pipeline.services.jobs import job_enqueue
from canvas_pipeline.services.row_insert import row_columns, row_params

logger = structlog.get_logger("canvas_pipeline.services.intake")

CHECKED_TYPES = frozenset({"online_text_entry", "online_upload"})


def event_persist(
    installation: CanvasInstallation,
    payload: dict[str, Any],
    metadata: dict[str, Any],
    data: dict[str, Any],
    *,
    is_signed: bool,
) -> IntakeResult:
    """The job (if new) and the event row, committed together.

    New attempts are the common case: they insert without looking first, on
    PostgreSQL as one statement (_persist_new_attempt). A concurrent delivery of
    the same attempt can win the job insert; the unique constraint then sends this
    event down the transactional path, which finds the winner's job."""
    plan = _plan(installation, metadata, data)
    if isinstance(plan, IntakeResult):
        return plan
    event = _event_row(installation, payload, metadata, plan, is_signed=is_signed)
    one_statement = connection.vendor == "postgresql"
    if one_statement:
        job = _persist_new_attempt(plan, event)
        if job is not None:
            job_id, state = job
            if state == SubmissionJob.State.RECEIVED:
                job_enqueue(job_id, step="process")
            return intake_result("accepted", plan.event_name, 202, job_id)
    for attempt in range(3):
        try:
            with transaction.atomic():
                # After the one-statement insert, the attempt's job is known to exist.
                return _persist_once(plan, event, look_first=attempt > 0 or one_statement)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Plan:
    """What an accepted event will write: its attempt's key and a new job's fields."""

    event_name: str
    unique: dict[str, Any]
    lti_ids: dict[str, str]
    job_fields: dict[str, Any]


def _plan(
    installation: CanvasInstallation, metadata: dict[str, Any], data: dict[str, Any]
) -> _Plan | IntakeResult:
    course_local = canvas_id_local(metadata["context_id"])
    assignment_local = canvas_id_local(data["assignment_id"])
    lti_ids = {
        "lti_assignment_id": str(data.get("lti_assignment_id") or ""),
        "lti_user_id": str(data.get("lti_user_id") or ""),
    }
    target = _target_get(installation, course_local, assignment_local, lti_ids)
    if target is None or not target.course_enabled:
        return intake_result("ignored", "course_not_enabled", 202)
    if not target.assignment_enabled:
        return intake_result("ignored", "assignment_not_enabled", 202)
    unique = {
        "installation": installation,
        "canvas_submission_id": canvas_id_local(data["submission_id"]),
        "attempt": int(data["attempt"]),
    }
    job_fields = _job_fields(
        course_id=target.course_id,
        assignment_id=target.assignment_id,
        canvas_user_id=canvas_id_relative(
            data["user_id"], shard=canvas_id_shard(metadata["context_id"])
        ),
        submission_type=str(data.get("submission_type") or ""),
        source=SubmissionJob.Source.EVENT,
    )
    return _Plan(str(metadata["event_name"]), unique, lti_ids, job_fields)


def _event_row(
    installation: CanvasInstallation,
    payload: dict[str, Any],
    metadata: dict[str, Any],
    plan: _Plan,
    *,
    is_signed: bool,
) -> dict[str, Any]:
    submission_id, attempt = plan.unique["canvas_submission_id"], plan.unique["attempt"]
    return {
        "installation_id": installation.pk,
        "idempotency_key": f"{installation.pk}:{submission_id}:{attempt}:{plan.event_name}",
        "event_name": plan.event_name,
        "event_time": event_time(metadata),
        "is_signed": is_signed,
        "payload": _payload_kept(payload),
    }


def _payload_kept(payload: dict[str, Any]) -> dict[str, Any]:
    """The event as stored: everything but the essay itself.

    The job reads the submission through the REST API (the event's copy is cut
    at 8,192 characters anyway), so the event log need not hold a second copy of
    the student's writing; its length is kept instead."""
    data = payload.get("body")
    if not isinstance(data, dict) or "body" not in data:
        return payload
    essay = data["body"]
    kept = {k: v for k, v in data.items() if k != "body"}
    kept["body_chars"] = len(essay) if isinstance(essay, str) else 0
    return {**payload, "body": kept}


def _persist_new_attempt(plan: _Plan, event: dict[str, Any]) -> tuple[int, str] | None:
    """(job id, state) for a new attempt, its job and event written by one statement
    in one round trip; None, writing nothing, when the attempt already has a job.

    The ORM would take four round trips (BEGIN, two INSERTs, COMMIT) and about
    twice the CPU; a single statement is atomic on its own."""
    db = connections[DEFAULT_DB_ALIAS]
    job = {**plan.unique, **plan.lti_ids, **plan.job_fields}
    params = [
        *row_params(SubmissionJob, job, db),
        *row_params(LiveEvent, event, db, leave_out=_EVENT_JOB),
    ]
    db.ensure_connection()
    # Server-side binding, prepared once per pooled connection (settings set
    # prepare_threshold; Django leaves preparation off otherwise): PostgreSQL skips
    # parsing and planning the 33-column statement, and the values travel as
    # parameters instead of being quoted into the SQL as Django's client-side
    # cursors do (~0.25 ms less PostgreSQL CPU an event). Errors still come out as
    # django.db exceptions.
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(_new_attempt_sql(), params, prepare=True)
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else None


_EVENT_JOB = ("job",)  # the event's job id comes from the job insert


@functools.cache
def _new_attempt_sql() -> str:
    """Built once: only quoted model identifiers are formatted in; every value is a
    parameter (row_params, in row_columns' order)."""
    quote = connection.ops.quote_name
    job_columns = row_columns(SubmissionJob, connection)
    event_columns = row_columns(LiveEvent, connection, leave_out=_EVENT_JOB)
    job_table, event_table = SubmissionJob._meta.db_table, LiveEvent._meta.db_table
    job_values = ", ".join(["%s"] * len(job_columns))
    event_values = ", ".join(["%s"] * len(event_columns))
    return (
        f"WITH job AS (INSERT INTO {quote(job_table)} ({', '.join(job_columns)}) "  # noqa: S608
        f"VALUES ({job_values}) ON CONFLICT DO NOTHING RETURNING id, state), "
        f"event AS (INSERT INTO {quote(event_table)} ({', '.join(event_columns)}, "
        f"{quote('job_id')}) SELECT {event_values}, job.id FROM job ON CONFLICT DO NOTHING) "
        "SELECT id, state FROM job"
    )


def _persist_once(plan: _Plan, event: dict[str, Any], *, look_first: bool) -> IntakeResult:
    job = _job_find(plan.unique, plan.lti_ids) if look_first else None
    created = job is None
    if job is None:
        job = SubmissionJob.objects.create(**plan.unique, **plan.lti_ids, **plan.job_fields)
        if job.state == SubmissionJob.State.RECEIVED:
            job_enqueue(job.pk, step="process")
    LiveEvent.objects.bulk_create([LiveEvent(**event, job=job)], ignore_conflicts=True)
    return intake_result("accepted" if created else "duplicate", plan.event_name, 202, job.pk)


@dataclass(frozen=True)
class _Target:
    """What intake needs of an event's course and assignment."""

    course_id: int
    assignment_id: int
    course_enabled: bool
    assignment_enabled: bool


def target_cache_clear() -> None:
    _target_cache.clear()


# Course settings change rarely and every event needs them: keep them briefly per
# process (a course switched off stops taking events within TARGET_CACHE_S).
TARGET_CACHE_S = 10.0
_target_cache: dict[tuple[int, int, int, str], tuple[float, _Target]] = {}


def _target_get(
    installation: CanvasInstallation,
    course_local: int,
    assignment_local: int,
    lti_ids: dict[str, str],
) -> _Target | None:
    """The event's course and assignment (created when the course is enabled), or None."""
    key = (installation.pk, course_local, assignment_local, lti_ids["lti_assignment_id"])
    now = time.monotonic()
    cached = _target_cache.get(key)
    if cached and now - cached[0] < TARGET_CACHE_S:
        return cached[1]
    assignment = _assignment_find(installation, course_local, assignment_local, lti_ids)
    if assignment is None:
        course = CanvasCourse.objects.filter(
            installation=installation, canvas_course_id=course_local, is_enabled=True
        ).first()
        if course is None:
            return None
        try:
            with transaction.atomic():
                assignment = CanvasAssignment.objects.create(
                    course=course,
                    canvas_assignment_id=assignment_local,
                    lti_assignment_id=lti_ids["lti_assignment_id"],
                )
        except IntegrityError:
            # A concurrent event of the same new assignment created it first.
            assignment = _assignment_find(installation, course_local, assignment_local, lti_ids)
            if assignment is None:
                raise
    target = _Target(
        course_id=assignment.course_id,
        assignment_id=assignment.pk,
        course_enabled=assignment.course.is_enabled,
        assignment_enabled=assignment.is_enabled,
    )
    if len(_target_cache) > 10_000:
        _target_cache.clear()
    # Stored only after commit: a rolled-back try must not leave a row id that never existed.
    transaction.on_commit(lambda: _target_cache.__setitem__(key, (now, target)))
    return target


def _assignment_find(
    installation: CanvasInstallation,
    course_local: int,
    assignment_local: int,
    lti_ids: dict[str, str],
) -> CanvasAssignment | None:
    """By Canvas id, else by LTI id (a row an Asset Processor notice created, which
    then learns its Canvas id)."""
    in_course = CanvasAssignment.objects.select_related("course").filter(
        course__installation=installation, course__canvas_course_id=course_local
    )
    found = in_course.filter(canvas_assignment_id=assignment_local).first()
    if found is None and lti_ids["lti_assignment_id"]:
        found = in_course.filter(lti_assignment_id=lti_ids["lti_assignment_id"]).first()
        if found is not None and found.canvas_assignment_id is None:
            found.canvas_assignment_id = assignment_local
            found.save(update_fields=["canvas_assignment_id"])
    return found


def _job_find(unique: dict[str, Any], lti_ids: dict[str, str]) -> SubmissionJob | None:
    """The attempt's job by Canvas submission id, else by the LTI key shared with
    Asset Processor notices (that job then learns its Canvas submission id)."""
    job = SubmissionJob.objects.filter(**unique).only("id").first()
    if job is not None or not (lti_ids["lti_assignment_id"] and lti_ids["lti_user_id"]):
        return job
    job = (
        SubmissionJob.objects.filter(
            installation=unique["installation"], attempt=unique["attempt"], **lti_ids
        )
        .only("id", "canvas_submission_id")
        .first()
    )
    if job is not None and job.canvas_submission_id is None:
        SubmissionJob.objects.filter(pk=job.pk, canvas_submission_id=None).update(
            canvas_submission_id=unique["canvas_submission_id"]
        )
    return job


def _job_fields(**fields: Any) -> dict[str, Any]:
    """A new job's fields; types other than text entry and upload become SKIPPED jobs,
    so the instructor sees why nothing was posted."""
    if fields.get("submission_type") and fields["submission_type"] not in CHECKED_TYPES:
        fields["state"] = SubmissionJob.State.SKIPPED
        fields["error_code"] = "unsupported_submission_type"
        fields["error_message"] = (
            f"Submissions of type {fields['submission_type']} are not checked; "
            "Smart Notes reads text entries and uploaded files."
        )
        fields["finished_at"] = timezone.now()
    return fields


def job_get_or_create(**fields: Any) -> tuple[SubmissionJob, bool]:
    """The attempt's job (reconciliation); a new one is enqueued once it commits."""
    unique = {k: fields.pop(k) for k in ("installation", "canvas_submission_id", "attempt")}
    lti_ids = {k: str(fields.get(k) or "") for k in ("lti_assignment_id", "lti_user_id")}
    try:
        with transaction.atomic():
            job = SubmissionJob.objects.create(**unique, **_job_fields(**fields))
            if job.state == SubmissionJob.State.RECEIVED:
                job_enqueue(job.pk, step="process")
    except IntegrityError:
        # The attempt's job exists, under its Canvas id or (an Asset Processor
        # notice came first) under the LTI key.
        existing = _job_find(unique, lti_ids)
        if existing is None:
            raise
        return SubmissionJob.objects.get(pk=existing.pk), False
    return job, True
