"""Draft check fixtures: the pipeline's course (local fake Canvas, real materials), linked
to an LTI context, with a learner, a second learner and an instructor holding launch tokens."""

from dataclasses import dataclass
from typing import Any

import pytest

from lti_tool.claims import MessageType, Role
from lti_tool.models import Deployment, Launch, LtiContext, LtiUser
from lti_tool.sessions import session_token_issue
from tests.analytics.conftest import LtiClient

# Pipeline fixtures: fake Canvas (a real HTTP server), installation, course with materials.
from tests.pipeline.conftest import (  # noqa: F401
    course,
    events_key,
    fake_canvas,
    installation,
    verifier_settings,
)

ROLES = {"instructor": Role.INSTRUCTOR, "ta": Role.TEACHING_ASSISTANT, "learner": Role.LEARNER}


@dataclass
class DraftCourse:
    course: Any
    context: LtiContext
    deployment: Deployment
    learner: LtiUser
    classmate: LtiUser
    instructor: LtiUser

    def client(self, user: LtiUser, role: str, *, custom: dict[str, str] | None = None) -> Any:
        launch = Launch.objects.create(
            platform=self.context.platform,
            deployment=self.deployment,
            user=user,
            context=self.context,
            message_type=MessageType.RESOURCE_LINK,
            roles=[str(ROLES[role])],
            claims={"https://purl.imsglobal.org/spec/lti/claim/custom": custom or {}},
        )
        return LtiClient(session_token_issue(launch))


@pytest.fixture
def draft_course(course: Any) -> DraftCourse:  # noqa: F811
    platform = course.installation.platform
    context = LtiContext.objects.create(platform=platform, context_id="course-7", title="Bio")
    course.lti_context = context
    course.save(update_fields=["lti_context"])
    deployment = Deployment.objects.create(platform=platform, deployment_id="dep-1")
    users = [
        LtiUser.objects.create(platform=platform, sub=sub, canvas_user_id=canvas, name=name)
        for sub, canvas, name in (
            ("u-learner", "502", "Lee Learner"),
            ("u-classmate", "503", "Cam Classmate"),
            ("u-instructor", "501", "Ida Instructor"),
        )
    ]
    return DraftCourse(course, context, deployment, *users)
