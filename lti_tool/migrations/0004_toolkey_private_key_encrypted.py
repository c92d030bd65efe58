"""Encrypt tool private keys at rest (issue #17): existing PEMs are sealed with
SMARTNOTES_FIELD_ENCRYPTION_KEY and the plain-text column is dropped."""

from django.db import migrations, models


def _encrypt_existing(apps, schema_editor):
    from canvas_pipeline import crypto

    ToolKey = apps.get_model("lti_tool", "ToolKey")
    for key in ToolKey.objects.all():
        key.private_key_encrypted = crypto.encrypt(key.private_key_pem)
        key.save(update_fields=["private_key_encrypted"])


def _decrypt_existing(apps, schema_editor):
    from canvas_pipeline import crypto

    ToolKey = apps.get_model("lti_tool", "ToolKey")
    for key in ToolKey.objects.all():
        key.private_key_pem = crypto.decrypt(key.private_key_encrypted)
        key.save(update_fields=["private_key_pem"])


class Migration(migrations.Migration):
    dependencies = [("lti_tool", "0003_launch_revoked_at")]

    operations = [
        migrations.AddField(
            model_name="toolkey",
            name="private_key_encrypted",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="toolkey",
            name="private_key_pem",
            field=models.TextField(default=""),
        ),
        migrations.RunPython(_encrypt_existing, _decrypt_existing),
        migrations.RemoveField(model_name="toolkey", name="private_key_pem"),
    ]
