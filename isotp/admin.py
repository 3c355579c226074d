from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    TO_FIELD_VAR,
)
from django.contrib.auth.admin import UserAdmin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from isotp.models import AccessLog, CalendarFeed, Office, PdfRendering, ProbationArea, Staff
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

    def get_formset(self, request, obj=None, **kwargs):
        """Each row's "Delete?" checkbox, which the tabular template leaves without a label
        (its column heading is not one), named after the row's kind (axe's "label" rule)."""
        formset = super().get_formset(request, obj, **kwargs)
        row_name = str(self.verbose_name)

        class NamedDeleteFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs.setdefault(
                        "aria-label", f"Delete this {row_name}"
                    )

        return NamedDeleteFormSet


class StackedInline(AccessibleInputs, admin.StackedInline):
    pass


# Above this many rows (as PostgreSQL's statistics estimate them) an unfiltered admin list
# shows the estimate instead of counting every row; below it, COUNT(*) is cheap and exact.
ESTIMATE_COUNT_ABOVE = 10_000
# Query parameters of a changelist that neither search nor filter its rows.
NOT_FILTERS = {ALL_VAR, ORDER_VAR, PAGE_VAR, IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR, ERROR_FLAG}


def estimated_rows(model) -> int:
    """The number of rows of the model's table as the last ANALYZE (or autovacuum) saw it:
    pg_class.reltuples, which is -1 for a table never analysed."""
    connection = connections[model.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] is not None else -1


class EstimatedCountPaginator(Paginator):
    """A paginator for an unsearched, unfiltered admin list: for a long table it takes the
    row count from PostgreSQL's statistics instead of COUNT(*), which reads every row (a
    second at national size); a short table is counted exactly. `estimated` says which, for
    the page to say "about"."""

    estimated = False

    @cached_property
    def count(self) -> int:
        estimate = estimated_rows(self.object_list.model)
        if estimate > ESTIMATE_COUNT_ABOVE:
            self.estimated = True
            return estimate
        return super().count


def is_unfiltered(request) -> bool:
    """True for a changelist request without a search or any filter (ordering and paging
    are not filters)."""
    return not request.GET.get("q") and set(request.GET) <= NOT_FILTERS | {"q"}


class AccessibleAdmin(AccessibleInputs, admin.ModelAdmin):
    # A list counts the rows its search and filters match, not the whole table as well: at
    # national size the second COUNT(*) of a long table costs as much as the page.
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # Searched or filtered: counted exactly (the count is what the search found).
        paginator_class = EstimatedCountPaginator if is_unfiltered(request) else self.paginator
        return paginator_class(queryset, per_page, orphans, allow_empty_first_page)


class NoDeleteAdmin(AccessibleAdmin):
    """Records are never hard-deleted: people leave, records are kept."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(AccessibleAdmin):
    """Records the app writes itself (logs, outboxes, kept files): listed and read, never
    added, changed or deleted in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

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
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "staff", "action", "view", "result_count", "reason"]
    # Not by record type: a list's rows have none, and an empty filter link has no name (axe).
    # By date as a range of `at` (its index), not a date hierarchy, whose list of years reads
    # the whole of the longest table.
    list_filter = ["action", "at"]
    search_fields = ["staff__username", "view", "path"]
    list_select_related = ["staff"]


@admin.register(PdfRendering)
class PdfRenderingAdmin(ReadOnlyAdmin):
    """Kept renderings, listed only (their content is case data: printed through the app,
    which logs it). `manage.py purge_pdf_renderings` removes old ones."""

    list_display = ["digest", "rendered_at"]
    fields = ["digest", "rendered_at"]
    readonly_fields = ["digest", "rendered_at"]
    show_full_result_count = False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has had a calendar link, and when each stopped working. Read-only: a person makes
    and stops their own link (a deactivated account's link opens nothing); the secret itself
    is never stored, only its digest, which is not shown."""

    list_display = ["staff", "created_at", "revoked_at", "last_fetched_at"]
    list_select_related = ["staff"]
    fields = ["staff", "created_at", "revoked_at", "last_fetched_at"]
    readonly_fields = fields
    show_full_result_count = False
