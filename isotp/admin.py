from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from isotp.models import AccessLog, Office, ProbationArea, Staff


class NoDeleteAdmin(admin.ModelAdmin):
    """Records are never hard-deleted: people leave, records are kept."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProbationArea)
class ProbationAreaAdmin(NoDeleteAdmin):
    search_fields = ["name"]


@admin.register(Office)
class OfficeAdmin(NoDeleteAdmin):
    list_display = ["name", "area"]
    list_filter = ["area"]
    search_fields = ["name", "area__name"]


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "office",
        "accredited_on",
        "is_active",
    ]
    list_filter = ["role", "office", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["office"]
    fieldsets = UserAdmin.fieldsets + (
        ("Role and office", {"fields": ("role", "office", "accredited_on")}),
    )
    add_fieldsets = UserAdmin.add_fieldsets + (
        (
            "Role and office",
            {"fields": ("first_name", "last_name", "role", "office", "accredited_on")},
        ),
    )

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: history and access logs point at staff.
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "staff", "action", "record_type", "record_id", "path"]
    list_filter = ["action", "record_type"]
    search_fields = ["staff__username", "record_id", "path"]
    list_select_related = ["staff"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
