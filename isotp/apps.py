from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IsotpConfig(AppConfig):
    name = "isotp"
    verbose_name = "Staff and audit"

    def ready(self):
        from isotp.database_roles import secure_after_migrate

        # Once per migrate (sent for each app; this app's is enough), as the owner role.
        post_migrate.connect(secure_after_migrate, sender=self, dispatch_uid="isotp-grants")
        # Connects the security event log to sign-in, sign-out and lockout.
        from isotp import security_events  # noqa: F401
