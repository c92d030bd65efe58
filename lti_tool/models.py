"""LTI tool records: platform registrations, deployments, tool key pairs, and the
contexts, users, memberships, resource links and launches learned from launches."""

import uuid

from django.db import models


class Platform(models.Model):
    """One registration of Smart Notes with an LMS (issuer + client id)."""

    name = models.CharField(max_length=200)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    auth_login_url = models.URLField(max_length=500, help_text="Platform OIDC auth endpoint")
    auth_token_url = models.URLField(max_length=500, help_text="OAuth2 token endpoint")
    auth_audience = models.CharField(max_length=500, blank=True, default="")
    key_set_url = models.URLField(max_length=500, help_text="Platform public JWKS URL")
    canvas_api_url = models.URLField(
        max_length=500, blank=True, default="", help_text="Canvas REST API base URL"
    )
    # tool_platform.guid from launches; matches Live Events' root_account_lti_guid.
    tool_platform_guid = models.CharField(max_length=255, blank=True, default="")
    # Canvas creates a deployment id only when the app is installed, after a dynamic
    # registration; when set, a correctly signed launch may add its deployment.
    auto_register_deployments = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_platform_iss_client")
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer}, client {self.client_id})"


class Deployment(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id"], name="lti_deployment_platform_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} @ {self.platform.name}"


class ToolKey(models.Model):
    """An RS256 key pair of the tool. The active key signs; retired keys leave JWKS."""

    kid = models.CharField(max_length=100, unique=True)
    # Generated on the server and kept only in the database, never in the repo;
    # encrypted with SMARTNOTES_FIELD_ENCRYPTION_KEY (lti_tool.keys.tool_key_private_pem).
    private_key_encrypted = models.TextField()
    public_key_pem = models.TextField()
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="lti_toolkey_one_active",
            )
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        state = "active" if self.is_active else ("retired" if self.retired_at else "published")
        return f"{self.kid} ({state})"


class LtiContext(models.Model):
    """A course (or other LTI context) on one platform."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=500, blank=True, default="")
    label = models.CharField(max_length=255, blank=True, default="")
    canvas_course_id = models.CharField(max_length=64, blank=True, default="")
    canvas_api_domain = models.CharField(max_length=255, blank=True, default="")
    nrps_url = models.URLField(max_length=500, blank=True, default="")
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "context_id"], name="lti_context_uniq")
        ]

    def __str__(self) -> str:
        return self.title or self.context_id


class LtiUser(models.Model):
    """A person on one platform, identified by the id_token `sub`."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="users")
    sub = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    canvas_user_id = models.CharField(max_length=64, blank=True, default="")
    lti11_legacy_user_id = models.CharField(max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "sub"], name="lti_user_uniq")]

    def __str__(self) -> str:
        return self.name or self.sub


class Membership(models.Model):
    """A user's roles in a context, from launches and NRPS roster syncs."""

    class Source(models.TextChoices):
        LAUNCH = "launch", "Launch"
        NRPS = "nrps", "Roster sync"

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="memberships")
    roles = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LAUNCH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["context", "user"], name="lti_membership_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.context}"


class ResourceLink(models.Model):
    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="resource_links")
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=500, blank=True, default="")
    canvas_assignment_id = models.CharField(max_length=64, blank=True, default="")
    # $com.instructure.Assignment.lti.id: stable across course copies.
    lti_assignment_id = models.CharField(max_length=255, blank=True, default="")
    ags_lineitem_url = models.URLField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["context", "resource_link_id"], name="lti_resource_link_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.resource_link_id


class Launch(models.Model):
    """One validated launch. Its public id scopes the signed session token."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="launches")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="launches")
    user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="launches")
    context = models.ForeignKey(
        LtiContext, on_delete=models.CASCADE, null=True, blank=True, related_name="launches"
    )
    resource_link = models.ForeignKey(
        ResourceLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="launches"
    )
    message_type = models.CharField(max_length=64)
    roles = models.JSONField(default=list)
    claims = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Set by lti_tool.services.launch_revoke: the launch's session tokens stop working.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_type} by {self.user} at {self.created_at:%Y-%m-%d %H:%M}"
