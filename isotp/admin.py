from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.text import capfirst
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from isotp.models import AccessLog, Office, PdfRendering, ProbationArea, Staff
from isotp.security_events import security_event
from isotp.two_factor import second_factor_reset

# The admin opens only to a user verified with a second factor (django-otp's admin site); the
# middleware sends them to give it first (isotp.security.SecondFactorRequiredMiddleware).
admin.site.__class__ = OTPAdminSite
# Second-factor devices are not edited in the admin (their keys are secrets): an admin resets a
# colleague's second factor with the logged action on the staff list. (django-otp's apps come
# before this one in INSTALLED_APPS, so their admins are registered by now.)
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)

# What decides what a member of staff may do: a change to any is a security event.
ACCESS_FIELDS = ("role", "is_staff", "is_superuser", "is_active")

SPLIT_PARTS = ("date", "time")


def name_inputs(formfield, label: str, *, every_input: bool) -> None:
    """Give the inputs Django's admin templates leave without a <label> an accessible name:
    each part of a date-and-time field (under a legend, not a label), and, in a tabular
    inline, every input (its label is the column heading)."""
    widget = formfield.widget
    while hasattr(widget, "widget"):  # the admin's wrapper adding "add another" links
        widget = widget.widget
    if isinstance(widget, forms.MultiWidget):
        for number, part in enumerate(widget.widgets):
            name = SPLIT_PARTS[number] if len(widget.widgets) == 2 else f"part {number + 1}"
            part.attrs.setdefault("aria-label", f"{label}: {name}")
    elif every_input and not widget.is_hidden:
        widget.attrs.setdefault("aria-label", label)


class AccessibleInputs:
    """Admin mixin: every input has an accessible name (axe's "label" rule)."""

    name_every_input = False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            label = str(formfield.label or capfirst(db_field.verbose_name))
            name_inputs(formfield, label, every_input=self.name_every_input)
        return formfield


class TabularInline(AccessibleInputs, admin.TabularInline):
    name_every_input = True


class StackedInline(AccessibleInputs, admin.StackedInline):
    pass


class AccessibleAdmin(AccessibleInputs, admin.ModelAdmin):
    # A list counts the rows its search and filters match, not the whole table as well: at
    # national size the second COUNT(*) of a long table costs as much as the page.
    show_full_result_count = False


class NoDeleteAdmin(AccessibleAdmin):
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
class StaffAdmin(AccessibleInputs, UserAdmin):
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

    actions = ["reset_second_factor"]

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: history and access logs point at staff.
        return False

    def save_model(self, request, obj, form, change):
        before = Staff.objects.filter(pk=obj.pk).values(*ACCESS_FIELDS).first() if change else None
        super().save_model(request, obj, form, change)
        after = {field: getattr(obj, field) for field in ACCESS_FIELDS}
        if before is None:
            security_event("staff_created", request=request, target_staff_id=obj.pk, **after)
            return
        changed = {
            field: {"from": before[field], "to": after[field]}
            for field in ACCESS_FIELDS
            if before[field] != after[field]
        }
        if changed:
            security_event(
                "staff_access_changed",
                request=request,
                target_staff_id=obj.pk,
                target_username=obj.get_username(),
                changes=changed,
            )

    @admin.action(description="Reset the second factor (lost phone) of the selected staff")
    def reset_second_factor(self, request, queryset):
        for member in queryset:
            removed = second_factor_reset(user=member)
            security_event(
                "second_factor_reset",
                request=request,
                target_staff_id=member.pk,
                target_username=member.get_username(),
                devices_removed=removed,
            )
        self.message_user(
            request,
            f"Second factor reset for {queryset.count()} staff: they set up their "
            "authenticator app again when they next sign in.",
            messages.SUCCESS,
        )


@admin.register(AccessLog)
class AccessLogAdmin(AccessibleAdmin):
    list_display = ["at", "staff", "action", "view", "result_count", "reason"]
    # Not by record type: a list's rows have none, and an empty filter link has no name (axe).
    list_filter = ["action"]
    search_fields = ["staff__username", "view", "path"]
    list_select_related = ["staff"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PdfRendering)
class PdfRenderingAdmin(AccessibleAdmin):
    """Kept renderings, listed only (their content is case data: printed through the app,
    which logs it). `manage.py purge_pdf_renderings` removes old ones."""

    list_display = ["digest", "rendered_at"]
    fields = ["digest", "rendered_at"]
    readonly_fields = ["digest", "rendered_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
