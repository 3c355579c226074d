from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from isotp import sign_in, views
from programme.casework.views.today import home

admin.site.site_header = "i-SOTP case management: administration"
admin.site.site_title = "i-SOTP admin"
admin.site.index_title = "Records and staff"

urlpatterns = [
    # Each role's start page is the programme's: only it knows what is due today.
    path("", home, name="home"),
    path("health/", views.health, name="health"),
    path("robots.txt", views.robots),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-in/code/", sign_in.two_factor_verify, name="two_factor_verify"),
    path("sign-in/set-up/", sign_in.two_factor_setup, name="two_factor_setup"),
    path("account/password/", sign_in.password_change, name="password_change"),
    path("account/recovery-codes/", sign_in.recovery_codes, name="recovery_codes"),
    # One way in: the admin's own sign-in page sends people to the app's (password, then code).
    path(settings.ADMIN_PATH + "login/", views.admin_login),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("audit/", include("referrals.audit_urls")),
    path("", include("isotp.notifications.urls")),
    path("", include("referrals.urls")),
    path("", include("programme.urls")),
]
