"""Dashboard fixtures: a seeded course (bench.seed) and launch tokens for its people."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bench.seed import SeedResult, course_seed
from lti_tool.claims import MessageType, Role
from lti_tool.models import Launch, LtiContext, LtiUser
from lti_tool.sessions import TOKEN_HEADER, session_token_issue

ROLES = {
    "instructor": [Role.INSTRUCTOR],
    "ta": [Role.TEACHING_ASSISTANT],
    "learner": [Role.LEARNER],
}


def launch_token(
    seed: SeedResult, user: LtiUser, role: str, context: LtiContext | None = None
) -> str:
    launch = Launch.objects.create(
        platform=seed.platform,
        deployment=seed.deployment,
        user=user,
        context=context or seed.context,
        message_type=MessageType.RESOURCE_LINK,
        roles=[str(r) for r in ROLES[role]],
        claims={},
    )
    return session_token_issue(launch)


class LtiClient(Client):
    """A test client whose every request carries the launch token header (no cookies)."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "headers": {TOKEN_HEADER: token}})
        self.token = token


@pytest.fixture
def course_a(db: None) -> SeedResult:
    return course_seed(
        students=8, assignments=3, claims=6, name="Biology 101", held=2, queued=1, failed=1
    )


@pytest.fixture
def course_b(db: None, course_a: SeedResult) -> SeedResult:
    return course_seed(
        students=6,
        assignments=2,
        claims=5,
        name="Chemistry 201",
        platform=course_a.platform,
        rng_seed=3,
    )


@pytest.fixture
def as_user() -> Callable[..., LtiClient]:
    def make(
        seed: SeedResult, user: LtiUser, role: str, context: LtiContext | None = None
    ) -> LtiClient:
        return LtiClient(launch_token(seed, user, role, context))

    return make
