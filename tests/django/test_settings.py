"""Production start-up: missing or insecure settings fail fast, by name."""

import os
import subprocess
import sys

from tests.conftest import REPO

PRODUCTION_ENV = {
    "SMARTNOTES_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-" + "x9" * 20,
    "DJANGO_ALLOWED_HOSTS": "smartnotes.example.edu",
    "DATABASE_URL": "postgres://smartnotes@127.0.0.1:5432/smartnotes",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SMARTNOTES_BASE_URL": "https://smartnotes.example.edu",
    # A valid Fernet key (32 url-safe base64 bytes), for tests only.
    "SMARTNOTES_FIELD_ENCRYPTION_KEY": "dGVzdC1vbmx5LWtleS1ub3QtYS1yZWFsLXNlY3JldCE=",
}


def _manage(*args: str, env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SMARTNOTES_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_variables_names_every_missing_one():
    result = _manage("check", env_overrides={"SMARTNOTES_ENV": "production"})

    assert result.returncode != 0
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert name in result.stderr


def test_production_refuses_sqlite():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}

    result = _manage("check", env_overrides=env)

    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env_overrides={},
    )

    assert result.stdout.strip().splitlines()[-1] == "False"
