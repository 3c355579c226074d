from django.contrib import admin
from django.contrib.admin import DateFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.forms.models import BaseInlineFormSet

from isotp.admin import NoDeleteAdmin, StackedInline, TabularInline
from isotp.security_events import security_event
from referrals.access import cases_open_to
from referrals.models import (
    Assessment,
    CaseAccess,
    CaseAccessKind,
    ClosingReason,
    Offence,
    Offender,
    PreProgrammeChecklist,
    Programme,
    Referral,
    ReferralStatusChange,
    StatusTransition,
)


class LimitedAccessAdmin(NoDeleteAdmin):
    """An admin of case records honours limited-access cases as the app's pages do: a case
    closed to the admin is in no list, search, count or form (404). `offender_path` is the
    path from the model to its offender ("" for the offender himself)."""

    offender_path = "offender"
    # Case records grow with the service: newest first by key, which the primary key's index
    # serves, rather than a model's own order (a date, a session number), which would sort
    # the whole table for every page of the list.
    ordering = ["-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(cases_open_to(request.user, self.offender_path))


class CaseAccessFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        allowed = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("kind") == CaseAccessKind.ALLOWED
        ]
        if self.instance.restricted and not allowed:
            raise ValidationError(
                "A restricted case needs at least one person allowed on its access list: "
                "otherwise nobody can see it (add yourself if you are responsible for it)"
            )


class CaseAccessInline(TabularInline):
    model = CaseAccess
    formset = CaseAccessFormSet
    extra = 0
    fields = ["staff", "kind", "note", "added_at"]
    readonly_fields = ["added_at"]
    # A plain list of staff, not the autocomplete box, which has no accessible name (axe).
    verbose_name = "person on the case's access list"
    verbose_name_plural = "Limited access: who is allowed (restricted case) or excluded"


class OffenceInline(TabularInline):
    model = Offence
    extra = 0
    can_delete = False


@admin.register(Offender)
class OffenderAdmin(LimitedAccessAdmin):
    offender_path = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "restricted" in form.changed_data:
            security_event(
                "case_restriction_changed",
                request=request,
                offender_id=obj.pk,
                restricted=obj.restricted,
            )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not CaseAccess:
            return
        for entry in formset.new_objects:
            security_event(
                "case_access_added",
                request=request,
                offender_id=form.instance.pk,
                target_staff_id=entry.staff_id,
                kind=entry.kind,
            )
        for entry, changed in formset.changed_objects:
            security_event(
                "case_access_changed",
                request=request,
                offender_id=form.instance.pk,
                target_staff_id=entry.staff_id,
                kind=entry.kind,
                fields=changed,
            )
        for entry in formset.deleted_objects:
            security_event(
                "case_access_removed",
                request=request,
                offender_id=form.instance.pk,
                target_staff_id=entry.staff_id,
                kind=entry.kind,
            )

    list_display = [
        "crn",
        "last_name",
        "first_name",
        "date_of_birth",
        "offender_manager",
        "office",
        "order_type",
        "order_end",
    ]
    list_filter = ["office", "order_type", "gender", "needs_large_print", "needs_braille"]
    # A CRN or PNC number is found exactly (an index on UPPER(crn)); names by any part (a
    # trigram index on UPPER(name): referrals migration 0013).
    search_fields = ["=crn", "=pnc_number", "first_name", "last_name"]
    # The caseload's name order, read from its index (offender_name), not sorted.
    ordering = [Lower("last_name"), Lower("first_name"), "pk"]
    # Only columns an index can sort (a sort by another column reads all 100,000 rows).
    sortable_by = ["crn"]
    list_select_related = ["offender_manager", "office"]
    # A plain list of offender managers (limit_choices_to): the autocomplete widget's box has
    # no accessible name (axe: aria-input-field-name).
    inlines = [OffenceInline, CaseAccessInline]


@admin.register(Offence)
class OffenceAdmin(LimitedAccessAdmin):
    list_display = ["description", "offender", "internet_related_sexual", "conviction_date"]
    list_filter = ["internet_related_sexual"]
    search_fields = ["description", "=offender__crn", "offender__last_name"]
    list_select_related = ["offender"]


@admin.register(Programme)
class ProgrammeAdmin(NoDeleteAdmin):
    list_display = [
        "name",
        "full_name",
        "sessions",
        "hours_per_session",
        "max_group_size",
        "catch_up_limit",
        "minimum_supervision_months",
        "young_group_threshold",
        "figures_confirmed",
    ]
    list_filter = ["figures_confirmed"]
    search_fields = ["name", "full_name", "code"]
    fieldsets = [
        (None, {"fields": ["code", "name", "full_name", "figures_confirmed", "notes"]}),
        (
            "Delivery",
            {"fields": ["sessions", "hours_per_session", "max_group_size", "catch_up_limit"]},
        ),
        (
            "Eligibility and age bands",
            {
                "fields": [
                    "minimum_age",
                    "young_band_upper_age",
                    "minimum_supervision_months",
                    "young_group_threshold",
                ],
            },
        ),
        (
            "Enforcement policy",
            {
                "fields": [
                    "warnings_before_breach",
                    "warning_window_months",
                    "enforcement_deadline_working_days",
                ],
            },
        ),
        ("After the programme", {"fields": ["handover_due_days"]}),
    ]


@admin.register(Assessment)
class AssessmentAdmin(LimitedAccessAdmin):
    list_display = ["offender", "stage", "assessed_on", "assessor", "outcome", "outcome_programme"]
    list_filter = [
        "stage",
        "outcome",
        "risk_of_serious_harm",
        "rm2000_category",
        ("assessed_on", DateFieldListFilter),
    ]
    search_fields = ["=offender__crn", "offender__last_name", "assessor__last_name"]
    list_select_related = ["offender", "assessor", "outcome_programme"]
    # A date range rather than a date hierarchy, whose list of years reads the whole table.
    # The outcome and its reasons are kept as they were decided.
    readonly_fields = ["outcome", "reasons", "outcome_programme"]


class ChecklistInline(StackedInline):
    model = PreProgrammeChecklist
    can_delete = False
    extra = 0


class StatusChangeInline(TabularInline):
    model = ReferralStatusChange
    can_delete = False
    extra = 0
    readonly_fields = ["from_status", "to_status", "by", "at", "reason", "note"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The status history is kept as written (the database refuses changes too).
        return False


@admin.register(Referral)
class ReferralAdmin(LimitedAccessAdmin):
    list_display = ["offender", "programme", "status", "referred_on", "waiting_since"]
    list_filter = ["programme", "status"]
    search_fields = ["=offender__crn", "offender__last_name"]
    list_select_related = ["offender", "programme"]
    # Status moves go through the app, so each is checked and kept with who, when and why.
    readonly_fields = ["status"]
    inlines = [ChecklistInline, StatusChangeInline]


@admin.register(StatusTransition)
class StatusTransitionAdmin(NoDeleteAdmin):
    list_display = ["from_status", "to_status", "label", "requires_reason", "automatic"]
    list_filter = ["from_status", "to_status", "requires_reason", "automatic"]

    def has_delete_permission(self, request, obj=None):
        # Allowed moves are configuration, not case records: admins may remove one.
        return request.user.is_superuser


@admin.register(ClosingReason)
class ClosingReasonAdmin(NoDeleteAdmin):
    list_display = ["text", "status", "active"]
    list_filter = ["status", "active"]
    search_fields = ["text"]


@admin.register(ReferralStatusChange)
class ReferralStatusChangeAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = ["referral", "from_status", "to_status", "by", "at", "reason"]
    list_filter = ["to_status"]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral__offender", "referral__programme", "by", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PreProgrammeChecklist)
class PreProgrammeChecklistAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = [
        "referral",
        "liaison_on",
        "understands_requirements_on",
        "interview_on",
        "interview_outcome",
    ]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral__offender", "referral__programme"]


@admin.register(CaseAccess)
class CaseAccessAdmin(LimitedAccessAdmin):
    """Who is on which case's access list, to read: lists are changed on the offender's own
    page, where a restricted case must keep someone allowed."""

    list_display = ["offender", "staff", "kind", "added_at"]
    list_filter = ["kind"]
    search_fields = ["=offender__crn", "staff__username"]
    list_select_related = ["offender", "staff"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
