"""Auditing's pages, in the `programme:` namespace (programme/urls.py includes them)."""

from django.urls import path

from programme.auditing import views

urlpatterns = [
    # Subject access requests (auditors): everything held about one man, in one download
    path("subject-access/<int:pk>/", views.subject_access, name="subject_access"),
]
