"""Writes for verification: corpora, materials, runs and their results."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from smartnotes.errors import (
    ApplicationError,
    attempts_exhausted_message,
    unexpected_error_message,
)
from verification.models import ClaimResult, Corpus, Material, VerificationRun

logger = structlog.get_logger(__name__)

# A live worker renews the lease with every progress write; a dead one lets it lapse.
RUN_LEASE_S = 90
STALE_PENDING_S = 120
# Claims of one run before it is failed: each is a delivery whose worker died mid-run
# (an exception fails the run at once, through the task's on_failure hook).
MAX_RUN_ATTEMPTS = 3


@dataclass(frozen=True)
class UploadedMaterial:
    name: str
    data: bytes
    content_type: str = ""


PASTED_ESSAY_NAME = "The pasted essay"


def submission_text_from_upload(upload: UploadedMaterial) -> str:
    """Plain text of an essay: an uploaded file, pasted text or a Canvas text entry.

    Every kind goes through the engine's one reader path (type from content and
    name, the same limits), so pasted HTML and an uploaded .html file read alike."""
    from verification.engine import MaterialFile, MaterialReadError, essay_text
    from verification.limits import input_limits

    material = MaterialFile(
        name=upload.name, data=upload.data, content_type=upload.content_type or None
    )
    try:
        text = essay_text(material, input_limits())
    except MaterialReadError as exc:
        raise ApplicationError(exc.message, code=f"essay_{exc.code}") from exc
    if not text:
        raise ApplicationError(f"{upload.name} holds no text.", code="essay_empty")
    return text


def submission_text_from_paste(text: str) -> str:
    """Plain text of a pasted essay, read exactly like an uploaded file of its type."""
    return submission_text_from_upload(UploadedMaterial(PASTED_ESSAY_NAME, text.encode()))


def materials_check(
    files: list[UploadedMaterial], *, already: int = 0, files_max: int | None = None
) -> None:
    """Refuse an upload past the file-count, per-file or total size limit, naming the limit.

    ``already`` materials are in the corpus; a course corpus may hold up to
    ``files_max`` (SMARTNOTES_COURSE_MAX_FILES), an upload SMARTNOTES_MAX_FILES."""
    from verification.engine.limits import mb
    from verification.limits import input_limits

    limits = input_limits()
    if len(files) > limits.files_max:
        raise ApplicationError(
            f"{len(files)} files is more than the limit of {limits.files_max} files per "
            "upload; send them in parts or combine some.",
            code="too_many_materials",
        )
    course_max = files_max or limits.files_max
    if already + len(files) > course_max:
        raise ApplicationError(
            f"The course would hold {already + len(files)} materials; the limit is "
            f"{course_max}. Remove some before adding more.",
            code="too_many_materials",
        )
    for material in files:
        if len(material.data) > limits.file_max_bytes:
            raise ApplicationError(
                f"{material.name} is {mb(len(material.data))}; the limit is "
                f"{mb(limits.file_max_bytes)} per file.",
                code="material_too_large",
            )
    total = sum(len(material.data) for material in files)
    if total > settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES:
        raise ApplicationError(
            f"These files add up to {mb(total)}; the limit is "
            f"{mb(settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES)} per upload.",
            code="upload_too_large",
        )


def corpus_create(*, name: str, files: Iterable[UploadedMaterial]) -> Corpus:
    """A corpus with its raw materials stored; ingestion happens on a worker."""
    materials = list(files)
    if not materials:
        raise ApplicationError("Add at least one course material.", code="no_materials")
    materials_check(materials)
    with transaction.atomic():
        corpus = Corpus.objects.create(name=name[:255])
        for material in materials:
            material_add(corpus=corpus, upload=material)
    return corpus


def material_add(*, corpus: Corpus, upload: UploadedMaterial) -> Material:
    """Store one material; every material is held to the size limit, not only the first."""
    materials_check([upload])
    sha256 = hashlib.sha256(upload.data).hexdigest()
    material, _ = Material.objects.get_or_create(
        corpus=corpus,
        sha256=sha256,
        defaults={
            "file_name": upload.name[:255] or "material.txt",
            "content_type": upload.content_type[:127],
            "data": upload.data,
            "size_bytes": len(upload.data),
        },
    )
    return material


def materials_fingerprint(sha256s: Iterable[str]) -> str:
    """A corpus's version: its materials' hashes in upload order (a new file, a new version)."""
    return hashlib.sha256("".join(sha256s).encode()).hexdigest()


def corpus_index_get(*, corpus: Corpus):  # type: ignore[no-untyped-def]
    """The corpus's passage index, built once per version of its materials."""
    from verification.engine import CorpusIndex, MaterialFile, ingest_materials
    from verification.limits import input_limits
    from verification.runtime import verifier_get

    materials = list(corpus.materials.order_by("id"))
    fingerprint = materials_fingerprint(m.sha256 for m in materials)
    if corpus.index_blob and corpus.version == fingerprint:
        return CorpusIndex.from_bytes(bytes(corpus.index_blob))
    # A course's corpus is built up over many uploads: its file cap is the course's.
    limits = replace(input_limits(), files_max=settings.SMARTNOTES_COURSE_MAX_FILES)
    result = ingest_materials(
        (
            MaterialFile(name=m.file_name, data=bytes(m.data), content_type=m.content_type or None)
            for m in materials
        ),
        limits=limits,
    )
    errors = {e.file_name: e for e in result.errors}
    passages_per_file: dict[str, int] = {}
    for passage in result.passages:
        name = passage.source.file_name
        passages_per_file[name] = passages_per_file.get(name, 0) + 1
    for material in materials:
        error = errors.get(material.file_name)
        material.status = Material.Status.FAILED if error else Material.Status.INGESTED
        material.error_code = error.code if error else ""
        material.error_message = error.message if error else ""
        material.passages = passages_per_file.get(material.file_name, 0)
        material.save(update_fields=["status", "error_code", "error_message", "passages"])
    if not result.passages:
        # Said once, instead of one "not enough evidence" card per claim.
        reasons = " ".join(f"{e.message}." for e in result.errors) or "No materials were added."
        raise ApplicationError(
            "None of the course materials could be read, so there was nothing to check the "
            f"essay against. {reasons}",
            code="no_readable_materials",
        )
    index = verifier_get().index(result.passages)
    corpus.index_blob = index.to_bytes()
    corpus.version = fingerprint
    corpus.save(update_fields=["index_blob", "version", "updated_at"])
    return index


def _material_errors(corpus: Corpus):  # type: ignore[no-untyped-def]
    from verification.engine import MaterialError

    return [
        MaterialError(m.file_name, m.error_code, m.error_message)
        for m in corpus.materials.filter(status=Material.Status.FAILED)
    ]


def run_create(
    *,
    corpus: Corpus,
    text: str = "",
    source: str,
    enqueue: bool = True,
    essay: UploadedMaterial | None = None,
) -> VerificationRun:
    """A PENDING run, enqueued once the transaction commits.

    ``essay`` (a file or pasted text, unread) is stored and read on the worker,
    under the same limits, so no web request parses user files. enqueue=False
    leaves sending to the caller (the Canvas pipeline runs it inside its own gpu
    task so the comment follows without a poll)."""
    if essay is not None:
        if len(essay.data) > settings.SMARTNOTES_UPLOAD_MAX_BYTES:
            materials_check([essay])
        if not essay.data.strip():
            raise ApplicationError("Add the essay: paste its text or upload a file.", code="empty")
    elif not text.strip():
        raise ApplicationError("The essay is empty.", code="empty_submission")
    else:
        essay_length_check(text)
    run = VerificationRun(corpus=corpus, submission_text=text, source=source)
    if essay is not None:
        run.submission_file = essay.data
        run.submission_file_name = essay.name[:255]
        run.submission_content_type = essay.content_type[:127]
    run.full_clean(exclude=["submission_text"] if essay is not None else None)
    with transaction.atomic():
        run.save()
        if enqueue:
            transaction.on_commit(lambda: run_send(run_id=run.id, source=source))
    logger.info("verification.run.created", run_id=run.id, source=source, chars=len(text))
    return run


def essay_length_check(text: str) -> None:
    limit = settings.SMARTNOTES_ESSAY_MAX_CHARS
    if len(text) > limit:
        raise ApplicationError(
            f"The essay is {len(text):,} characters long; the limit is {limit:,} characters "
            "per essay. Shorten it or split it into parts and check each.",
            code="essay_too_long",
        )


def run_send(*, run_id: int, source: str) -> None:
    """Send a run to its queue: demo runs to the low-priority `demo` queue, with its
    time limits, so the public demo can never delay Canvas work on `gpu`."""
    from verification.tasks import run_execute as run_execute_task

    if source == VerificationRun.Source.DRAFT:
        # A student's draft: the drafts app's task, on the real-time queue.
        from drafts.tasks import run_execute as draft_run_execute_task

        draft_run_execute_task.delay(run_id)
    elif source == VerificationRun.Source.DEMO:
        limit_s = settings.SMARTNOTES_DEMO_TIME_LIMIT_S
        run_execute_task.apply_async(
            (run_id,), queue="demo", soft_time_limit=limit_s, time_limit=limit_s + 30
        )
    else:
        run_execute_task.delay(run_id)


def _run_text_read(run: VerificationRun) -> None:
    """Read a run's stored essay file into its text, on the worker (raises ApplicationError)."""
    if run.submission_text or run.submission_file is None:
        return
    text = submission_text_from_upload(
        UploadedMaterial(
            run.submission_file_name, bytes(run.submission_file), run.submission_content_type
        )
    )
    run.submission_text = text
    run.submission_file = None
    run.save(update_fields=["submission_text", "submission_file"])


def run_claim(*, run_id: int) -> bool:
    """Take the run: PENDING, or RUNNING with an expired lease (its worker died) and
    attempts left; a run out of attempts is failed with the reason instead."""
    now = timezone.now()
    claimed = VerificationRun.objects.filter(
        Q(status=VerificationRun.Status.PENDING, attempts__lt=MAX_RUN_ATTEMPTS)
        | Q(
            status=VerificationRun.Status.RUNNING,
            lease_expires_at__lt=now,
            attempts__lt=MAX_RUN_ATTEMPTS,
        ),
        pk=run_id,
    ).update(
        status=VerificationRun.Status.RUNNING,
        lease_expires_at=now + timedelta(seconds=RUN_LEASE_S),
        started_at=now,
        attempts=F("attempts") + 1,
        stage="starting",
        progress=0.0,
    )
    if not claimed:
        runs_fail_exhausted(run_ids=[run_id])
    return claimed == 1


def _progress_writer(run_id: int) -> Callable[[str, float], None]:
    # A progress bar never goes back: the engine counts from 0 after the glue's first steps.
    highest = 0.0

    def write(stage: str, fraction: float) -> None:
        nonlocal highest
        highest = max(highest, min(1.0, fraction))
        VerificationRun.objects.filter(pk=run_id).update(
            stage=stage[:64],
            progress=highest,
            lease_expires_at=timezone.now() + timedelta(seconds=RUN_LEASE_S),
        )

    return write


def run_lease_remaining_s(*, run_id: int) -> float | None:
    """Seconds until a RUNNING run's lease lapses; None if it is not running."""
    run = VerificationRun.objects.filter(pk=run_id, status=VerificationRun.Status.RUNNING).first()
    if run is None or run.lease_expires_at is None:
        return None
    return max(0.0, (run.lease_expires_at - timezone.now()).total_seconds())


def run_execute(*, run_id: int) -> bool:
    """Verify a run's text against its corpus and store every claim result.

    Idempotent: returns False without doing anything when the run is finished
    or held by another worker whose lease is still live.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    from verification.engine import VerificationError, render_text
    from verification.runtime import metrics_export, verifier_get

    if not run_claim(run_id=run_id):
        logger.info("verification.run.not_claimed", run_id=run_id)
        return False
    run = VerificationRun.objects.select_related("corpus").get(pk=run_id)
    progress = _progress_writer(run_id)
    try:
        progress("reading the essay", 0.01)
        _run_text_read(run)
        progress("indexing materials", 0.02)
        index = corpus_index_get(corpus=run.corpus)
        verifier = verifier_get()
        claims_total_remember(run_id=run_id, text=run.submission_text, config=verifier.config)
        report = verifier.verify(
            run.submission_text,
            index,
            material_errors=_material_errors(run.corpus),
            progress=progress,
            # Each wave is stored as it is decided, so pages show claims while the run
            # runs; whatever acts on a run (the comment, counts) waits for DONE.
            on_results=lambda results: _claims_store(run=run, results=results),
        )
        metrics_export(verifier)
    except VerificationError as exc:
        run_fail(run=run, code=type(exc).__name__, message=str(exc))
        return True
    except ApplicationError as exc:
        run_fail(run=run, code=exc.code, message=exc.message)
        return True
    except SoftTimeLimitExceeded:
        run_fail(
            run=run,
            code="time_limit",
            message="Checking this essay took longer than the time limit; try a shorter essay "
            "or fewer materials.",
        )
        return True
    except Exception as exc:
        # Unexpected: give the run back with the reason, so the task's retry takes it
        # at once; its last attempt fails it (the task's on_failure, run_fail_unexpected).
        run_release(run_id=run_id, exc=exc)
        raise
    report_url = f"{settings.SMARTNOTES_BASE_URL}/demo/runs/{run.public_id}/"
    with transaction.atomic():
        _claims_store(run=run, results=report.claims)
        run.report = report.to_dict()
        run.report_text = render_text(report, report_url=report_url)
        run.model_version = report.model_version
        run.error_code = ""  # an earlier attempt's error, now overcome
        run.error_message = ""
        run.status = VerificationRun.Status.DONE
        run.stage = "done"
        run.progress = 1.0
        run.finished_at = timezone.now()
        run.lease_expires_at = None
        run.save()
    logger.info(
        "verification.run.finished",
        run_id=run.id,
        claims=len(report.claims),
        duration_ms=round((run.finished_at - run.started_at).total_seconds() * 1000),
    )
    return True


def claims_total_remember(*, run_id: int, text: str, config) -> None:  # type: ignore[no-untyped-def]
    """Note how many claims a running run will decide, for its progress ("3 of 12").

    Kept in the shared cache, not a column: it is a hint for the progress page only
    (None when missing) and the finished run's total is its claim rows."""
    from verification.engine import extract_claims
    from verification.run_progress import claims_total_set

    claims_total_set(run_id=run_id, total=len(extract_claims(text, config).claims))


def _claims_store(*, run: VerificationRun, results) -> None:  # type: ignore[no-untyped-def]
    """Write claim results (idempotent: one row per run and claim index), all or none,
    so a page polling the run shows whole waves."""
    from verification.engine.types import claim_result_to_dict

    columns = ("text", "start", "end", "label", "confidence", "is_conflicting", "evidence_quote")
    with transaction.atomic():
        for result in results:
            detail = claim_result_to_dict(result)
            ClaimResult.objects.update_or_create(
                run=run,
                claim_index=result.claim.index,
                defaults={
                    **{column: detail[column] for column in columns},
                    "evidence_source": result.source.describe() if result.source else "",
                    "detail": detail,
                },
            )


def run_fail(*, run: VerificationRun, code: str, message: str) -> None:
    VerificationRun.objects.filter(pk=run.pk).update(
        status=VerificationRun.Status.FAILED,
        error_code=code[:64],
        error_message=message,
        stage="failed",
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    logger.warning("verification.run.failed", run_id=run.pk, error_code=code, error=message)


def run_fail_unexpected(*, run_id: int, exc: BaseException) -> bool:
    """The task boundary's failure path: a run an exception stopped is FAILED with the
    reason in plain words, never left RUNNING. False when it had already finished."""
    failed = VerificationRun.objects.filter(
        pk=run_id,
        status__in=(VerificationRun.Status.PENDING, VerificationRun.Status.RUNNING),
    ).update(
        status=VerificationRun.Status.FAILED,
        error_code="internal_error",
        error_message=unexpected_error_message(exc),
        stage="failed",
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    logger.error(
        "verification.run.crashed", run_id=run_id, error=repr(exc)[:500], recorded=bool(failed)
    )
    return failed == 1


def run_release(*, run_id: int, exc: BaseException) -> None:
    """Give a RUNNING run back (PENDING, no lease) after an unexpected error, keeping
    the reason; the next attempt takes it at once, MAX_RUN_ATTEMPTS in all."""
    VerificationRun.objects.filter(pk=run_id, status=VerificationRun.Status.RUNNING).update(
        status=VerificationRun.Status.PENDING,
        error_code="internal_error",
        error_message=unexpected_error_message(exc),
        stage="retrying",
        lease_expires_at=None,
    )
    logger.warning("verification.run.released", run_id=run_id, error=repr(exc)[:500])


def run_attempts_left(*, run_id: int) -> int:
    """Attempts a run given back after an unexpected error has left (0: fail it)."""
    run = VerificationRun.objects.filter(
        pk=run_id, status=VerificationRun.Status.PENDING
    ).values_list("attempts", flat=True)
    attempts = run.first()
    return 0 if attempts is None else max(0, MAX_RUN_ATTEMPTS - attempts)


def runs_fail_exhausted(*, run_ids: list[int] | None = None) -> list[int]:
    """Fail runs with no attempts left: RUNNING with a lapsed lease (their worker died
    each time) or PENDING after unexpected errors; the ids failed."""
    now = timezone.now()
    query = VerificationRun.objects.filter(
        Q(status=VerificationRun.Status.RUNNING, lease_expires_at__lt=now)
        | Q(status=VerificationRun.Status.PENDING),
        attempts__gte=MAX_RUN_ATTEMPTS,
    )
    if run_ids is not None:
        query = query.filter(pk__in=run_ids)
    failed: list[int] = []
    for run in list(query.only("id", "status", "error_message")[:500]):
        message = attempts_exhausted_message(MAX_RUN_ATTEMPTS)
        if run.error_message:
            message = f"{message} The last attempt stopped on: {run.error_message}"
        VerificationRun.objects.filter(pk=run.pk, status=run.status).update(
            status=VerificationRun.Status.FAILED,
            error_code="attempts_exhausted",
            error_message=message,
            stage="failed",
            finished_at=now,
            lease_expires_at=None,
        )
        failed.append(run.pk)
        logger.warning("verification.run.exhausted", run_id=run.pk, attempts=MAX_RUN_ATTEMPTS)
    return failed


def runs_requeue_stale() -> int:
    """Re-send runs whose message was lost or whose worker died (lease expired)."""
    runs_fail_exhausted()
    now = timezone.now()
    stale = VerificationRun.objects.filter(
        Q(
            status=VerificationRun.Status.PENDING,
            created_at__lt=now - timedelta(seconds=STALE_PENDING_S),
            attempts__lt=MAX_RUN_ATTEMPTS,
        )
        | Q(
            status=VerificationRun.Status.RUNNING,
            lease_expires_at__lt=now,
            attempts__lt=MAX_RUN_ATTEMPTS,
        )
    ).values_list("id", "source")[:500]
    ids = list(stale)
    for run_id, source in ids:
        run_send(run_id=run_id, source=source)
    if ids:
        logger.info("verification.runs.requeued", count=len(ids))
    return len(ids)
