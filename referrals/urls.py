from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("offenders/", views.caseload, name="caseload"),
    path("offenders/new/", views.offender_create, name="offender_create"),
    path("offenders/<int:pk>/", views.offender_detail, name="offender"),
    path("offenders/<int:pk>/edit/", views.offender_edit, name="offender_edit"),
    path("offenders/<int:pk>/offences/new/", views.offence_create, name="offence_create"),
    path(
        "offenders/<int:pk>/offences/<int:offence_pk>/edit/",
        views.offence_edit,
        name="offence_edit",
    ),
]
