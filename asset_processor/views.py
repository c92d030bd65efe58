"""Asset Processor endpoints: the notice handler (platform to tool) and the in-frame
pages (attach, report review, settings). Thin: checks in notices/selectors, writes
in services."""

import structlog
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from asset_processor import services
from asset_processor.models import AssetProcessor
from asset_processor.notices import NoticeRejected, notices_intake
from asset_processor.selectors import processor_get_for_launch, report_get_for_launch
from lti_tool.claims import AppRole
from lti_tool.decorators import lti_role_required
from lti_tool.sessions import LtiRequest
from smartnotes.errors import ApplicationError
from verification.services import UploadedMaterial

logger = structlog.get_logger(__name__)
STAFF = (AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)
MAX_NOTICE_BODY_BYTES = 2 * 1024 * 1024


def _error(request: LtiRequest, message: str, code: str, status: int = 400) -> HttpResponse:
    context = {"message": message, "code": code, "return_url": request.lti.return_url}
    return render(request, "lti_tool/error.html", context, status=status)


@csrf_exempt  # Server-to-server: each notice is a JWT signed by the platform.
@require_POST
def notices(request: HttpRequest) -> HttpResponse:
    """PNS notice handler: 204 when every notice was taken, 401 when none verified."""
    if len(request.body) > MAX_NOTICE_BODY_BYTES:
        return JsonResponse({"error": "too_large"}, status=413)
    try:
        results = notices_intake(request.body)
    except NoticeRejected as exc:
        return JsonResponse({"error": exc.reason}, status=400)
    rejected = [r.reason for r in results if r.outcome == "rejected"]
    if not rejected:
        return HttpResponse(status=204)
    status = 401 if len(rejected) == len(results) else 207
    return JsonResponse({"rejected": rejected}, status=status)


@lti_role_required(*STAFF)
@never_cache
@require_http_methods(["GET", "POST"])
def attach(request: LtiRequest) -> HttpResponse:
    lti = request.lti
    policies = AssetProcessor.ReleasePolicy.choices
    if request.method == "GET":
        return render(request, "asset_processor/attach.html", {"policies": policies})
    try:
        return_url, token = services.processor_attach(
            lti=lti,
            title=request.POST.get("title", ""),
            release_policy=request.POST.get("release_policy", ""),
            post_comment=request.POST.get("post_comment") == "on",
        )
    except ApplicationError as exc:
        return _error(request, exc.message, exc.code)
    return render(request, "lti_tool/deep_link_post.html", {"return_url": return_url, "jwt": token})


@lti_role_required()
@never_cache
@require_http_methods(["GET", "POST"])
def report(request: LtiRequest) -> HttpResponse:
    lti = request.lti
    view = report_get_for_launch(lti)
    if view is None:
        return _error(request, "There is no Smart Notes report for you here yet.", "report", 404)
    if request.method == "POST":
        if not lti.is_instructor:
            return _error(request, "Only instructors release reports.", "role", 403)
        services.job_reports_release(job=view.job)
        view = report_get_for_launch(lti)
    return render(request, "asset_processor/report.html", {"view": view})


@lti_role_required(*STAFF)
@never_cache
@require_http_methods(["GET", "POST"])
def processor_settings(request: LtiRequest) -> HttpResponse:
    from canvas_pipeline.services.setup import course_materials_add

    lti = request.lti
    processor = processor_get_for_launch(lti)
    if processor is None:
        return _error(request, "Smart Notes is not attached to this assignment.", "settings", 404)
    saved = False
    if request.method == "POST":
        if request.FILES.getlist("materials") and AppRole.INSTRUCTOR not in lti.roles:
            # Course materials are the instructor's, as on the course page.
            return _error(
                request, "Only the course's instructors can upload materials.", "role", 403
            )
        try:
            services.processor_settings_update(
                processor=processor,
                release_policy=request.POST.get("release_policy", ""),
                min_confidence=float(request.POST.get("min_confidence") or 0),
                post_comment=request.POST.get("post_comment") == "on",
                title=request.POST.get("title"),
            )
            files = [
                UploadedMaterial(name=f.name, data=f.read(), content_type=f.content_type or "")
                for f in request.FILES.getlist("materials")
            ]
            if files:
                course_materials_add(course=processor.course, files=files)
        except ValueError:
            return _error(request, "Minimum confidence is a number between 0 and 1.", "settings")
        except ApplicationError as exc:
            return _error(request, exc.message, exc.code)
        saved = True
        processor.refresh_from_db()
    from verification.limits import limits_describe

    context = {
        "processor": processor,
        "policies": AssetProcessor.ReleasePolicy.choices,
        "saved": saved,
        "has_materials": processor.course.corpus_id is not None,
        "can_add_materials": AppRole.INSTRUCTOR in lti.roles,
        "limits": limits_describe(),
    }
    return render(request, "asset_processor/settings.html", context)
