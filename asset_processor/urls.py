from django.urls import path

from asset_processor import views

app_name = "asset_processor"
urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("attach/", views.attach, name="attach"),
    path("report/", views.report, name="report"),
    path("settings/", views.processor_settings, name="settings"),
]
