"""Rows for the CSV exports (per claim, per student), streamed with .iterator()."""

from collections.abc import Iterator
from typing import Any

from analytics.selectors.common import LABELS, STAFF_STATES, effective_label, jobs_verified
from analytics.selectors.course import student_names_for_context, student_rows
from canvas_pipeline.models import CanvasCourse
from lti_tool.models import LtiContext
from verification.presentation import claim_number


def export_claim_rows(
    course: CanvasCourse | None,
    context: LtiContext,
    *,
    assignment_id: int | None = None,
    scope: Any = None,
) -> Iterator[list[Any]]:
    names = student_names_for_context(context)
    yield [
        "assignment",
        "student",
        "canvas_user_id",
        "attempt",
        "submission_id",
        "claim_number",  # as in the comment and on every page
        "claim",
        "verdict",
        "model_verdict",
        "overridden",
        "confidence",
        "conflicting",
        "evidence_quote",
        "evidence_source",
    ]
    jobs = jobs_verified(course, states=STAFF_STATES, assignment_id=assignment_id, scope=scope)
    rows = (
        jobs.filter(run__claims__isnull=False)
        .annotate(effective=effective_label("run__claims__"))
        .values_list(
            "assignment__name",
            "canvas_user_id",
            "attempt",
            "canvas_submission_id",
            "run__claims__claim_index",
            "run__claims__text",
            "effective",
            "run__claims__label",
            "run__claims__override__id",
            "run__claims__confidence",
            "run__claims__is_conflicting",
            "run__claims__evidence_quote",
            "run__claims__evidence_source",
        )
        .order_by("assignment_id", "canvas_user_id", "run__claims__claim_index")
    )
    for a, uid, attempt, sub, idx, text, eff, model, oid, conf, confl, quote, src in rows.iterator(
        chunk_size=2000
    ):
        yield [
            a,
            names.get(uid, ""),
            uid,
            attempt,
            sub,
            claim_number(idx),
            text,
            eff,
            model,
            "yes" if oid else "no",
            f"{conf:.3f}",
            "yes" if confl else "no",
            quote,
            src,
        ]


def export_student_rows(
    course: CanvasCourse | None,
    context: LtiContext,
    *,
    assignment_id: int | None = None,
    scope: Any = None,
) -> Iterator[list[Any]]:
    jobs = jobs_verified(course, states=STAFF_STATES, assignment_id=assignment_id, scope=scope)
    overview_rows = student_rows(jobs, context)
    yield ["student", "canvas_user_id", "submissions", "claims", *LABELS, "accuracy"]
    for r in overview_rows:
        acc = "" if r["accuracy"] is None else f"{r['accuracy']:.3f}"
        yield [
            r["name"],
            r["canvas_user_id"],
            r["submissions"],
            r["total"],
            *(r[label] for label in LABELS),
            acc,
        ]
