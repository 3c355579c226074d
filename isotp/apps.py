from django.apps import AppConfig


class IsotpConfig(AppConfig):
    name = "isotp"
    verbose_name = "Staff and audit"
