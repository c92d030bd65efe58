"""What a validated launch shows, per LTI message type.

    from lti_tool import handlers

    @handlers.register("LtiAssetProcessorSettingsRequest")
    def asset_processor_settings(request, lti): ...   # lti is an LtiLaunch

A handler gets the request and the new `LtiLaunch` (token already issued) and
returns the response. Pair it with a message validator (see lti_tool.launch).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from lti_tool.claims import MessageType
from lti_tool.sessions import LtiLaunch

Handler = Callable[[HttpRequest, LtiLaunch], HttpResponse]
_HANDLERS: dict[str, Handler] = {}


def register(message_type: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _HANDLERS[message_type] = handler
        return handler

    return decorator


def handler_for(message_type: str) -> Handler | None:
    return _HANDLERS.get(message_type)


def landing_url_name(lti: LtiLaunch) -> str:
    """Where a role lands: staff on the course page, learners on their feedback,
    institution/system administrators on the installation status page."""
    if lti.is_instructor and lti.context is not None:
        return "analytics:course"
    if lti.is_learner and lti.context is not None:
        return "analytics:my-feedback"
    if lti.is_admin:
        return "lti_tool:status"
    return "lti_tool:no-role"


@register(MessageType.RESOURCE_LINK)
def resource_link(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    return HttpResponseRedirect(lti.url(landing_url_name(lti)))


@register(MessageType.DEEP_LINKING)
def deep_linking(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    return HttpResponseRedirect(lti.url("lti_tool:deep-link"))
