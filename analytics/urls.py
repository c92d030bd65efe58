from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.course, name="course"),
    path("my-feedback/", views.my_feedback, name="my-feedback"),
]
