from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health checks, metrics, structured logs, worker heartbeats."""

    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ops import celery_hooks

        celery_hooks.connect()
