from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops import health
from ops.prometheus import render_metrics


@require_GET
@never_cache
def liveness(request: HttpRequest) -> JsonResponse:
    """The process answers; no dependency is touched."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    overall, results = health.readiness()
    return JsonResponse(health.as_json(overall, results), status=200 if overall == "ok" else 503)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    body, content_type = render_metrics()
    return HttpResponse(body, content_type=content_type)
