from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    # Instructor and TA
    path("", views.course, name="course"),
    path("assignments/<int:assignment_id>/", views.assignment, name="assignment"),
    path("students/<str:canvas_user_id>/", views.student, name="student"),
    path("submissions/<uuid:public_id>/", views.submission, name="submission"),
    path(
        "submissions/<uuid:public_id>/progress.json",
        views.submission_progress,
        name="submission-progress",
    ),
    path("submissions/<uuid:public_id>/retry/", views.retry, name="retry"),
    path("claims/<int:claim_id>/override/", views.override, name="override"),
    path("review/", views.review, name="review"),
    path("review/<uuid:public_id>/approve/", views.approve, name="approve"),
    path(
        "review/assignments/<int:assignment_id>/approve/",
        views.approve_all,
        name="approve-all",
    ),
    path("export/claims.csv", views.export_claims, name="export-claims"),
    path("export/students.csv", views.export_students, name="export-students"),
    path("claim-check/", views.claim_check, name="claim-check"),
    path("settings/", views.course_settings, name="settings"),
    path("settings/materials/", views.materials_upload, name="materials"),
    # Learner
    path("my-feedback/", views.my_feedback, name="my-feedback"),
    path("my-feedback/<uuid:public_id>/", views.my_report, name="my-report"),
    path("my-analytics/", views.my_analytics, name="my-analytics"),
]
