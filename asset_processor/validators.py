"""pylti1p3 message validators for the Asset Processor messages.

Stock pylti1p3 2.0 refuses a deep-linking request whose ``accept_types`` lacks
``ltiResourceLink`` (the attach request offers only ``ltiAssetProcessor``) and knows
none of the other messages. These validators run after every check of
``lti_tool.launch.SmartNotesMessageLaunch`` (state, RS256 signature, aud/azp, iss,
exp/iat, single-use nonce, deployment); they only decide which claims each message
type must carry. https://www.imsglobal.org/spec/lti-ap/v1p0
"""

from typing import Any

from pylti1p3.exception import LtiException
from pylti1p3.message_validators.abstract import MessageValidatorAbstract
from pylti1p3.message_validators.deep_link import DeepLinkMessageValidator

from lti_tool.claims import Claim, MessageType

ASSET_PROCESSOR_TYPE = "ltiAssetProcessor"


def _require_id(jwt_body: dict[str, Any], claim: str, field: str = "id") -> None:
    value = jwt_body.get(claim)
    if not isinstance(value, dict) or not value.get(field):
        raise LtiException(f"Missing {claim} {field}")


class _TypeValidator(MessageValidatorAbstract):
    message_type = ""

    def can_validate(self, jwt_body: dict[str, Any]) -> bool:
        return jwt_body.get(Claim.MESSAGE_TYPE) == self.message_type


class DeepLinkValidator(DeepLinkMessageValidator):
    """pylti1p3's deep-linking checks, with ``ltiAssetProcessor`` as an alternative to
    ``ltiResourceLink``; an attach request must name the activity and the platform
    notification service the handler is registered with."""

    def validate(self, jwt_body: dict[str, Any]) -> bool:
        dl_settings = jwt_body.get(Claim.DEEP_LINKING_SETTINGS)
        accept = dl_settings.get("accept_types") if isinstance(dl_settings, dict) else None
        if not isinstance(accept, list) or ASSET_PROCESSOR_TYPE not in accept:
            return bool(super().validate(jwt_body))
        self.run_common_validators(jwt_body)
        if not isinstance(dl_settings, dict) or not dl_settings.get("deep_link_return_url"):
            raise LtiException("Missing Deep Linking Return URL")
        _require_id(jwt_body, Claim.ACTIVITY)
        _require_id(
            jwt_body, Claim.PLATFORM_NOTIFICATION_SERVICE, "platform_notification_service_url"
        )
        return True


class ReportReviewValidator(_TypeValidator):
    """LtiReportReviewRequest: whose report, for which activity, attempt and report type."""

    message_type = MessageType.REPORT_REVIEW

    def validate(self, jwt_body: dict[str, Any]) -> bool:
        self.run_common_validators(jwt_body)
        _require_id(jwt_body, Claim.ACTIVITY)
        _require_id(jwt_body, Claim.SUBMISSION)
        _require_id(jwt_body, Claim.FOR_USER, "user_id")
        if not jwt_body.get(Claim.ASSET_REPORT_TYPE):
            raise LtiException("Missing assetreport_type")
        return True


class AssetProcessorSettingsValidator(_TypeValidator):
    """LtiAssetProcessorSettingsRequest: the processor's settings for one activity."""

    message_type = MessageType.ASSET_PROCESSOR_SETTINGS

    def validate(self, jwt_body: dict[str, Any]) -> bool:
        self.run_common_validators(jwt_body)
        _require_id(jwt_body, Claim.ACTIVITY)
        _require_id(jwt_body, Claim.CONTEXT)
        return True


class EulaValidator(_TypeValidator):
    """LtiEulaRequest: the platform asks the user to read the tool's terms."""

    message_type = MessageType.EULA

    def validate(self, jwt_body: dict[str, Any]) -> bool:
        self.run_common_validators(jwt_body)
        _require_id(jwt_body, Claim.EULA_SERVICE, "url")
        return True
