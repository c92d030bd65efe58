"""LTI 1.3 claim URIs, role URIs and message types, as str enums.

Spec: https://www.imsglobal.org/spec/lti/v1p3/ (core claims),
https://www.imsglobal.org/spec/lti-dl/v2p0 (deep linking),
https://canvas.instructure.com/doc/api/file.lti_dev_key_config.html (Canvas claims).
"""

from enum import StrEnum

_LTI = "https://purl.imsglobal.org/spec/lti/claim/"


class Claim(StrEnum):
    MESSAGE_TYPE = _LTI + "message_type"
    VERSION = _LTI + "version"
    DEPLOYMENT_ID = _LTI + "deployment_id"
    TARGET_LINK_URI = _LTI + "target_link_uri"
    RESOURCE_LINK = _LTI + "resource_link"
    ROLES = _LTI + "roles"
    CONTEXT = _LTI + "context"
    CUSTOM = _LTI + "custom"
    TOOL_PLATFORM = _LTI + "tool_platform"
    LAUNCH_PRESENTATION = _LTI + "launch_presentation"
    LTI11_LEGACY_USER_ID = _LTI + "lti11_legacy_user_id"
    DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    PLATFORM_NOTIFICATION_SERVICE = (
        "https://purl.imsglobal.org/spec/lti/claim/platformnotificationservice"
    )
    CANVAS_PLACEMENT = "https://www.instructure.com/placement"
    # LTI Asset Processor 1.0 (https://www.imsglobal.org/spec/lti-ap/v1p0).
    ACTIVITY = _LTI + "activity"
    SUBMISSION = _LTI + "submission"
    ASSET = _LTI + "asset"
    ASSET_REPORT_TYPE = _LTI + "assetreport_type"
    FOR_USER = _LTI + "for_user"
    NOTICE = _LTI + "notice"
    ASSET_SERVICE = "https://purl.imsglobal.org/spec/lti/claim/assetservice"
    ASSET_REPORT = "https://purl.imsglobal.org/spec/lti/claim/assetreport"
    EULA_SERVICE = "https://purl.imsglobal.org/spec/lti/claim/eulaservice"


class MessageType(StrEnum):
    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
    REPORT_REVIEW = "LtiReportReviewRequest"
    ASSET_PROCESSOR_SETTINGS = "LtiAssetProcessorSettingsRequest"
    EULA = "LtiEulaRequest"


class Scope(StrEnum):
    AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
    AGS_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    NRPS_READONLY = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
    # Platform Notification Service and Asset Processor (Canvas "Document Processor").
    NOTICE_HANDLERS = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
    ASSET_READONLY = "https://purl.imsglobal.org/spec/lti/scope/asset.readonly"
    ASSET_REPORT = "https://purl.imsglobal.org/spec/lti/scope/report"


TOOL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


class Role(StrEnum):
    """The roles Smart Notes acts on (context roles unless named otherwise)."""

    INSTRUCTOR = _MEMBERSHIP + "Instructor"
    TEACHING_ASSISTANT = _MEMBERSHIP + "Instructor#TeachingAssistant"
    LEARNER = _MEMBERSHIP + "Learner"
    CONTEXT_ADMINISTRATOR = _MEMBERSHIP + "Administrator"
    INSTITUTION_ADMINISTRATOR = _INSTITUTION + "Administrator"
    SYSTEM_ADMINISTRATOR = _SYSTEM + "Administrator"


class AppRole(StrEnum):
    """What a launch may do in Smart Notes, derived from its LTI roles."""

    INSTRUCTOR = "instructor"
    TEACHING_ASSISTANT = "ta"
    LEARNER = "learner"
    ADMINISTRATOR = "admin"


def app_roles(lti_roles: list[str] | tuple[str, ...]) -> frozenset[AppRole]:
    """Map LTI role URIs (full or short form) to Smart Notes roles."""
    found: set[AppRole] = set()
    for raw in lti_roles:
        # Short forms ("Instructor") are allowed for context roles (LTI 1.3 §A.2.3.1).
        role = raw if "://" in raw else _MEMBERSHIP + raw
        if role == Role.TEACHING_ASSISTANT or role.endswith("#TeachingAssistant"):
            found.add(AppRole.TEACHING_ASSISTANT)
        elif role == Role.INSTRUCTOR:
            found.add(AppRole.INSTRUCTOR)
        elif role == Role.LEARNER:
            found.add(AppRole.LEARNER)
        elif role in (Role.INSTITUTION_ADMINISTRATOR, Role.SYSTEM_ADMINISTRATOR):
            found.add(AppRole.ADMINISTRATOR)
    return frozenset(found)
