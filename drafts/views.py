"""The student's draft check inside the Canvas iframe. Thin, like analytics.views:
course + role from the launch (analytics.access.course_view), who may open a draft
from analytics.selectors.access, one service or selector per view. Cookieless:
links, forms and the progress URL carry the launch token."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from analytics.access import LEARNER, STAFF, CourseScope, course_view
from analytics.selectors.access import draft_get_for_viewer
from canvas_pipeline.models import CanvasAssignment
from drafts import selectors, services
from drafts.forms import DraftForm
from lti_tool.sessions import LtiRequest
from smartnotes.errors import ApplicationError
from verification import demo
from verification.engine.limits import mb
from verification.limits import limits_describe
from verification.services import PASTED_ESSAY_NAME, UploadedMaterial

VIEWERS = (*LEARNER, *STAFF)


def _launch_assignment(request: LtiRequest, scope: CourseScope) -> CanvasAssignment | None:
    """The assignment named by the URL (?assignment=) or, from an assignment launch, by Canvas."""
    raw = request.GET.get("assignment", "")
    if raw.isdigit():
        return selectors.assignment_get_for_course(scope.course, int(raw))
    canvas_assignment_id = request.lti.custom.get("canvas_assignment_id", "")
    if not canvas_assignment_id:
        return None
    link = request.lti.resource_link
    return services.assignment_for_launch(
        course=scope.course,
        canvas_assignment_id=canvas_assignment_id,
        name=link.title if link else "",
    )


def _check_page(
    request: LtiRequest,
    scope: CourseScope,
    *,
    form: DraftForm | None = None,
    assignment: CanvasAssignment | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    assignments = selectors.assignments_for_course(scope.course)
    unavailable = ""
    try:
        services.drafts_available_check(scope.course)
    except ApplicationError as exc:
        unavailable = exc.message
    if form is None:
        initial = {"assignment": assignment.pk if assignment else None}
        form = DraftForm(assignments=assignments, initial=initial)
    allowance = None
    if not unavailable and scope.course is not None:
        allowance = selectors.draft_allowance(
            course=scope.course, user=scope.user, assignment=assignment
        )
    context = {
        "scope": scope,
        "form": form,
        "assignment": assignment,
        "unavailable": unavailable,
        "error": error,
        "drafts": selectors.draft_list_for_learner(scope),
        "limits": limits_describe(),
        "per_day": scope.course.draft_checks_per_day if scope.course else 0,
        "retention_days": scope.course.draft_retention_days if scope.course else 0,
        "allowance": allowance,
    }
    return render(request, "drafts/check.html", context, status=status)


def _essay(form: DraftForm) -> UploadedMaterial:
    """The draft as given, unread: the worker reads it under the input limits."""
    upload = form.cleaned_data.get("file")
    if upload is None:
        return UploadedMaterial(PASTED_ESSAY_NAME, form.cleaned_data["text"].encode())
    return UploadedMaterial(upload.name, upload.read(), upload.content_type or "")


@require_http_methods(["GET", "POST"])
@course_view(LEARNER)
def check(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    if request.method == "GET":
        return _check_page(request, scope, assignment=_launch_assignment(request, scope))
    assignments = selectors.assignments_for_course(scope.course)
    if demo.body_too_large(request):
        limit = mb(settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES)
        message = f"This draft is larger than the upload limit of {limit}."
        return _check_page(request, scope, error=message, status=413)
    try:
        form = DraftForm(request.POST, request.FILES, assignments=assignments)
        valid = form.is_valid()
    except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent):
        message = f"Send one draft, at most {mb(settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES)}."
        return _check_page(request, scope, error=message, status=413)
    if not valid:
        return _check_page(request, scope, form=form, error=form.error_text(), status=400)
    assignment_id = form.cleaned_data["assignment"]
    assignment = (
        selectors.assignment_get_for_course(scope.course, assignment_id) if assignment_id else None
    )
    try:
        draft = services.draft_create(
            course=scope.course, user=scope.user, assignment=assignment, essay=_essay(form)
        )
    except services.DraftRateLimited as exc:
        return _check_page(
            request, scope, form=form, assignment=assignment, error=exc.message, status=429
        )
    except ApplicationError as exc:
        return _check_page(
            request, scope, form=form, assignment=assignment, error=exc.message, status=400
        )
    return HttpResponseRedirect(request.lti.url("drafts:draft", draft.public_id))


@require_GET
@course_view(VIEWERS)
def draft(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    item = draft_get_for_viewer(scope, public_id)
    context = {
        "scope": scope,
        "draft": item,
        "snapshot": selectors.draft_snapshot(item, request=request),
        "is_owner": item.user_id == scope.user.pk,
    }
    return render(request, "drafts/draft.html", context)


@require_GET
@course_view(VIEWERS)
def draft_progress(request: LtiRequest, public_id: str, scope: CourseScope) -> HttpResponse:
    from smartnotes.progress import progress_response

    item = draft_get_for_viewer(scope, public_id)
    return progress_response(request, selectors.draft_snapshot(item, request=request))


@require_GET
@course_view(VIEWERS)
def passage(
    request: LtiRequest, public_id: str, claim_index: int, scope: CourseScope
) -> HttpResponse:
    item = draft_get_for_viewer(scope, public_id)
    claim = selectors.claim_get_for_draft(item, claim_index)
    context = {"scope": scope, "draft": item, "passage": selectors.reread_passage(claim)}
    context["claim"] = claim
    return render(request, "drafts/passage.html", context)


@require_GET
@course_view(STAFF)
def course_drafts(request: LtiRequest, scope: CourseScope) -> HttpResponse:
    """The course's drafts for its staff: a list only where the course allows it."""
    context = {
        "scope": scope,
        "drafts": selectors.draft_list_for_staff(scope),
        "count": selectors.drafts_checked_count(scope.course),
        "visible": bool(scope.course and scope.course.drafts_visible_to_staff),
    }
    return render(request, "drafts/course.html", context)
