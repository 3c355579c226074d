from django.urls import path

from referrals import audit, views

app_name = "referrals"

urlpatterns = [
    path("offenders/new/", views.offender_create, name="offender_create"),
    path("offenders/find/", audit.case_lookup, name="case_lookup"),
    path("offenders/<int:pk>/edit/", views.offender_edit, name="offender_edit"),
    path("offenders/<int:pk>/offences/new/", views.offence_create, name="offence_create"),
    path(
        "offenders/<int:pk>/offences/<int:offence_pk>/edit/",
        views.offence_edit,
        name="offence_edit",
    ),
    path("offenders/<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/pdf/", views.assessment_pdf, name="assessment_pdf"),
    path("assessments/<int:pk>/refer/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/checklist/", views.referral_checklist, name="referral_checklist"),
    path("referrals/<int:pk>/pack.pdf", views.referral_pack_pdf, name="referral_pack_pdf"),
    path("waiting-list/", views.waiting_list, name="waiting_list"),
    path(
        "offenders/<int:pk>/consultations/",
        audit.offender_consultations,
        name="offender_consultations",
    ),
]
