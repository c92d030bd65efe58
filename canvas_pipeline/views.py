"""HTTP endpoints: Live Events intake, instructor actions, Canvas OAuth, the report page.
Thin: parse, call one service or selector, answer."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from canvas_pipeline import selectors
from canvas_pipeline.services.intake import event_intake
from canvas_pipeline.services.oauth import (
    OAUTH_COOKIE,
    STATE_MAX_AGE_S,
    oauth_authorize_url,
    oauth_complete,
)
from canvas_pipeline.services.posting import job_approve, job_retry
from lti_tool.claims import AppRole
from lti_tool.decorators import lti_role_required
from lti_tool.sessions import LtiRequest
from smartnotes.errors import ApplicationError
from verification.presentation import LABEL_NAMES

STAFF = (AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)


def _intake(request: HttpRequest, secret_token: str | None) -> HttpResponse:
    result = event_intake(body=request.body, secret_token=secret_token)
    response = JsonResponse(
        {"status": result.outcome, "reason": result.reason}, status=result.http_status
    )
    # A machine endpoint is never framed (FrameAncestorsMiddleware would say the
    # same; setting it here keeps this hot path independent of the middleware).
    response["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


@csrf_exempt
@require_POST
def events(request: HttpRequest) -> HttpResponse:
    """Live Events (HTTPS delivery). Signed events only."""
    return _intake(request, None)


@csrf_exempt
@require_POST
def events_secret(request: HttpRequest, secret_token: str) -> HttpResponse:
    """Live Events on the installation's secret path (required for unsigned events)."""
    return _intake(request, secret_token)


def _course_job(request: LtiRequest, public_id):  # type: ignore[no-untyped-def]
    course = selectors.course_get_for_context(request.lti.context)
    job = selectors.job_get_for_course(course, public_id) if course else None
    if job is None:
        raise Http404("No such job in this course")
    return job


@require_GET
@lti_role_required(*STAFF)
def jobs(request: LtiRequest) -> HttpResponse:
    """The course's jobs as JSON (state, timestamps, queue position, projected wait)."""
    course = selectors.course_get_for_context(request.lti.context)
    if course is None:
        return JsonResponse({"jobs": [], "needs_reconnect": False, "enabled": False})
    return JsonResponse(
        {
            "jobs": [selectors.job_status(job) for job in selectors.job_list_for_course(course)],
            "needs_reconnect": selectors.course_needs_reconnect(course),
            "enabled": course.is_enabled,
        }
    )


@require_POST
@lti_role_required(*STAFF)
def job_retry_view(request: LtiRequest, public_id) -> HttpResponse:  # type: ignore[no-untyped-def]
    job = _course_job(request, public_id)
    try:
        job = job_retry(job_id=job.pk)
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=409)
    return JsonResponse(selectors.job_status(job))


@require_POST
@lti_role_required(*STAFF)
def job_approve_view(request: LtiRequest, public_id) -> HttpResponse:  # type: ignore[no-untyped-def]
    job = _course_job(request, public_id)
    try:
        job = job_approve(job_id=job.pk, user=request.lti.user)
    except ApplicationError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=409)
    return JsonResponse(selectors.job_status(job))


@require_GET
@lti_role_required(*STAFF)
def oauth_start(request: LtiRequest) -> HttpResponse:
    course = selectors.course_get_for_context(request.lti.context)
    if course is None:
        raise Http404("Smart Notes is not set up for this course")
    browser_nonce = secrets.token_urlsafe(32)
    try:
        url = oauth_authorize_url(
            course=course,
            lti_user_id=request.lti.user.pk,
            browser_nonce=browser_nonce,
        )
    except ApplicationError as exc:
        return render(
            request, "canvas_pipeline/oauth_done.html", {"error": exc.message}, status=409
        )
    response = redirect(url)
    # The flow runs in its own tab (first-party), so this cookie binds the state to
    # the browser that started it; Lax still sends it on Canvas's redirect back.
    response.set_cookie(
        OAUTH_COOKIE,
        browser_nonce,
        max_age=STATE_MAX_AGE_S,
        path=reverse("canvas_pipeline:oauth-callback"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    if request.GET.get("error"):
        message = "Canvas access was not granted."
        return render(request, "canvas_pipeline/oauth_done.html", {"error": message}, status=400)
    try:
        oauth_complete(
            code=request.GET.get("code", ""),
            state=request.GET.get("state", ""),
            browser_nonce=request.COOKIES.get(OAUTH_COOKIE, ""),
        )
    except ApplicationError as exc:
        return render(
            request, "canvas_pipeline/oauth_done.html", {"error": exc.message}, status=400
        )
    response = render(request, "canvas_pipeline/oauth_done.html", {"error": ""})
    response.delete_cookie(OAUTH_COOKIE, path=reverse("canvas_pipeline:oauth-callback"))
    return response


@require_GET
@lti_role_required()
def report(request: LtiRequest, public_id) -> HttpResponse:  # type: ignore[no-untyped-def]
    """The full report of one job, every claim: for whoever the one access rule lets in
    (analytics.selectors.access). The comment's "Full report" link reaches it through a
    Canvas launch (decision 0010), so it needs no Smart Notes session of its own."""
    from analytics.access import scope_for_launch
    from analytics.selectors.access import report_get_for_viewer
    from analytics.selectors.reports import report_for_job

    scope = scope_for_launch(request.lti)
    job = report_get_for_viewer(scope, public_id)
    context = {
        "job": job,
        "report": report_for_job(job),
        "staff": scope.is_staff,
        "labels": list(LABEL_NAMES.items()),
    }
    return render(request, "canvas_pipeline/report.html", context)
