from django.urls import path

from drafts import views

app_name = "drafts"
urlpatterns = [
    path("", views.check, name="check"),
    path("course/", views.course_drafts, name="course"),
    path("<uuid:public_id>/", views.draft, name="draft"),
    path("<uuid:public_id>/progress/", views.draft_progress, name="progress"),
    path(
        "<uuid:public_id>/claims/<int:claim_index>/passage/",
        views.passage,
        name="passage",
    ),
]
