from django.contrib import admin
from django.db import models

from lti_tool.models import (
    Deployment,
    Launch,
    LtiContext,
    LtiUser,
    Membership,
    Platform,
    ResourceLink,
    ToolKey,
)


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "client_id", "tool_platform_guid", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "issuer", "client_id")
    readonly_fields = ("tool_platform_guid", "created_at", "updated_at")
    inlines = [DeploymentInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    list_display = ("kid", "is_active", "created_at", "retired_at")
    # Keys are made by `manage.py lti_rotate_keys`; the private half is never shown.
    exclude = ("private_key_encrypted",)
    readonly_fields = ("kid", "public_key_pem", "is_active", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(LtiContext)
class LtiContextAdmin(admin.ModelAdmin):
    list_display = ("title", "context_id", "canvas_course_id", "platform", "roster_synced_at")
    search_fields = ("title", "context_id", "canvas_course_id")


@admin.register(LtiUser)
class LtiUserAdmin(admin.ModelAdmin):
    list_display = ("name", "sub", "canvas_user_id", "platform")
    search_fields = ("name", "email", "sub", "canvas_user_id")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "context", "source", "is_active")
    list_filter = ("source", "is_active")


@admin.register(ResourceLink)
class ResourceLinkAdmin(admin.ModelAdmin):
    list_display = ("title", "resource_link_id", "canvas_assignment_id", "context")


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "message_type", "user", "context", "platform")
    list_filter = ("message_type",)
    readonly_fields = [f.name for f in Launch._meta.fields] + ["claims"]
