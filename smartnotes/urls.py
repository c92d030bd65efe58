from django.contrib import admin
from django.urls import include, path

from ops import views as ops_views

urlpatterns = [
    path("health/", ops_views.liveness, name="health"),
    path("health/ready/", ops_views.readiness, name="health-ready"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("lti/", include("lti_tool.urls")),
    path("course/", include("analytics.urls")),
    path("drafts/", include("drafts.urls")),
    path("canvas/", include("canvas_pipeline.urls")),
    path("asset-processor/", include("asset_processor.urls")),
    path("", include("verification.urls")),
]
