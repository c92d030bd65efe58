"""Finding 5: the LTI private signing key was stored in plain text; production
started with DJANGO_DEBUG=1 and DJANGO_SECRET_KEY=x (a Low finding)."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from lti_tool.keys import tool_key_private_pem, tool_key_rotate
from tests.django.test_settings import PRODUCTION_ENV, _manage


def test_a_database_dump_holds_no_private_key(db):
    key = tool_key_rotate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM lti_tool_toolkey WHERE id = %s", [key.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert "PRIVATE KEY" not in row
    assert tool_key_private_pem(key).startswith("-----BEGIN PRIVATE KEY-----")


def test_field_key_rotation_still_opens_the_tool_key(db, settings):
    old = Fernet.generate_key().decode()
    settings.SMARTNOTES_FIELD_ENCRYPTION_KEY = old
    key = tool_key_rotate()
    settings.SMARTNOTES_FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode() + "," + old
    assert "PRIVATE KEY" in tool_key_private_pem(key)


def test_migration_encrypts_existing_plain_keys(transactional_db):
    from django.db.migrations.executor import MigrationExecutor

    from lti_tool.keys import _generate_pem_pair

    private, public = _generate_pem_pair()
    executor = MigrationExecutor(connection)
    before, after = (
        ("lti_tool", "0003_launch_revoked_at"),
        ("lti_tool", "0004_toolkey_private_key_encrypted"),
    )
    try:
        executor.migrate([before])
        old_apps = executor.loader.project_state([before]).apps
        old_apps.get_model("lti_tool", "ToolKey").objects.create(
            kid="legacy", private_key_pem=private, public_key_pem=public, is_active=False
        )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([after])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    from lti_tool.models import ToolKey

    stored = ToolKey.objects.get(kid="legacy")
    assert "PRIVATE KEY" not in stored.private_key_encrypted
    assert tool_key_private_pem(stored) == private


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_SECRET_KEY": "x"}, "DJANGO_SECRET_KEY must be at least 50"),
        ({"DJANGO_SECRET_KEY": "a" * 60}, "DJANGO_SECRET_KEY must be at least 50"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "abcdefghij" * 5}, "DJANGO_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_unsafe(overrides, named):
    result = _manage("check", env_overrides={**PRODUCTION_ENV, **overrides})
    assert result.returncode != 0
    assert named in result.stderr
