from django.urls import path

from canvas_pipeline import views

app_name = "canvas_pipeline"

urlpatterns = [
    path("events/", views.events, name="events"),
    path("events/<str:secret_token>/", views.events_secret, name="events-secret"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:public_id>/retry/", views.job_retry_view, name="job-retry"),
    path("jobs/<uuid:public_id>/approve/", views.job_approve_view, name="job-approve"),
    path("reports/<uuid:public_id>/", views.report, name="report"),
    path("oauth/start/", views.oauth_start, name="oauth-start"),
    path("oauth/callback/", views.oauth_callback, name="oauth-callback"),
]
