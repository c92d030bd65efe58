from django.apps import AppConfig


class AssetProcessorConfig(AppConfig):
    name = "asset_processor"
    verbose_name = "LTI Asset Processor"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from asset_processor import handlers, publishing
        from canvas_pipeline.services import extensions

        handlers.register_all()
        extensions.text_source_register(publishing.job_assets_text)
        extensions.publisher_register(publishing.job_reports_publish)
        extensions.failure_listener_register(publishing.job_failure_report)
        extensions.correction_publisher_register(publishing.job_reports_correct)
