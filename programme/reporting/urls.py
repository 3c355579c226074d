"""Reporting's pages, in the `programme:` namespace (programme/urls.py includes them)."""

from django.urls import path

from programme.reporting import views

urlpatterns = [
    path(
        "management-information/",
        views.management_information_page,
        name="management_information",
    ),
    # Groups needed to clear the waiting list against the facilitators (programme managers)
    path("offices/<int:pk>/capacity/", views.office_capacity_page, name="office_capacity"),
]
