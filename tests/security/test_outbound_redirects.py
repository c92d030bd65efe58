"""Finding 1 (SSRF): every server-side fetch (JWKS, Canvas API, asset downloads)
refuses redirects to hosts outside the allowed set and to private addresses; and
(a Low finding) failed JWKS fetches are remembered instead of repeated."""

import pytest

from lti_tool.models import Platform
from tests.lti.conftest import full_launch, json_response
from tests.security.conftest import redirect_to


def _port(platform_server) -> str:
    return platform_server.url.rsplit(":", 1)[1]


def _paths_since(platform_server, before: int) -> list[str]:
    return [r.path for r in platform_server.requests[before:]]


def test_jwks_redirect_to_loopback_is_refused(
    client, platform, platform_server, production_outbound
):
    port = _port(platform_server)
    Platform.objects.update(key_set_url=f"http://localhost:{port}/jwks-moved")
    platform_server.routes[("GET", "/jwks-moved")] = redirect_to(f"http://127.0.0.1:{port}/jwks")
    before = len(platform_server.requests)

    response = full_launch(client, platform, "instructor")

    assert response.status_code == 502
    assert "jwks_unavailable" in response.content.decode()
    assert "/jwks" not in _paths_since(platform_server, before)


def test_canvas_file_download_redirect_off_allowed_hosts_is_refused(platform_server, settings, db):
    from canvas_pipeline.canvas import CanvasClient, CanvasPermanentError

    settings.SMARTNOTES_OUTBOUND_HOSTS = ["*.instructure.com"]
    port = _port(platform_server)
    platform_server.routes[("GET", "/files/9/download")] = redirect_to(
        f"http://localhost:{port}/internal/admin"
    )
    before = len(platform_server.requests)
    client = CanvasClient(platform_server.url, "canvas-token")
    with pytest.raises(CanvasPermanentError) as refused:
        client.file_download(platform_server.url + "/files/9/download", max_bytes=1024)
    assert refused.value.code == "url_refused"
    assert _paths_since(platform_server, before) == ["/files/9/download"]


def test_canvas_api_redirect_to_loopback_is_refused(platform_server, production_outbound, db):
    from canvas_pipeline.canvas import CanvasClient, CanvasPermanentError

    port = _port(platform_server)
    platform_server.routes[("GET", "/api/v1/courses/1/assignments")] = redirect_to(
        f"http://127.0.0.1:{port}/internal/admin"
    )
    before = len(platform_server.requests)
    client = CanvasClient(f"http://localhost:{port}", "canvas-token")
    with pytest.raises(CanvasPermanentError) as refused:
        client.assignments_list(course_id=1)
    assert refused.value.code == "url_refused"
    assert "/internal/admin" not in _paths_since(platform_server, before)


def test_asset_download_redirect_to_loopback_is_refused(
    platform, platform_server, production_outbound, monkeypatch
):
    from asset_processor import platform_client
    from canvas_pipeline.canvas import CanvasPermanentError

    monkeypatch.setattr(platform_client, "_token", lambda *_: "service-token")
    port = _port(platform_server)
    platform_server.routes[("GET", "/assets/1")] = redirect_to(
        f"http://127.0.0.1:{port}/internal/admin"
    )
    before = len(platform_server.requests)
    with pytest.raises(CanvasPermanentError) as refused:
        platform_client.asset_download(
            platform=Platform.objects.get(),
            url=f"http://localhost:{port}/assets/1",
            sha256_b64="",
            size=None,
            max_bytes=1024,
        )
    assert refused.value.code == "url_refused"
    assert _paths_since(platform_server, before) == ["/assets/1"]


def test_failed_live_events_jwks_fetch_is_not_repeated_per_event(platform_server):
    from canvas_pipeline.services.intake import jwks_cache_clear, jwks_key_get

    jwks_cache_clear()
    platform_server.routes[("GET", "/broken-jwks")] = lambda _: json_response({}, 500)
    before = len(platform_server.requests)
    for _ in range(5):
        assert jwks_key_get(platform_server.url + "/broken-jwks", "forged-kid") is None
    assert _paths_since(platform_server, before) == ["/broken-jwks"]
    jwks_cache_clear()


def test_unknown_kid_launches_refetch_the_platform_jwks_at_most_once(
    client, platform, platform_server
):
    import dataclasses

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    forger = dataclasses.replace(platform, private_pem=pem)
    before = len(platform_server.requests)
    for _ in range(3):
        client.cookies.clear()
        assert full_launch(client, forger, "instructor").status_code == 400
    assert _paths_since(platform_server, before).count("/jwks") == 2  # first read + one refetch
