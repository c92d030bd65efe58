"""The Canvas developer-key JSON (Settings > Developer Keys > LTI Key > Enter URL).

Format: https://canvas.instructure.com/doc/api/file.lti_dev_key_config.html
"""

from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from lti_tool.claims import TOOL_SCOPES, MessageType
from lti_tool.services import CUSTOM_FIELDS

TITLE = "Smart Notes"
DESCRIPTION = "Checks the claims in student notes against course materials."


def tool_urls() -> dict[str, str]:
    base = settings.SMARTNOTES_BASE_URL
    return {
        "login": base + reverse("lti_tool:login"),
        "launch": base + reverse("lti_tool:launch"),
        "jwks": base + reverse("lti_tool:jwks"),
        "config": base + reverse("lti_tool:config"),
        "register": base + reverse("lti_tool:register"),
        "icon": base + static("lti_tool/icon.svg"),
    }


def _placement(name: str, message_type: str, launch_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "placement": name,
        "message_type": message_type,
        "target_link_uri": launch_url,
        "text": TITLE,
        **extra,
    }


def canvas_config() -> dict[str, Any]:
    urls = tool_urls()
    domain = settings.SMARTNOTES_BASE_URL.split("://", 1)[-1].split("/", 1)[0]
    launch = urls["launch"]
    placements = [
        _placement("course_navigation", MessageType.RESOURCE_LINK, launch, default="enabled"),
        _placement("assignment_edit", MessageType.RESOURCE_LINK, launch),
        _placement("assignment_selection", MessageType.DEEP_LINKING, launch),
        _placement("link_selection", MessageType.DEEP_LINKING, launch),
        # "Add Document Processing App" on an assignment (LTI Asset Processor attach).
        _placement("ActivityAssetProcessor", MessageType.DEEP_LINKING, launch),
    ]
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls["login"],
        "target_link_uri": launch,
        "public_jwk_url": urls["jwks"],
        "scopes": list(TOOL_SCOPES),
        "custom_fields": dict(CUSTOM_FIELDS),
        "extensions": [
            {
                "domain": domain,
                "tool_id": "smart-notes",
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {
                    "text": TITLE,
                    "icon_url": urls["icon"],
                    "placements": placements,
                },
            }
        ],
    }
