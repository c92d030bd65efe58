"""The instructor's single-claim check: one sentence against the course's materials,
answered while the instructor waits (issue #16; docs/decisions/0003-celery-topology.md).

Web side, `claim_check`: validate, hand the sentence to the realtime worker and wait
for its answer with a deadline. The message carries only an id (STYLE.md §4): the
sentence and the answer travel through the shared cache, which lives as long as
the check (a question, not a record: no row is written).

Worker side, `claim_check_execute`: the same engine path as every report
(`Verifier.verify`, the process's verifier and its claim cache, keyed by claim +
corpus + model version), against the corpus index kept warm in the worker per
corpus version.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache

from smartnotes.errors import ApplicationError
from verification.models import ClaimResult, Material
from verification.presentation import claim_number

logger = structlog.get_logger(__name__)

SENTENCE_MAX_CHARS = 500
# The request and answer outlive the longest wait, so a late answer is never half-read.
CHECK_TTL_S = 120
# Codes that mean "nothing wrong with your sentence; try again shortly" (HTTP 503).
UNAVAILABLE_CODES = frozenset({"claim_check_unavailable", "claim_check_timeout"})
SKIP_MESSAGES = {
    "question": "This reads as a question. Write it as a statement to check it.",
    "opinion": "This reads as an opinion, which the materials cannot confirm or refute.",
    "first_person_stance": "This reads as a personal stance (\u201cI think\u2026\u201d). "
    "Check the claim itself, without the lead-in.",
    "instruction": "This reads as an instruction, not a factual claim.",
    "heading": "This reads as a heading, not a factual claim.",
    "citation": "This reads as a citation, not a factual claim.",
    "too_short": "This is too short to check: write the whole claim as a sentence.",
    "vague": "This is too vague to check against the materials; name what it is about.",
}
_KEPT_INDEXES = 8
_indexes: OrderedDict[tuple[int, str], Any] = OrderedDict()
_indexes_lock = threading.Lock()


@dataclass(frozen=True)
class ClaimCheckAnswer:
    """What the instructor sees: the sentence and its claims, shown like a report's
    (`claims` are unsaved ClaimResult rows with `.effective` and `.number`)."""

    sentence: str
    claims: list[ClaimResult] = field(default_factory=list)
    message: str = ""
    duration_ms: float = 0.0

    @property
    def from_cache(self) -> bool:
        return bool(self.claims) and all(c.detail.get("from_cache") for c in self.claims)

    @property
    def summary(self) -> str:
        """One line for the live region: the verdict and confidence, or the message."""
        if not self.claims:
            return self.message
        from verification.presentation import verdict

        parts = [f"{verdict(c.effective).name}, confidence {c.confidence:.0%}" for c in self.claims]
        return "Checked: " + "; ".join(parts) + "."


def _request_key(check_id: str) -> str:
    return f"claimcheck:request:{check_id}"


def _answer_key(check_id: str) -> str:
    return f"claimcheck:answer:{check_id}"


# --- Web side ------------------------------------------------------------------------------


def claim_check(*, corpus_id: int | None, sentence: str) -> ClaimCheckAnswer:
    """Check one sentence against a course's materials on the realtime worker.

    Raises ApplicationError with a message for the instructor: an empty or over-long
    sentence, no materials yet, no realtime worker or no answer in time ("try again"),
    or the worker's own plain-words error."""
    sentence = " ".join(sentence.split())
    _sentence_check(sentence)
    if corpus_id is None or not Material.objects.filter(corpus_id=corpus_id).exists():
        raise ApplicationError(
            "This course has no materials yet, so there is nothing to check against. Add them "
            "under Settings \u2192 Course materials.",
            code="claim_check_no_materials",
        )
    if not realtime_worker_alive():
        raise ApplicationError(
            "The checker is not running right now. Try again in a minute; if it stays "
            "unavailable, tell your Smart Notes administrator.",
            code="claim_check_unavailable",
        )
    started = time.perf_counter()
    check_id = uuid.uuid4().hex
    timeout_s = float(settings.SMARTNOTES_CLAIM_CHECK_TIMEOUT_S)
    cache.set(_request_key(check_id), {"corpus_id": corpus_id, "sentence": sentence}, CHECK_TTL_S)
    _send(check_id, expires_s=timeout_s)
    answer = _answer_wait(check_id, deadline=started + timeout_s)
    duration_ms = (time.perf_counter() - started) * 1000
    logger.info("verification.claim_check.answered", ms=round(duration_ms, 1), ok=answer["ok"])
    if not answer["ok"]:
        raise ApplicationError(answer["message"], code=answer["code"])
    claims = [claim_row(data) for data in answer["claims"]]
    message = "" if claims else skip_message(answer.get("skipped", []))
    return ClaimCheckAnswer(sentence, claims, message, duration_ms)


def _sentence_check(sentence: str) -> None:
    if not sentence:
        raise ApplicationError("Type the sentence to check.", code="claim_check_empty")
    if len(sentence) > SENTENCE_MAX_CHARS:
        raise ApplicationError(
            f"That is {len(sentence):,} characters; the check takes one sentence of up to "
            f"{SENTENCE_MAX_CHARS} characters. Check a whole draft from its report instead.",
            code="claim_check_too_long",
        )


def realtime_worker_alive() -> bool:
    """A worker consuming the realtime queue has reported in recently (ops heartbeats)."""
    from ops.heartbeat import fresh_heartbeats

    return any("realtime" in hb.queues.split(",") for hb in fresh_heartbeats())


def _send(check_id: str, *, expires_s: float) -> None:
    from kombu.exceptions import OperationalError as KombuOperationalError

    from verification.tasks import claim_check as claim_check_task

    try:
        # Expires with the wait: after a timeout nobody reads the answer, so a backlog
        # of abandoned checks is dropped instead of delaying the next instructor.
        claim_check_task.apply_async((check_id,), expires=expires_s)
    except KombuOperationalError as exc:
        logger.warning("verification.claim_check.send_failed", error=str(exc)[:200])
        raise ApplicationError(
            "The checker cannot be reached right now. Try again in a minute.",
            code="claim_check_unavailable",
        ) from exc


def _answer_wait(check_id: str, *, deadline: float) -> dict[str, Any]:
    # A short first poll: a cached claim is answered in a few milliseconds.
    pause_s = 0.002
    while True:
        answer = cache.get(_answer_key(check_id))
        if answer is not None:
            cache.delete_many([_answer_key(check_id), _request_key(check_id)])
            return dict(answer)
        if time.perf_counter() >= deadline:
            cache.delete(_request_key(check_id))  # a late worker finds nothing to do
            raise ApplicationError(
                "The checker is busy and did not answer in time. Try again in a moment.",
                code="claim_check_timeout",
            )
        time.sleep(pause_s)
        pause_s = min(0.02, pause_s * 1.5)


def claim_row(data: dict[str, Any]) -> ClaimResult:
    """An engine claim result (as a dict) as an unsaved row, decorated like a report's."""
    from verification.engine.types import claim_result_from_dict

    result = claim_result_from_dict(data)
    row = ClaimResult(
        claim_index=result.claim.index,
        text=result.claim.text,
        start=result.claim.start,
        end=result.claim.end,
        label=result.label,
        confidence=result.confidence,
        is_conflicting=result.is_conflicting,
        evidence_quote=result.evidence_quote,
        evidence_source=result.source.describe() if result.source else "",
        detail=data,
    )
    row.effective = row.label  # nobody can have overridden a claim checked just now
    row.number = claim_number(row.claim_index)
    row.is_corrected = False
    return row


def skip_message(skipped: list[str]) -> str:
    for reason in skipped:
        if reason in SKIP_MESSAGES:
            return SKIP_MESSAGES[reason]
    return "No factual claim was found in this sentence."


# --- Worker side ---------------------------------------------------------------------------


def claim_check_execute(*, check_id: str) -> None:
    """Answer one check (realtime worker). A request already given up on is skipped."""
    from verification.engine import VerificationError
    from verification.engine.types import claim_result_to_dict
    from verification.runtime import metrics_export, verifier_get

    request = cache.get(_request_key(check_id))
    if request is None:
        logger.info("verification.claim_check.expired", check_id=check_id)
        return
    try:
        index = corpus_index_warm(corpus_id=int(request["corpus_id"]))
        verifier = verifier_get()
        report = verifier.verify(str(request["sentence"]), index)
        metrics_export(verifier)
    except ApplicationError as exc:
        answer_store(check_id=check_id, ok=False, code=exc.code, message=exc.message)
        return
    except VerificationError as exc:
        answer_store(check_id=check_id, ok=False, code=type(exc).__name__, message=str(exc))
        return
    answer_store(
        check_id=check_id,
        ok=True,
        claims=[claim_result_to_dict(result) for result in report.claims],
        skipped=[s.reason for s in report.skipped],
        model_version=report.model_version,
    )


def answer_store(*, check_id: str, ok: bool, **fields: Any) -> None:
    cache.set(_answer_key(check_id), {"ok": ok, **fields}, CHECK_TTL_S)


def corpus_index_warm(*, corpus_id: int):  # type: ignore[no-untyped-def]
    """The corpus's index, kept in this worker per corpus version: one small query
    (the materials' hashes) instead of reading and unpacking the stored index."""
    from verification.models import Corpus
    from verification.services import corpus_index_get, materials_fingerprint

    sha256s = Material.objects.filter(corpus_id=corpus_id).order_by("id")
    key = (corpus_id, materials_fingerprint(sha256s.values_list("sha256", flat=True)))
    with _indexes_lock:
        index = _indexes.get(key)
        if index is not None:
            _indexes.move_to_end(key)
            return index
    index = corpus_index_get(corpus=Corpus.objects.get(pk=corpus_id))
    with _indexes_lock:
        _indexes[key] = index
        while len(_indexes) > _KEPT_INDEXES:
            _indexes.popitem(last=False)
    return index
