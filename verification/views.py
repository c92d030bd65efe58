from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from smartnotes.errors import ApplicationError
from verification import selectors, services
from verification.forms import DemoForm
from verification.models import VerificationRun
from verification.reports import report_effective


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"demo_enabled": settings.SMARTNOTES_DEMO_ENABLED})


def _demo_enabled() -> None:
    if not settings.SMARTNOTES_DEMO_ENABLED:
        raise Http404("The demo is off in production.")


def _essay_text(form: DemoForm) -> str:
    upload = form.cleaned_data.get("essay_file")
    if upload is None:
        return form.cleaned_data["essay_text"]
    return services.submission_text_from_upload(
        services.UploadedMaterial(upload.name, upload.read(), upload.content_type or "")
    )


@require_http_methods(["GET", "POST"])
def demo_form(request: HttpRequest) -> HttpResponse:
    _demo_enabled()
    form = DemoForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        uploads = [
            services.UploadedMaterial(f.name, f.read(), f.content_type or "")
            for f in form.cleaned_data["material_files"]
        ]
        pasted = form.cleaned_data["material_text"].strip()
        if pasted:
            uploads.append(
                services.UploadedMaterial("pasted-materials.txt", pasted.encode(), "text/plain")
            )
        try:
            essay = _essay_text(form)
            corpus = services.corpus_create(name="Demo materials", files=uploads)
            run = services.run_create(corpus=corpus, text=essay, source=VerificationRun.Source.DEMO)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("verification:demo-run", public_id=run.public_id)
    return render(request, "verification/demo_form.html", {"form": form, "error": error})


@require_GET
def demo_run(request: HttpRequest, public_id: str) -> HttpResponse:
    _demo_enabled()
    run = selectors.run_get_public(public_id=public_id)
    finished = run.status == run.Status.DONE and bool(run.report)
    context = {
        "run": run,
        # The same report, template and comment the Canvas pages and comment use.
        "report": report_effective(run) if finished else None,
        "comment": selectors.run_comment_preview(run=run) if finished else "",
        "materials": run.corpus.materials.order_by("id"),
    }
    return render(request, "verification/demo_run.html", context)


@require_GET
def demo_run_status(request: HttpRequest, public_id: str) -> JsonResponse:
    _demo_enabled()
    run = selectors.run_get_public(public_id=public_id)
    return JsonResponse(
        {
            "status": run.status,
            "stage": run.stage,
            "progress": run.progress,
            "finished": run.is_finished,
            "error": run.error_message if run.status == VerificationRun.Status.FAILED else "",
        }
    )
