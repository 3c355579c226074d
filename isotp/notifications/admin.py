from django.contrib import admin

from isotp.admin import ReadOnlyAdmin
from isotp.notifications.models import DailyRun, Email


@admin.register(Email)
class EmailAdmin(ReadOnlyAdmin):
    """The outbox, read-only: what was sent to whom, when, and what failed."""

    list_display = ["subject", "recipient", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in Email._meta.fields]


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "day", "started_at"]
