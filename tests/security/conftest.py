# The local Canvas and a configured course, shared with the pipeline tests.
from tests.pipeline.conftest import (  # noqa: F401 - fixtures
    course,
    events_key,
    fake_canvas,
    installation,
    signed_event,
)
