"""Dashboards inside the Canvas iframe. Thin: every view is wrapped by
analytics.access.course_view (course + role from the launch), calls one
selector or service and renders. Cookieless: links and redirects carry the
launch token (request.lti.url / {% lti_url %})."""

import contextlib
import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics import charts, services
from analytics.access import INSTRUCTOR_ONLY, LEARNER, STAFF, CourseScope, course_view
from analytics.forms import MaterialsForm, OverrideForm, SettingsForm
from analytics.selectors import course as course_sel
from analytics.selectors import export as export_sel
from analytics.selectors import learner as learner_sel
from analytics.selectors.access import claim_check_allowed, report_get_for_viewer
from analytics.selectors.common import LABEL_COLOURS, LABEL_NAMES
from analytics.selectors.reports import report_for_job, report_progress_for_job
from canvas_pipeline.selectors import course_needs_reconnect
from lti_tool.sessions import LtiRequest
from smartnotes.errors import ApplicationError
from smartnotes.progress import progress_response
from verification.services import UploadedMaterial

NOTICES = {
    "override": "Verdict saved. The student's feedback and analytics now use it.",
    "override_cleared": "Override removed; the model's verdict is shown again.",
    "approved": "Approved. The comment is being posted to Canvas.",
    "approved_many": "Approved the held reports of this assignment; comments are being posted.",
    "retried": "Retry started.",
    "settings": "Settings saved.",
    "materials": "Materials added. They are read on a worker; their status updates below.",
}


def _redirect(
    request: LtiRequest, name: str, *args: Any, notice: str, anchor: str = ""
) -> HttpResponse:
    url = request.lti.url(name, *args)
    return HttpResponseRedirect(f"{url}&notice={notice}{anchor}")


def _notice(request: LtiRequest) -> str:
    return NOTICES.get(request.GET.get("notice", ""), "")


def _svg(markup: str) -> str:
    # analytics.charts escapes every text value it draws.
    return mark_safe(markup)  # noqa: S308


# --- Learner -------------------------------------------------------------------------------


@require_GET
@course_view(LEARNER)
def my_feedback(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    jobs = learner_sel.feedback_list_for_learner(scope)
    latest = report_for_job(jobs[0]) if jobs else None
    return render(
        request, "analytics/my_feedback.html", {"scope": scope, "jobs": jobs, "report": latest}
    )


@require_GET
@course_view(LEARNER)
def my_report(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    job = learner_sel.feedback_get_for_learner(scope, public_id)
    return render(
        request, "analytics/my_report.html", {"scope": scope, "report": report_for_job(job)}
    )


@require_GET
@course_view(LEARNER)
def my_analytics(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    services.run_counts_sync(course=scope.course)  # the class comparison reads the counts
    data = learner_sel.learner_analytics(scope)
    chart = ""
    if data.trend:
        chart = charts.trend(
            "trend",
            data.trend,
            reference=data.class_trend,
            title="Your claim accuracy by assignment",
            desc="Share of your claims the materials support, per assignment"
            + (", with the class average" if data.class_trend else ""),
        )
    verdicts = charts.hbars(
        "verdicts",
        [(c.name, c.count, LABEL_COLOURS[c.label]) for c in data.counts],
        title="Your claims by verdict",
    )
    context = {
        "scope": scope,
        "data": data,
        "trend_svg": _svg(chart),
        "verdicts_svg": _svg(verdicts),
    }
    return render(request, "analytics/my_analytics.html", context)


# --- Instructor and TA -------------------------------------------------------------------


def _class_page(
    request: LtiRequest,
    scope: CourseScope,
    assignment_id: int | None,
    *,
    claim_check: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    assignment = (
        course_sel.assignment_get_for_course(scope.course, assignment_id) if assignment_id else None
    )
    services.run_counts_sync(course=scope.course)
    overview = course_sel.class_overview(scope.course, scope.context, assignment_id=assignment_id)
    histogram = charts.histogram(
        "histogram",
        overview.histogram,
        title="Students by claim accuracy",
        desc="Number of students in each 10-point band of supported-claim share",
        edges=[f"{10 * i}%" for i in range(11)],
    )
    trend = (
        charts.trend(
            "class-trend",
            overview.trend,
            title="Class claim accuracy by assignment",
            series_label="Class",
        )
        if overview.trend
        else ""
    )
    context = {
        "scope": scope,
        "assignment": assignment,
        "assignments": course_sel.assignment_list_for_course(scope.course),
        "overview": overview,
        "histogram_svg": _svg(histogram),
        "trend_svg": _svg(trend),
        "processing": course_sel.processing_for_course(scope.course, assignment_id=assignment_id),
        "held": course_sel.held_count_for_course(scope.course, assignment_id=assignment_id),
        "needs_reconnect": scope.course is not None and course_needs_reconnect(scope.course),
        "notice": _notice(request),
        "claim_check_allowed": claim_check_allowed(scope),
        "claim_check": claim_check,
    }
    return render(request, "analytics/course.html", context, status=status)


@require_GET
@course_view(STAFF)
def course(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    return _class_page(request, scope, None)


@require_GET
@course_view(STAFF)
def assignment(request: LtiRequest, assignment_id: int, scope: CourseScope) -> HttpResponse:
    return _class_page(request, scope, assignment_id)


@require_POST
@course_view(INSTRUCTOR_ONLY)
def claim_check(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    """One sentence against the course's materials. Answers JSON to the page's script
    (`Accept: application/json`) and the whole class page to a plain form post."""
    from verification.claim_check import UNAVAILABLE_CODES
    from verification.claim_check import claim_check as claim_check_run

    sentence = request.POST.get("sentence", "")
    result: dict[str, Any] = {"sentence": sentence, "answer": None, "error": ""}
    status = 200
    try:
        if not claim_check_allowed(scope):
            raise ApplicationError(
                "This course is not connected to Smart Notes yet.", code="claim_check_no_course"
            )
        result["answer"] = claim_check_run(corpus_id=scope.course.corpus_id, sentence=sentence)
    except ApplicationError as exc:
        result["error"] = exc.message
        status = 503 if exc.code in UNAVAILABLE_CODES else 400
    if "application/json" not in request.headers.get("Accept", ""):
        return _class_page(request, scope, None, claim_check=result, status=status)
    html = render_to_string(
        "analytics/_claim_check.html", {"check": result, "scope": scope}, request=request
    )
    summary = result["error"] or result["answer"].summary
    return JsonResponse({"ok": status == 200, "html": html, "summary": summary}, status=status)


@require_GET
@course_view(STAFF)
def student(request: LtiRequest, canvas_user_id: str, scope: CourseScope) -> HttpResponse:
    jobs = course_sel.student_jobs_for_course(scope, canvas_user_id)
    names = course_sel.student_names_for_context(scope.context)
    context = {
        "scope": scope,
        "jobs": jobs,
        "student_name": names.get(canvas_user_id, f"Student {canvas_user_id}"),
        "canvas_user_id": canvas_user_id,
    }
    return render(request, "analytics/student.html", context)


def _submission_page(
    request: LtiRequest, scope: CourseScope, public_id: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    job = report_get_for_viewer(scope, public_id)
    names = course_sel.student_names_for_context(scope.context)
    report = report_for_job(job)
    context = {
        "scope": scope,
        "job": job,
        "report": report,
        # Not finished yet: progress and the claims decided so far (smartnotes.progress).
        "snapshot": None if report else report_progress_for_job(job, request=request),
        "student_name": names.get(job.canvas_user_id, f"Student {job.canvas_user_id}"),
        "notice": _notice(request),
        "error": error,
        "labels": list(LABEL_NAMES.items()),
    }
    return render(request, "analytics/submission.html", context, status=status)


@require_GET
@course_view(STAFF)
def submission(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    return _submission_page(request, scope, public_id)


@require_GET
@course_view(STAFF)
def submission_progress(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    job = report_get_for_viewer(scope, public_id)
    return progress_response(request, report_progress_for_job(job, request=request))


@require_POST
@course_view(STAFF)
def override(request: LtiRequest, claim_id: int, scope: CourseScope) -> HttpResponse:
    claim, job = course_sel.claim_get_for_course(scope.course, claim_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _submission_page(
            request, scope, str(job.public_id), error=form.error_text(), status=400
        )
    try:
        if form.cleaned_data["action"] == "clear":
            services.claim_override_clear(claim=claim, user=scope.user)
            notice = "override_cleared"
        else:
            services.claim_override_set(
                claim=claim,
                course=scope.course,  # type: ignore[arg-type]
                user=scope.user,
                is_model_correct=form.cleaned_data["action"] == "right",
                label=form.cleaned_data["label"],
                note=form.cleaned_data["note"],
            )
            notice = "override"
    except ApplicationError as exc:
        return _submission_page(request, scope, str(job.public_id), error=exc.message, status=400)
    return _redirect(
        request,
        "analytics:submission",
        job.public_id,
        notice=notice,
        anchor=f"#claim-{claim.claim_index}",
    )


@require_GET
@course_view(STAFF)
def review(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    groups = course_sel.review_queue_for_course(scope.course, scope.context)
    context = {"scope": scope, "groups": groups, "notice": _notice(request)}
    return render(request, "analytics/review.html", context)


@require_POST
@course_view(STAFF)
def approve(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    job = course_sel.job_get_for_course(scope.course, public_id)
    try:
        services.review_approve(job=job, user=scope.user)
    except ApplicationError as exc:
        return _submission_page(request, scope, public_id, error=exc.message, status=400)
    return _redirect(request, "analytics:review", notice="approved")


@require_POST
@course_view(STAFF)
def approve_all(request: LtiRequest, assignment_id: int, scope: CourseScope) -> HttpResponse:
    course_sel.assignment_get_for_course(scope.course, assignment_id)
    held = course_sel.held_jobs_for_course(scope.course, assignment_id=assignment_id)
    services.review_approve_many(jobs=held, user=scope.user)
    return _redirect(request, "analytics:review", notice="approved_many")


@require_POST
@course_view(STAFF)
def retry(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    job = course_sel.job_get_for_course(scope.course, public_id)
    # Already retried by someone else: the status table shows where it is now.
    with contextlib.suppress(ApplicationError):
        services.job_retry(job=job)
    return _redirect(request, "analytics:course", notice="retried", anchor="#processing")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: Any) -> Any:
    # Spreadsheet formula injection: a cell from an essay must not start a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_response(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    body = (writer.writerow([_csv_safe(v) for v in row]) for row in rows)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_assignment(request: LtiRequest, scope: CourseScope) -> int | None:
    raw = request.GET.get("assignment", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such assignment in this course")
    return course_sel.assignment_get_for_course(scope.course, int(raw)).pk


@require_GET
@course_view(STAFF)
def export_claims(request: LtiRequest, scope: CourseScope) -> StreamingHttpResponse:
    assignment_id = _export_assignment(request, scope)
    rows = export_sel.export_claim_rows(
        scope.course, scope.context, assignment_id=assignment_id, scope=scope
    )
    suffix = f"-assignment-{assignment_id}" if assignment_id else ""
    return _csv_response(rows, f"smartnotes-claims{suffix}.csv")


@require_GET
@course_view(STAFF)
def export_students(request: LtiRequest, scope: CourseScope) -> StreamingHttpResponse:
    assignment_id = _export_assignment(request, scope)
    services.run_counts_sync(course=scope.course)
    rows = export_sel.export_student_rows(
        scope.course, scope.context, assignment_id=assignment_id, scope=scope
    )
    suffix = f"-assignment-{assignment_id}" if assignment_id else ""
    return _csv_response(rows, f"smartnotes-students{suffix}.csv")


@require_http_methods(["GET", "POST"])
@course_view(INSTRUCTOR_ONLY)
def course_settings(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    course_obj, error, status = scope.course, "", 200
    form = SettingsForm(instance=course_obj) if course_obj else None
    if request.method == "POST" and course_obj is not None:
        form = SettingsForm(request.POST, instance=course_obj)
        if form.is_valid():
            try:
                services.course_settings_save(course=course_obj, **form.cleaned_data)
                return _redirect(request, "analytics:settings", notice="settings")
            except ApplicationError as exc:
                error, status = exc.message, 400
        else:
            status = 400
    return _settings_page(request, scope, form=form, error=error, status=status)


def _settings_page(
    request: LtiRequest,
    scope: CourseScope,
    *,
    form: Any = None,
    materials_form: Any = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "scope": scope,
        "form": form or (SettingsForm(instance=scope.course) if scope.course else None),
        "materials_form": materials_form or MaterialsForm(),
        "materials": course_sel.materials_for_course(scope.course),
        "notice": _notice(request),
        "error": error,
        "max_mb": settings.SMARTNOTES_UPLOAD_MAX_BYTES // 1024 // 1024,
    }
    return render(request, "analytics/settings.html", context, status=status)


@require_POST
@course_view(INSTRUCTOR_ONLY)
def materials_upload(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    form = MaterialsForm(request.POST, request.FILES)
    if scope.course is None or not form.is_valid():
        return _settings_page(request, scope, materials_form=form, status=400)
    files = [
        UploadedMaterial(name=f.name, data=f.read(), content_type=f.content_type or "")
        for f in form.cleaned_data["files"]
    ]
    try:
        services.course_materials_upload(course=scope.course, files=files)
    except ApplicationError as exc:
        return _settings_page(request, scope, materials_form=form, error=exc.message, status=400)
    return _redirect(request, "analytics:settings", notice="materials")
