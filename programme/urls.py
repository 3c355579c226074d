from django.urls import include, path

from programme.views import (
    calendar,
    groups,
    non_associations,
    offender_manager,
    one_to_ones,
    post_programme,
    register,
    staffing,
)

app_name = "programme"

urlpatterns = [
    # Each sub-package's pages, in this namespace (docs/architecture.md)
    path("", include("programme.casework.urls")),
    path("", include("programme.documents.urls")),
    path("", include("programme.auditing.urls")),
    path("", include("programme.reporting.urls")),
    path("account/calendar/", calendar.calendar_settings, name="calendar_settings"),
    path("calendar/<str:secret>.ics", calendar.calendar_feed, name="calendar_feed"),
    # Groups, their schedule and allocation (programme managers; facilitators read)
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/<int:pk>/", groups.group_detail, name="group"),
    path("groups/<int:pk>/allocate/", groups.group_allocate, name="group_allocate"),
    path("sessions/<int:pk>/move/", groups.session_move, name="session_move"),
    # Who runs each session, and facilitator continuity (programme managers)
    path("groups/<int:pk>/facilitators/", staffing.session_staffing, name="session_staffing"),
    path("groups/continuity/", staffing.office_continuity, name="office_continuity"),
    # One-to-ones in the schedule: scheduled by his OM or a programme manager, recorded by a
    # facilitator named on it
    path("referrals/<int:pk>/one-to-ones/new/", one_to_ones.one_to_one_new, name="one_to_one_new"),
    path("one-to-ones/<int:pk>/", one_to_ones.one_to_one_detail, name="one_to_one"),
    path(
        "one-to-ones/<int:pk>/record/",
        one_to_ones.one_to_one_record_view,
        name="one_to_one_record",
    ),
    path(
        "one-to-ones/<int:pk>/cancel/",
        one_to_ones.one_to_one_cancel_view,
        name="one_to_one_cancel",
    ),
    # Registers, catch-ups and members (facilitators)
    path("sessions/<int:pk>/register/", register.register, name="register"),
    path("catch-ups/<int:pk>/", register.catch_up, name="catch_up"),
    path("placements/<int:pk>/", register.placement_detail, name="placement"),
    path("placements/<int:pk>/feedback/", register.placement_feedback, name="placement_feedback"),
    # The offender manager's work
    path("enforcement/<int:pk>/", offender_manager.enforcement, name="enforcement"),
    path(
        "enforcement/<int:pk>/correct/",
        offender_manager.enforcement_correct,
        name="enforcement_correct",
    ),
    path("referrals/<int:pk>/move/", offender_manager.referral_move, name="referral_move"),
    path(
        "offenders/<int:pk>/non-associations/",
        non_associations.non_associations,
        name="non_associations",
    ),
    path(
        "non-associations/<int:pk>/end/",
        non_associations.non_association_stop,
        name="non_association_stop",
    ),
    path(
        "offenders/<int:pk>/risk-reviews/new/",
        offender_manager.risk_review_create,
        name="risk_review_create",
    ),
    path(
        "offenders/<int:pk>/appointments/new/",
        offender_manager.appointment_create,
        name="appointment_create",
    ),
    path("appointments/<int:pk>/", offender_manager.appointment_edit, name="appointment_edit"),
    # After the programme
    path("referrals/<int:pk>/post-programme/", post_programme.overview, name="post_programme"),
    path("referrals/<int:pk>/report/", post_programme.report_edit, name="report_edit"),
    path("reports/<int:pk>/", post_programme.report_detail, name="report"),
    path("reports/<int:pk>/submit/", post_programme.report_submit, name="report_submit"),
    path("reports/<int:pk>/correct/", post_programme.report_correct, name="report_correct"),
    path("referrals/<int:pk>/handover/", post_programme.handover_create, name="handover_create"),
    path(
        "referrals/<int:pk>/reassessment/",
        post_programme.reassessment_create,
        name="reassessment_create",
    ),
    path("recommendations/<int:pk>/", post_programme.recommendation_edit, name="recommendation"),
    path("referrals/<int:pk>/close/", post_programme.referral_close, name="referral_close"),
]
