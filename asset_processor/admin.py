from django.contrib import admin

from asset_processor.models import Asset, AssetProcessor, Notice, ReportPost


@admin.register(AssetProcessor)
class AssetProcessorAdmin(admin.ModelAdmin):
    list_display = ("title", "lti_assignment_id", "course", "release_policy", "created_at")
    list_filter = ("release_policy",)
    search_fields = ("lti_assignment_id", "title")
    readonly_fields = ("public_id", "handler_registered_at", "notice_handler_url")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("notice_id", "notice_type", "outcome", "job", "received_at")
    list_filter = ("notice_type", "outcome")
    search_fields = ("notice_id",)
    readonly_fields = ("platform", "notice_id", "notice_type", "claims", "job", "outcome")


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "job", "content_type", "status", "error_code", "final_report_at")
    list_filter = ("status", "error_code")
    search_fields = ("asset_id", "filename")


@admin.register(ReportPost)
class ReportPostAdmin(admin.ModelAdmin):
    list_display = ("asset", "processing_progress", "timestamp", "http_status", "sent_at")
    list_filter = ("processing_progress", "http_status")
    readonly_fields = ("asset", "processing_progress", "timestamp", "payload", "http_status")
