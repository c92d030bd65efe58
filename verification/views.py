from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from smartnotes.errors import ApplicationError
from smartnotes.progress import progress_response
from verification import demo, selectors, services
from verification.engine.limits import mb
from verification.forms import DemoForm
from verification.limits import limits_describe
from verification.models import VerificationRun
from verification.reports import report_effective
from verification.run_progress import run_snapshot


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"demo_enabled": settings.SMARTNOTES_DEMO_ENABLED})


def _demo_enabled() -> None:
    if not settings.SMARTNOTES_DEMO_ENABLED:
        raise Http404("The demo is off in production.")


def _essay(form: DemoForm) -> services.UploadedMaterial:
    """The essay as given, unread: the worker reads it under the input limits."""
    upload = form.cleaned_data.get("essay_file")
    if upload is None:
        return services.UploadedMaterial(
            services.PASTED_ESSAY_NAME, form.cleaned_data["essay_text"].encode()
        )
    return services.UploadedMaterial(upload.name, upload.read(), upload.content_type or "")


def _demo_form_page(request: HttpRequest, form: DemoForm, error: str | None, status: int = 200):  # type: ignore[no-untyped-def]
    context = {"form": form, "error": error, "limits": limits_describe()}
    return render(request, "verification/demo_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def demo_form(request: HttpRequest) -> HttpResponse:
    _demo_enabled()
    if request.method == "POST":
        if demo.rate_limited(request):
            message = (
                f"Too many checks from this address: the demo takes "
                f"{settings.SMARTNOTES_DEMO_RATE_PER_MINUTE} per minute. Wait a minute and "
                "try again."
            )
            return _demo_form_page(request, DemoForm(), message, status=429)
        if demo.body_too_large(request):
            # Refused before Django reads the body.
            message = (
                f"This upload is larger than the limit of "
                f"{mb(settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES)} in all; send fewer or "
                "smaller files."
            )
            return _demo_form_page(request, DemoForm(), message, status=413)
        try:
            request.POST, request.FILES  # noqa: B018 - parse now to catch Django's caps
        except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent):
            message = (
                f"Send at most {settings.SMARTNOTES_MAX_FILES} course materials and one essay, "
                f"{mb(settings.SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES)} in all."
            )
            return _demo_form_page(request, DemoForm(), message, status=413)
    form = DemoForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        uploads = [
            services.UploadedMaterial(f.name, f.read(), f.content_type or "")
            for f in form.cleaned_data["material_files"]
        ]
        pasted = form.cleaned_data["material_text"].strip()
        if pasted:
            # No type given: read like an untyped file (HTML when it holds tags).
            uploads.append(services.UploadedMaterial("pasted materials", pasted.encode()))
        try:
            corpus = services.corpus_create(name="Demo materials", files=uploads)
            run = services.run_create(
                corpus=corpus, essay=_essay(form), source=VerificationRun.Source.DEMO
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            response = redirect("verification:demo-run", public_id=run.public_id)
            demo.owned_runs_remember(request, response, str(run.public_id))
            return response
    return _demo_form_page(request, form, error)


@require_GET
def demo_run(request: HttpRequest, public_id: str) -> HttpResponse:
    _demo_enabled()
    run = selectors.run_get_demo(public_id=public_id, owned=demo.owned_runs(request))
    finished = run.status == run.Status.DONE and bool(run.report)
    context = {
        "run": run,
        # The same report, template and comment the Canvas pages and comment use.
        "report": report_effective(run) if finished else None,
        "comment": selectors.run_comment_preview(run=run) if finished else "",
        "materials": run.corpus.materials.order_by("id"),
        "snapshot": None if run.is_finished else run_snapshot(run, request=request),
    }
    return render(request, "verification/demo_run.html", context)


@require_GET
def demo_run_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    """The run's progress and the claims decided so far (smartnotes.progress)."""
    _demo_enabled()
    run = selectors.run_get_demo(public_id=public_id, owned=demo.owned_runs(request))
    return progress_response(request, run_snapshot(run, request=request))
