from django.urls import path

from verification import views

app_name = "verification"
urlpatterns = [
    path("", views.home, name="home"),
    path("demo/", views.demo_form, name="demo"),
    path("demo/runs/<uuid:public_id>/", views.demo_run, name="demo-run"),
    path(
        "demo/runs/<uuid:public_id>/progress.json",
        views.demo_run_progress,
        name="demo-run-progress",
    ),
]
