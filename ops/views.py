import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops import health
from ops.prometheus import render_metrics


def ops_details_allowed(request: HttpRequest) -> bool:
    """Worker hosts, PIDs, queue depths and the model version are for operators:
    a request with `Authorization: Bearer <SMARTNOTES_OPS_TOKEN>`, or anyone on the
    embedded default when no token is set. Production without a token shows nobody."""
    token = settings.SMARTNOTES_OPS_TOKEN
    if not token:
        return not settings.IS_PRODUCTION
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(sent.encode(), token.encode())


@require_GET
@never_cache
def liveness(request: HttpRequest) -> JsonResponse:
    """The process answers; no dependency is touched."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    """200 when every component is ok, else 503; the components only for operators."""
    overall, results = health.readiness()
    body = health.as_json(overall, results) if ops_details_allowed(request) else {"status": overall}
    return JsonResponse(body, status=200 if overall == "ok" else 503)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not ops_details_allowed(request):
        return HttpResponse("Set Authorization: Bearer <SMARTNOTES_OPS_TOKEN>.\n", status=403)
    body, content_type = render_metrics()
    return HttpResponse(body, content_type=content_type)
