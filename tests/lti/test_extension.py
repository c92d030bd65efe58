"""A new message type plugs in through lti_tool.handlers (what issue 7 does for
Asset Processor messages), driven by the platform library like any launch."""

import pytest
from django.http import HttpResponse
from pylti1p3.exception import LtiException
from pylti1p3.message_validators.abstract import MessageValidatorAbstract

from lti_tool import handlers
from lti_tool.claims import Claim
from tests.lti.conftest import oidc_login, post_launch

CUSTOM_TYPE = "LtiExampleSettingsRequest"


class ExampleValidator(MessageValidatorAbstract):
    def can_validate(self, jwt_body) -> bool:
        return jwt_body.get(Claim.MESSAGE_TYPE) == CUSTOM_TYPE

    def validate(self, jwt_body) -> bool:
        self.run_common_validators(jwt_body)
        if not jwt_body.get(Claim.CONTEXT):
            raise LtiException("Missing context")
        return True


@pytest.fixture
def example_type():
    @handlers.register(CUSTOM_TYPE, validator=ExampleValidator())
    def example(request, lti):
        return HttpResponse(f"settings for {lti.context} as {sorted(str(r) for r in lti.roles)}")

    yield
    handlers.unregister(CUSTOM_TYPE)


def _custom_launch(client, platform):
    params = oidc_login(client, platform)
    data = platform.id_token(params, "instructor", extra={Claim.MESSAGE_TYPE: CUSTOM_TYPE})
    return post_launch(client, data)


def test_registered_message_type_reaches_its_handler(client, platform, example_type):
    response = _custom_launch(client, platform)
    assert response.status_code == 200
    assert response.content.decode() == "settings for Biology 101 as ['instructor']"


def test_unregistered_message_type_is_refused(client, platform):
    assert _custom_launch(client, platform).status_code == 400
