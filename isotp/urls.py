from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from isotp import views

admin.site.site_header = "i-SOTP case management: administration"
admin.site.site_title = "i-SOTP admin"
admin.site.index_title = "Records and staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("robots.txt", views.robots),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("audit/", include("referrals.audit_urls")),
    path("", include("referrals.urls")),
    path("", include("programme.urls")),
]
