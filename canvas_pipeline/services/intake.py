"""Live Events intake: verify, map to an installation, ignore what is irrelevant,
persist what matters with an idempotency key, enqueue on commit. Runs inside the
HTTP request, so it does a handful of indexed queries and nothing else.

Canvas Live Events over HTTPS: the body is a compact RS256 JWT when "Sign
Payload" is on (kid in the Live Events JWKS), plain JSON otherwise.
https://canvas.instructure.com/doc/api/file.data_service_introduction.html
https://canvas.instructure.com/doc/api/file.data_service_canvas_submission.html
"""

from __future__ import annotations

import binascii
import functools
import hmac
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import psycopg
import requests
import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from jwt.utils import base64url_decode
from prometheus_client import Counter

from canvas_pipeline.ids import canvas_id_local, canvas_id_relative, canvas_id_shard
from canvas_pipeline.models import (
    CanvasAssignment,
    CanvasCourse,
    CanvasInstallation,
    LiveEvent,
    SubmissionJob,
)
from canvas_pipeline.services.jobs import job_enqueue
from canvas_pipeline.services.row_insert import row_columns, row_params

logger = structlog.get_logger(__name__)

EVENTS_TOTAL = Counter(
    "smartnotes_canvas_events_total", "Live Events received, by outcome", ["outcome", "reason"]
)
SUBMISSION_EVENTS = frozenset({"submission_created", "submission_updated"})
SUBMITTED_STATES = frozenset({"submitted", "pending_review", "graded"})
CHECKED_TYPES = frozenset({"online_text_entry", "online_upload"})
JWKS_TTL_S = 3600
# An unknown kid refetches the JWKS at most this often (Canvas rotates monthly).
JWKS_MIN_REFRESH_S = 30
EVENT_FUTURE_SKEW_S = 300
# Clock skew allowed on a signed event's exp, nbf and iat (PyJWT's `leeway`).
JWT_LEEWAY_S = 60


@dataclass(frozen=True)
class IntakeResult:
    """accepted | duplicate | ignored | rejected; http_status is what Canvas gets."""

    outcome: str
    reason: str
    http_status: int
    job_id: int | None = None


def _result(outcome: str, reason: str, http_status: int, job_id: int | None = None) -> IntakeResult:
    EVENTS_TOTAL.labels(outcome=outcome, reason=reason).inc()
    log = logger.warning if outcome == "rejected" else logger.debug
    log("canvas.event." + outcome, reason=reason, job_id=job_id)
    return IntakeResult(outcome, reason, http_status, job_id)


class _Rejected(Exception):
    def __init__(self, reason: str, http_status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


_jwks_locks_guard = threading.Lock()
_jwks_locks: dict[str, threading.Lock] = {}
_jwks_cache: dict[str, tuple[float, dict[str, jwt.PyJWK]]] = {}


def _jwks_lock(url: str) -> threading.Lock:
    """One lock per key set, so a slow platform cannot hold up the others' events."""
    with _jwks_locks_guard:
        return _jwks_locks.setdefault(url, threading.Lock())


def _jwks_fetch(url: str) -> dict[str, jwt.PyJWK]:
    from ops.outbound import OutboundSession

    response = OutboundSession().get(
        url, timeout=5, headers={"User-Agent": settings.CANVAS_USER_AGENT}
    )
    response.raise_for_status()
    keys: dict[str, jwt.PyJWK] = {}
    for data in response.json().get("keys", []):
        try:
            key = jwt.PyJWK(data)
        except jwt.PyJWTError:
            continue  # a key type we cannot use; the others still count
        if key.key_id:
            keys[key.key_id] = key
    return keys


def jwks_key_get(url: str, kid: str) -> jwt.PyJWK | None:
    """The key `kid` from the JWKS at `url`, cached; refetched on an unknown kid at
    most every JWKS_MIN_REFRESH_S. A failed fetch counts as a fetch (the keys known
    before are kept), so forged events cannot make the server fetch on each one."""
    entry = _jwks_cache.get(url)
    now = time.monotonic()
    if entry and now - entry[0] < JWKS_TTL_S and kid in entry[1]:
        return entry[1][kid]
    if entry and now - entry[0] < JWKS_MIN_REFRESH_S:
        return entry[1].get(kid)
    with _jwks_lock(url):
        entry = _jwks_cache.get(url)  # another thread may have fetched while this waited
        if entry and time.monotonic() - entry[0] < JWKS_MIN_REFRESH_S:
            return entry[1].get(kid)
        try:
            keys = _jwks_fetch(url)
        except (requests.RequestException, ValueError) as exc:
            logger.warning("canvas.jwks.unavailable", url=url, error=str(exc))
            keys = entry[1] if entry else {}
        _jwks_cache[url] = (time.monotonic(), keys)
    return keys.get(kid)


def jwks_cache_clear() -> None:
    _jwks_cache.clear()


# Tenants change rarely and every event needs one: keep them briefly per process.
INSTALLATION_CACHE_S = 30.0
_installation_cache: dict[str, tuple[float, CanvasInstallation | None]] = {}


def installation_cache_clear() -> None:
    """Forget cached tenants and course settings (tests; after bulk changes)."""
    _installation_cache.clear()
    _target_cache.clear()


def _installation_for(metadata: dict[str, Any]) -> CanvasInstallation | None:
    uuid = str(metadata.get("root_account_uuid") or "")
    guid = str(metadata.get("root_account_lti_guid") or "")
    key = f"{uuid}|{guid}"
    now = time.monotonic()
    cached = _installation_cache.get(key)
    if cached and now - cached[0] < INSTALLATION_CACHE_S and cached[1] is not None:
        return cached[1]
    query = CanvasInstallation.objects.filter(is_active=True)
    found = query.filter(root_account_uuid=uuid).first() if uuid else None
    if found is None and guid:
        found = query.filter(root_account_lti_guid=guid).first()
    if found is not None:  # unknown tenants are not cached: linking one takes effect at once
        if len(_installation_cache) > 1000:
            _installation_cache.clear()
        _installation_cache[key] = (now, found)
    return found


def _decode(
    body: bytes, secret_token: str | None
) -> tuple[dict[str, Any], CanvasInstallation | None, bool]:
    """(payload, installation, is_signed); raises _Rejected."""
    stripped = body.strip()
    if stripped.startswith(b"{"):
        try:
            payload = json.loads(stripped)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Rejected("malformed_json", 400) from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("metadata"), dict):
            raise _Rejected("malformed_event", 400)
        installation = _installation_for(payload["metadata"])
        if installation is None:
            return payload, None, False
        # Unsigned events authenticate only by the secret path, and only when allowed.
        if not (
            installation.allow_unsigned
            and secret_token
            and hmac.compare_digest(secret_token, installation.secret_path_token)
        ):
            raise _Rejected("unsigned_not_allowed")
        return payload, installation, False
    header, payload, signing_input, signature = _jws_parts(stripped)
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise _Rejected("bad_jwt_header")
    if not isinstance(payload.get("metadata"), dict):
        raise _Rejected("malformed_event", 400)
    installation = _installation_for(payload["metadata"])
    if installation is None:
        return payload, None, True
    if secret_token and not hmac.compare_digest(secret_token, installation.secret_path_token):
        raise _Rejected("wrong_secret_path")
    jwks_url = installation.live_events_jwks_url or settings.CANVAS_LIVE_EVENTS_JWKS_URL
    key = jwks_key_get(jwks_url, str(header["kid"])) if jwks_url else None
    if key is None:
        raise _Rejected("unknown_kid")
    if key.algorithm_name != "RS256" or not key.Algorithm.verify(signing_input, key.key, signature):
        raise _Rejected("bad_signature")
    jwt_times_check(payload, now=time.time())
    return payload, installation, True


def jwt_times_check(payload: dict[str, Any], *, now: float, leeway_s: float = JWT_LEEWAY_S) -> None:
    """exp, nbf and iat of a verified token, checked as PyJWT checks them (each only
    when present, numeric, with leeway): a replayed event past its expiry is refused.

    Plain arithmetic on the already-decoded payload, so the intake keeps its speed
    (PyJWT's own decode would parse and verify the token a second time)."""
    times: dict[str, float] = {}
    for claim in ("exp", "nbf", "iat"):
        if claim in payload:
            value = payload[claim]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Rejected(f"bad_{claim}")
            times[claim] = float(value)
    if "exp" in times and now >= times["exp"] + leeway_s:
        raise _Rejected("token_expired")
    if "nbf" in times and now < times["nbf"] - leeway_s:
        raise _Rejected("token_not_yet_valid")
    if "iat" in times and now < times["iat"] - leeway_s:
        raise _Rejected("token_issued_in_the_future")


def _jws_parts(token: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS, parsed once.

    The signature is checked by the caller with the key the tenant's JWKS names;
    the payload is only trusted after that check."""
    try:
        signing_input, _, signature_b64 = token.rpartition(b".")
        header_b64, _, payload_b64 = signing_input.partition(b".")
        header = json.loads(base64url_decode(header_b64))
        payload = json.loads(base64url_decode(payload_b64))
        signature = base64url_decode(signature_b64)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise _Rejected("malformed_jwt", 400) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict) or not signing_input:
        raise _Rejected("malformed_jwt", 400)
    return header, payload, signing_input, signature


def _event_time(metadata: dict[str, Any]) -> datetime | None:
    raw = metadata.get("event_time")
    value = parse_datetime(str(raw)) if raw else None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.UTC)
    return value


def event_intake(*, body: bytes, secret_token: str | None = None) -> IntakeResult:
    """Verify and persist one Live Event; enqueue its job when it creates one."""
    if len(body) > settings.CANVAS_EVENT_MAX_BYTES:
        return _result("rejected", "too_large", 413)
    try:
        payload, installation, is_signed = _decode(body, secret_token)
    except _Rejected as exc:
        return _result("rejected", exc.reason, exc.http_status)
    if installation is None:
        return _result("ignored", "unknown_tenant", 202)
    metadata = payload["metadata"]
    data = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    reason = _irrelevance(metadata, data)
    if reason:
        return _result("ignored", reason, 202)
    try:
        return _persist(installation, payload, metadata, data, is_signed=is_signed)
    except ValueError:
        return _result("rejected", "bad_ids", 400)


def _irrelevance(metadata: dict[str, Any], data: dict[str, Any]) -> str:
    """Why an event is ignored, or "" when it matters. No queries."""
    if metadata.get("event_name") not in SUBMISSION_EVENTS:
        return "event_name"
    if metadata.get("context_type") != "Course" or not metadata.get("context_id"):
        return "not_a_course"
    if data.get("workflow_state") not in SUBMITTED_STATES or not data.get("submitted_at"):
        return "not_submitted"
    if not data.get("submission_id") or not data.get("assignment_id") or not data.get("user_id"):
        return "missing_ids"
    if not str(data.get("attempt") or "").isdigit():
        return "no_attempt"
    event_time = _event_time(metadata)
    now = timezone.now()
    if event_time is None:
        return "no_event_time"
    if event_time < now - timedelta(seconds=settings.CANVAS_EVENT_MAX_AGE_S):
        return "expired"
    if event_time > now + timedelta(seconds=EVENT_FUTURE_SKEW_S):
        return "from_the_future"
    return ""


def _persist(
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
            return _result("accepted", plan.event_name, 202, job_id)
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
        return _result("ignored", "course_not_enabled", 202)
    if not target.assignment_enabled:
        return _result("ignored", "assignment_not_enabled", 202)
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
        "event_time": _event_time(metadata),
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
    return _result("accepted" if created else "duplicate", plan.event_name, 202, job.pk)


@dataclass(frozen=True)
class _Target:
    """What intake needs of an event's course and assignment."""

    course_id: int
    assignment_id: int
    course_enabled: bool
    assignment_enabled: bool


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
