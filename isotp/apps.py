from django.apps import AppConfig


class IsotpConfig(AppConfig):
    name = "isotp"
    verbose_name = "Staff and audit"

    def ready(self):
        # Connects the security event log to sign-in, sign-out and lockout.
        from isotp import security_events  # noqa: F401
