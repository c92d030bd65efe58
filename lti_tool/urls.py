from django.urls import path

from lti_tool import views

app_name = "lti_tool"
urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    path("config.json", views.config_json, name="config"),
    path("login/", views.login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("launch/verify/", views.launch_verify, name="launch-verify"),
    path("deep-link/", views.deep_link, name="deep-link"),
    path("register/", views.register, name="register"),
    path("status/", views.status, name="status"),
    path("no-role/", views.no_role, name="no-role"),
]
