from django.urls import path

app_name = "canvas_pipeline"

urlpatterns: list = []
