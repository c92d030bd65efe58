"""What each Asset Processor launch opens (registered with lti_tool.handlers)."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from asset_processor import validators
from lti_tool import handlers
from lti_tool.claims import Claim, MessageType
from lti_tool.sessions import LtiLaunch


def deep_linking(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    """Attach requests go to the processor page; other deep links to lti_tool's."""
    dl_settings = lti.claims.get(Claim.DEEP_LINKING_SETTINGS) or {}
    if validators.ASSET_PROCESSOR_TYPE in (dl_settings.get("accept_types") or []):
        return HttpResponseRedirect(lti.url("asset_processor:attach"))
    return handlers.deep_linking(request, lti)


def report_review(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    return HttpResponseRedirect(lti.url("asset_processor:report"))


def processor_settings(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    return HttpResponseRedirect(lti.url("asset_processor:settings"))


def eula(request: HttpRequest, lti: LtiLaunch) -> HttpResponse:
    return render(request, "asset_processor/eula.html", {"return_url": lti.return_url})


def register_all() -> None:
    handlers.register(MessageType.DEEP_LINKING, validator=validators.DeepLinkValidator())(
        deep_linking
    )
    handlers.register(MessageType.REPORT_REVIEW, validator=validators.ReportReviewValidator())(
        report_review
    )
    handlers.register(
        MessageType.ASSET_PROCESSOR_SETTINGS,
        validator=validators.AssetProcessorSettingsValidator(),
    )(processor_settings)
    handlers.register(MessageType.EULA, validator=validators.EulaValidator())(eula)
