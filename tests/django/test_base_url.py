"""The embedded default follows the port: `PORT=8123 make run` (and manage.py with
PORT set) puts that port in every URL the tool generates; production still needs
SMARTNOTES_BASE_URL."""

import os
import subprocess
import sys

from tests.conftest import REPO

PORT = "8123"
PLATFORM_ARGS = [
    "--name",
    "Local Canvas",
    "--issuer",
    "https://canvas.test.instructure.com",
    "--client-id",
    "10000000000009",
    "--deployment-id",
    "1:abc",
    "--auth-login-url",
    "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--auth-token-url",
    "https://sso.canvaslms.com/login/oauth2/token",
    "--key-set-url",
    "https://sso.canvaslms.com/api/lti/security/jwks",
]
URLS = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
config = Client().get("/lti/config.json", HTTP_HOST="127.0.0.1").content.decode()
print(settings.SMARTNOTES_BASE_URL)
print(config)
"""


def _env(tmp_path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SMARTNOTES_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("PORT", None)
    env.update(
        {
            "SMARTNOTES_ENV": "dev",
            "SMARTNOTES_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "smartnotes.settings",
            **overrides,
        }
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_port_is_in_the_config_json_and_every_command_output(tmp_path):
    env = _env(tmp_path, PORT=PORT)
    _run(["manage.py", "migrate", "-v", "0"], env)

    base, config = _run(["-c", URLS], env).split("\n", 1)
    platform = _run(["manage.py", "lti_add_platform", *PLATFORM_ARGS], env)
    connect = _run(
        [
            "manage.py",
            "canvas_connect",
            "--platform",
            "Local Canvas",
            "--root-account-uuid",
            "root-uuid",
            "--api-url",
            "https://canvas.test",
            "--api-token",
            "t",
        ],
        env,
    )

    assert base == f"http://127.0.0.1:{PORT}"
    for output in (config, platform, connect):
        assert f"127.0.0.1:{PORT}" in output
        assert "127.0.0.1:8000" not in output


def test_make_run_passes_its_port_on(tmp_path):
    """smartnotes.devrun gives web and worker SMARTNOTES_PORT, which wins over PORT."""
    env = _env(tmp_path, SMARTNOTES_PORT=PORT, PORT="9999")

    base = _run(["-c", URLS], env).split("\n", 1)[0]

    assert base == f"http://127.0.0.1:{PORT}"
