"""Casework's pages, in the `programme:` namespace (programme/urls.py includes them)."""

from django.urls import path

from programme.casework.views import actions, caseload, my_groups, overview, today, waiting_list

urlpatterns = [
    path("today/", today.today, name="today"),
    path("offenders/", caseload.caseload, name="caseload"),
    # The waiting list, and allocating from it (programme managers)
    path("waiting-list/", waiting_list.waiting_list, name="waiting_list"),
    path(
        "waiting-list/allocate/",
        waiting_list.waiting_list_allocate,
        name="waiting_list_allocate",
    ),
    # The offender's overview: every phase, his programme, and his timeline
    path("offenders/<int:pk>/", overview.offender_overview, name="offender"),
    path("offenders/<int:pk>/timeline/", overview.offender_timeline, name="offender_timeline"),
    path(
        "offenders/<int:pk>/personal-details/",
        overview.offender_personal_details,
        name="offender_personal_details",
    ),
    path("offenders/<int:pk>/history/", overview.offender_history, name="offender_history"),
    path("offenders/<int:pk>/outside/", overview.case_outside, name="case_outside"),
    path("offenders/<int:pk>/programme/", overview.offender_programme, name="offender_programme"),
    # The offender manager's actions
    path("actions/", actions.actions, name="actions"),
    path("notices/acknowledge/", actions.notices_acknowledge, name="notices_acknowledge"),
    path("notices/<int:pk>/acknowledge/", actions.notice_acknowledge, name="notice_acknowledge"),
    # The facilitator's groups and work after the programme
    path("my-groups/", my_groups.facilitator_home, name="facilitator_home"),
    path("my-groups/reports-to-write/", my_groups.reports_to_write, name="reports_to_write"),
    path(
        "my-groups/handovers-to-attend/",
        my_groups.handovers_to_attend,
        name="handovers_to_attend",
    ),
]
