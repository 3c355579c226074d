from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "isotp.notifications"
    label = "notifications"
    verbose_name = "Email notifications"
