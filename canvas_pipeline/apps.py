from django.apps import AppConfig


class CanvasPipelineConfig(AppConfig):
    name = "canvas_pipeline"
    verbose_name = "Canvas submission pipeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lti_tool import handlers

        # The comment's "Full report" link launches the tool at this page (decision 0010).
        handlers.launch_target_register("canvas_pipeline:report")
