"""The security suite replays each finding of issue #17 as an attack and asserts it
fails. It reuses the LTI test platform (a real local server and a third-party
platform library that signs id_tokens), so every attack runs the real checks."""

import ipaddress
from collections.abc import Callable

import pytest

from tests.lti.conftest import (  # noqa: F401 - fixtures shared with tests/lti
    _clear_cache,
    _tool_key,
    _tool_key_pems,
    platform,
    platform_key_pem,
    platform_server,
)
from tests.pipeline.conftest import (  # noqa: F401 - fixtures shared with tests/pipeline
    course,
    events_key,
    fake_canvas,
    installation,
    signed_event,
    text_submission,
)

PUBLIC_ADDRESS = ipaddress.ip_address("93.184.216.34")


def redirect_to(location: str) -> Callable[[object], tuple[int, dict[str, str], bytes]]:
    """A platform-server route that answers 302 to `location` (an open redirect)."""
    return lambda _request: (302, {"Location": location}, b"")


@pytest.fixture
def production_outbound(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's outbound rules, with `localhost` posing as a public host.

    The attacker's "allowed host" is the local server reached as `localhost`; the
    SSRF target is the same server reached as 127.0.0.1 (loopback), so a refused hop
    is a request that never arrives."""
    from ops import outbound

    settings.SMARTNOTES_OUTBOUND_ALLOW_PRIVATE = False
    settings.SMARTNOTES_OUTBOUND_HOSTS = ["localhost"]
    settings.LTI_DYNAMIC_REGISTRATION_HOSTS = ["localhost"]
    real = outbound.host_addresses
    monkeypatch.setattr(
        outbound,
        "host_addresses",
        lambda host: [PUBLIC_ADDRESS] if host == "localhost" else real(host),
    )
