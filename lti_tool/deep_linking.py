"""Deep Linking responses (LTI DL 2.0 §4.2): what an instructor attaches from
assignment or link selection, signed with the tool's active key."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource

from lti_tool.claims import Claim, MessageType
from lti_tool.launch import registration_for
from lti_tool.models import ResourceLink
from lti_tool.sessions import LtiLaunch

TARGET_COURSE = "course"


@dataclass(frozen=True, slots=True)
class DeepLinkChoice:
    value: str
    title: str


class DeepLinkError(Exception):
    pass


def deep_link_choices(lti: LtiLaunch) -> list[DeepLinkChoice]:
    """The course dashboard, then each known assignment link of the course."""
    choices = [DeepLinkChoice(TARGET_COURSE, "Smart Notes course dashboard")]
    if lti.context is not None:
        links = ResourceLink.objects.filter(context=lti.context).exclude(canvas_assignment_id="")
        choices += [
            DeepLinkChoice(f"assignment:{link.canvas_assignment_id}", f"Results: {link}")
            for link in links.order_by("title")
        ]
    return choices


def deep_link_response_build(*, lti: LtiLaunch, choice: str) -> tuple[str, str]:
    """(deep_link_return_url, signed LtiDeepLinkingResponse JWT) for one choice."""
    if lti.launch.message_type != MessageType.DEEP_LINKING:
        raise DeepLinkError("This launch is not a deep linking request.")
    picked = {c.value: c for c in deep_link_choices(lti)}.get(choice)
    if picked is None:
        raise DeepLinkError(f"Unknown choice {choice!r}.")
    dl_settings = lti.claims.get(Claim.DEEP_LINKING_SETTINGS) or {}
    if "ltiResourceLink" not in (dl_settings.get("accept_types") or ["ltiResourceLink"]):
        raise DeepLinkError("This placement does not accept LTI resource links.")
    custom = {"smartnotes_target": picked.value}
    resource = (
        DeepLinkResource()
        .set_url(settings.SMARTNOTES_BASE_URL + reverse("lti_tool:launch"))
        .set_title(picked.title)
        .set_custom_params(custom)
    )
    deep_link = DeepLink(
        registration_for(lti.platform), lti.claims[Claim.DEPLOYMENT_ID], dl_settings
    )
    return dl_settings["deep_link_return_url"], deep_link.get_response_jwt([resource])
