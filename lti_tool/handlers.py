"""What a validated launch shows, per LTI message type, and how new types plug in.

    from pylti1p3.message_validators.abstract import MessageValidatorAbstract
    from lti_tool import handlers

    class AssetProcessorSettingsValidator(MessageValidatorAbstract):
        def can_validate(self, jwt_body): return jwt_body.get(MESSAGE_TYPE) == "..."
        def validate(self, jwt_body): self.run_common_validators(jwt_body); return True

    @handlers.register("LtiAssetProcessorSettingsRequest",
                       validator=AssetProcessorSettingsValidator())
    def asset_processor_settings(request, lti): ...   # lti is an LtiLaunch

A handler gets the request and the new `LtiLaunch` (token already issued) and
returns the response. A launch is accepted only for message types that have a
handler; the validator (pylti1p3's interface) checks the type's required claims
and is added to `SmartNotesMessageLaunch.message_validators()` (replacing
pylti1p3's own validator for a type pylti1p3 knows, e.g. deep linking), which can
also be overridden in a subclass. Register from an AppConfig.ready() or a module
imported by the app's urls, so it happens before the first launch.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve

from lti_tool.claims import Claim, MessageType
from lti_tool.sessions import LtiLaunch, with_token

Handler = Callable[[HttpRequest, LtiLaunch], HttpResponse]
_HANDLERS: dict[str, Handler] = {}
_VALIDATORS: dict[str, Any] = {}
# URL names a resource link launch may open directly: Canvas launches the tool with a
# page's URL as target_link_uri (external_tools/retrieve?url=…, decision 0010).
_LAUNCH_TARGETS: set[str] = set()


def launch_target_register(url_name: str) -> None:
    """Let a resource link launch whose target_link_uri is this page open it."""
    _LAUNCH_TARGETS.add(url_name)


def register(message_type: str, *, validator: Any = None) -> Callable[[Handler], Handler]:
    """Show `handler` for launches of `message_type`; `validator` is a pylti1p3
    MessageValidatorAbstract for types pylti1p3 does not know."""

    def decorator(handler: Handler) -> Handler:
        _HANDLERS[message_type] = handler
        if validator is not None:
            _VALIDATORS[message_type] = validator
        return handler

    return decorator


def unregister(message_type: str) -> None:
    _HANDLERS.pop(message_type, None)
    _VALIDATORS.pop(message_type, None)


def handler_for(message_type: str) -> Handler | None:
    return _HANDLERS.get(message_type)


def extra_validators() -> list[Any]:
    return list(_VALIDATORS.values())


def registered_validators() -> dict[str, Any]:
    """Validator per message type; one for a type pylti1p3 knows replaces pylti1p3's."""
    return dict(_VALIDATORS)


def landing_url_name(lti: LtiLaunch) -> str:
    """Where a role lands: staff on the course page, learners on their feedback (or,
    launched from an assignment, on its draft check), institution/system
    administrators on the installation status page."""
    if lti.is_instructor and lti.context is not None:
        return "analytics:course"
    if lti.is_learner and lti.context is not None:
        # Canvas substitutes $Canvas.assignment.id only in an assignment's launch.
        if lti.custom.get("canvas_assignment_id", "").isdigit():
            return "drafts:check"
        return "analytics:my-feedback"
    if lti.is_admin:
        return "lti_tool:status"
    return "lti_tool:no-role"


def launch_target_path(lti: LtiLaunch) -> str | None:
    """The registered page the launch's target_link_uri names on this tool, or None.

    The id_token is signed by the platform, so the target is the platform's word; only
    pages registered with launch_target_register are opened, and each checks access."""
    target = str(lti.claims.get(Claim.TARGET_LINK_URI) or "")
    parts, base = urlsplit(target), urlsplit(settings.SMARTNOTES_BASE_URL)
    if not target or (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = parts.path.removeprefix(base.path.rstrip("/"))
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return path if match.view_name in _LAUNCH_TARGETS else None


@register(MessageType.RESOURCE_LINK)
def resource_link(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    path = launch_target_path(lti)
    if path is not None:
        return HttpResponseRedirect(with_token(path, lti.token))
    return HttpResponseRedirect(lti.url(landing_url_name(lti)))


@register(MessageType.DEEP_LINKING)
def deep_linking(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    return HttpResponseRedirect(lti.url("lti_tool:deep-link"))
