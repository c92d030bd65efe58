"""LTI endpoints: JWKS, Canvas config, OIDC login, launch, platform-storage check,
deep linking, dynamic registration, installation status. Thin: the checks live in
lti_tool.launch, the writes in lti_tool.services."""

import secrets
from typing import Any
from urllib.parse import urlsplit

import structlog
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pylti1p3.exception import LtiException, OIDCException

from lti_tool import framing, handlers, keys
from lti_tool.canvas_config import canvas_config, tool_urls
from lti_tool.claims import AppRole, Claim, MessageType
from lti_tool.decorators import lti_launch_required, lti_role_required
from lti_tool.deep_linking import DeepLinkError, deep_link_choices, deep_link_response_build
from lti_tool.dynamic_registration import RegistrationError, dynamic_registration_complete
from lti_tool.launch import (
    LaunchRejected,
    SmartNotesMessageLaunch,
    SmartNotesOIDCLogin,
    StateBinding,
    launch_storage,
    login_state_get,
    tool_conf,
)
from lti_tool.models import Platform
from lti_tool.selectors import (
    launch_list_recent_for_platform,
    platform_list_for_admin,
    tool_key_list,
)
from lti_tool.services import launch_record
from lti_tool.sessions import LtiLaunch, session_token_issue

logger = structlog.get_logger("smartnotes.lti")
PENDING_LAUNCH_S = 5 * 60


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _rejected(request: HttpRequest, exc: LaunchRejected, *, stage: str) -> HttpResponse:
    logger.warning(f"lti.{stage}.rejected", code=exc.code, reason=str(exc), status=exc.status)
    context = {"message": str(exc), "code": exc.code, "return_url": ""}
    return render(request, "lti_tool/error.html", context, status=exc.status)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.tool_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def config_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(canvas_config(), json_dumps_params={"indent": 2})


@csrf_exempt  # Third-party-initiated login: the platform posts here cross-site.
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    oidc = SmartNotesOIDCLogin(request, tool_conf(), launch_data_storage=launch_storage())
    params = request.POST if request.method == "POST" else request.GET
    framing.frame_for_login(
        request, tool_conf().platform_get(params.get("iss", ""), params.get("client_id"))
    )
    target = params.get("target_link_uri", "")
    launch_url = tool_urls()["launch"]
    if target and _origin(target) != _origin(launch_url):
        exc = LaunchRejected(f"target_link_uri {target!r} is not this tool.", code="target")
        return _rejected(request, exc, stage="login")
    oidc.storage_target = params.get("lti_storage_target", "")
    try:
        auth_url, state, nonce = oidc.login_redirect_url(launch_url)
    except (OIDCException, LtiException) as exc:
        return _rejected(request, LaunchRejected(str(exc), code="login"), stage="login")
    if not oidc.storage_target:
        return oidc.finish(HttpResponseRedirect(auth_url))
    # LTI Client Side postMessages: also keep state and nonce in platform storage,
    # for browsers that drop the state cookie set below.
    context = {
        "auth_url": auth_url,
        "state": state,
        "nonce": nonce,
        "storage_target": oidc.storage_target,
        "platform_origin": _origin(auth_url),
    }
    return oidc.finish(render(request, "lti_tool/login_storage.html", context))


def _complete(request: HttpRequest, platform: Platform, claims: dict[str, Any]) -> HttpResponse:
    handler = handlers.handler_for(str(claims.get(Claim.MESSAGE_TYPE)))
    if handler is None:  # unregistered since validation; nothing is written
        exc = LaunchRejected("This kind of launch is not supported.", code="message_type")
        return _rejected(request, exc, stage="launch")
    launch = launch_record(platform=platform, claims=claims)
    lti = LtiLaunch.from_launch(launch, session_token_issue(launch))
    # The response belongs to this launch (frame-ancestors, ops.middleware).
    request.lti = lti  # type: ignore[attr-defined]
    logger.info(
        "lti.launch.accepted",
        launch_id=str(launch.public_id),
        message_type=launch.message_type,
        platform_id=platform.pk,
        context_id=launch.context_id,
        roles=sorted(str(r) for r in lti.roles),
    )
    return handler(request, lti)


@csrf_exempt  # The platform form-posts the id_token cross-site (OIDC form_post).
@never_cache
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    message_launch = SmartNotesMessageLaunch(
        request, tool_conf(), launch_data_storage=launch_storage()
    )
    # pylti1p3 also caches the claims under its launch id; Launch rows replace that.
    message_launch.set_launch_data_lifetime(PENDING_LAUNCH_S)
    try:
        message_launch.validate()
        claims: dict[str, Any] = dict(message_launch.get_launch_data())
    except LaunchRejected as exc:
        framing.frame_for_unverified(request, message_launch)
        return _rejected(request, exc, stage="launch")
    except LtiException as exc:
        framing.frame_for_unverified(request, message_launch)
        return _rejected(request, LaunchRejected(str(exc), code="invalid"), stage="launch")
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A well-formed JWT whose header or body is not the JSON object LTI requires.
        exc = LaunchRejected(f"The id_token is malformed ({type(exc).__name__}).", code="malformed")
        return _rejected(request, exc, stage="launch")
    registration = message_launch.get_registration()
    platform = Platform.objects.get(
        issuer=registration.get_issuer(), client_id=registration.get_client_id()
    )
    framing.frame_for_platform(request, platform, claims)
    binding = message_launch.binding
    if binding is None or binding.method == "cookie":
        return _complete(request, platform, claims)
    return _storage_check_page(request, platform, claims, binding)


def _storage_check_page(
    request: HttpRequest, platform: Platform, claims: dict[str, Any], binding: StateBinding
) -> HttpResponse:
    """Hold the validated claims under a one-time id until the page confirms, from
    platform storage, that this browser started the login."""
    state = request.POST["state"]
    pending_id = secrets.token_urlsafe(32)
    cache.set(
        f"lti:pending:{pending_id}",
        {"platform_id": platform.pk, "claims": claims, "state": state},
        PENDING_LAUNCH_S,
    )
    context = {
        "pending_id": pending_id,
        "state": state,
        "nonce": claims["nonce"],
        "storage_target": binding.storage_target,
        "platform_origin": _origin(platform.auth_login_url),
        "verify_url": reverse("lti_tool:launch-verify"),
    }
    return render(request, "lti_tool/launch_storage.html", context)


@csrf_exempt  # Cookieless by design; the pending id is a one-time secret.
@never_cache
@require_POST
def launch_verify(request: HttpRequest) -> HttpResponse:
    """Second half of the platform-storage path: the page read state and nonce back
    from platform storage; they must match what this launch carried."""
    pending = cache.get(f"lti:pending:{request.POST.get('pending_id', '')}")
    cache.delete(f"lti:pending:{request.POST.get('pending_id', '')}")
    if not pending:
        exc = LaunchRejected("This launch has expired; open it again.", code="pending_unknown")
        return _rejected(request, exc, stage="launch")
    framing.frame_for_platform(
        request, Platform.objects.filter(pk=pending["platform_id"]).first(), pending["claims"]
    )
    recorded = login_state_get(pending["state"]) or {}
    if (
        request.POST.get("state") != pending["state"]
        or request.POST.get("nonce") != pending["claims"]["nonce"]
        or recorded.get("nonce") != pending["claims"]["nonce"]
    ):
        exc = LaunchRejected(
            "Platform storage did not confirm this launch was started in this browser.",
            code="storage_mismatch",
        )
        return _rejected(request, exc, stage="launch")
    platform = Platform.objects.get(pk=pending["platform_id"])
    return _complete(request, platform, pending["claims"])


@lti_role_required(AppRole.INSTRUCTOR, AppRole.TEACHING_ASSISTANT)
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    lti = request.lti  # type: ignore[attr-defined]
    if lti.launch.message_type != MessageType.DEEP_LINKING:
        context = {"message": "Add Smart Notes from assignment or link selection.", "code": "dl"}
        return render(request, "lti_tool/error.html", context, status=400)
    if request.method == "POST":
        try:
            return_url, token = deep_link_response_build(
                lti=lti, choice=request.POST.get("choice", "")
            )
        except DeepLinkError as exc:
            return render(
                request,
                "lti_tool/error.html",
                {"message": str(exc), "code": "deep_link"},
                status=400,
            )
        logger.info("lti.deep_link.responded", launch_id=str(lti.launch.public_id))
        return render(
            request, "lti_tool/deep_link_post.html", {"return_url": return_url, "jwt": token}
        )
    return render(request, "lti_tool/deep_link.html", {"choices": deep_link_choices(lti)})


@never_cache
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    openid_configuration = request.GET.get("openid_configuration", "")
    if not openid_configuration:
        return render(
            request,
            "lti_tool/error.html",
            {
                "message": "Open this URL from the LMS's dynamic registration screen.",
                "code": "registration",
            },
            status=400,
        )
    framing.frame_for_registration(request, openid_configuration)
    try:
        registered = dynamic_registration_complete(
            openid_configuration=openid_configuration,
            registration_token=request.GET.get("registration_token", ""),
        )
    except RegistrationError as exc:
        logger.warning("lti.registration.failed", reason=str(exc))
        return render(
            request,
            "lti_tool/error.html",
            {"message": str(exc), "code": "registration"},
            status=exc.status,
        )
    logger.info("lti.registration.completed", platform_id=registered.result.platform.pk)
    return render(
        request,
        "lti_tool/registered.html",
        {"platform": registered.result.platform, "platform_origin": registered.platform_origin},
    )


@lti_role_required(AppRole.ADMINISTRATOR, context_required=False)
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    from ops.health import readiness

    overall, components = readiness()
    lti = request.lti  # type: ignore[attr-defined]
    context = {
        "platforms": platform_list_for_admin(lti.platform),
        "tool_keys": tool_key_list(),
        "launches": launch_list_recent_for_platform(lti.platform),
        "health": overall,
        "components": components,
        "urls": tool_urls(),
    }
    return render(request, "lti_tool/status.html", context)


@lti_launch_required
def no_role(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "lti_tool/error.html",
        {
            "message": "Smart Notes has no page for your role here.",
            "code": "role",
            "return_url": request.lti.return_url,
        },  # type: ignore[attr-defined]
        status=403,
    )
