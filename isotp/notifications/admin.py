from django.contrib import admin

from isotp.notifications.models import DailyRun, Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was sent to whom, when, and what failed."""

    list_display = ["subject", "recipient", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in Email._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DailyRun)
class DailyRunAdmin(admin.ModelAdmin):
    list_display = ["job", "day", "started_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
