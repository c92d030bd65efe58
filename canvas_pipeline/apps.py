from django.apps import AppConfig


class CanvasPipelineConfig(AppConfig):
    name = "canvas_pipeline"
    verbose_name = "Canvas submission pipeline"
    default_auto_field = "django.db.models.BigAutoField"
