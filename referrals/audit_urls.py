from django.urls import path

from referrals import audit

app_name = "audit"

urlpatterns = [
    path("", audit.consultation_log, name="home"),
]
