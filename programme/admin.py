from django.contrib import admin
from django.contrib.admin import DateFieldListFilter

from isotp.admin import AccessibleAdmin, NoDeleteAdmin, ReadOnlyAdmin, TabularInline
from programme.models import (
    HUMAN_DECISIONS,
    Appointment,
    Attendance,
    AttendanceAmendment,
    BankHoliday,
    BulkPrint,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    EnforcementCorrection,
    Group,
    GroupSession,
    HandoverMeeting,
    NonAssociation,
    NonAssociationOverride,
    Notice,
    OneToOneSession,
    Placement,
    Reassessment,
    Recommendation,
    RecommendationNote,
    RiskReview,
    TargetProgress,
    TreatmentTarget,
)
from referrals.admin import LimitedAccessAdmin


@admin.register(BankHoliday)
class BankHolidayAdmin(AccessibleAdmin):
    """Reference data: admins add next year's bank holidays and may correct mistakes."""

    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(TreatmentTarget)
class TreatmentTargetAdmin(NoDeleteAdmin):
    list_display = ["programme", "number", "name"]
    list_filter = ["programme"]


class SessionInline(TabularInline):
    model = GroupSession
    extra = 0
    can_delete = False
    fields = ["number", "date", "register_completed_at", "register_completed_by"]
    readonly_fields = ["register_completed_at", "register_completed_by"]


@admin.register(Group)
class GroupAdmin(NoDeleteAdmin):
    list_display = ["__str__", "programme", "age_band", "office", "start_date", "meeting_days"]
    list_filter = ["programme", "age_band", "office"]
    search_fields = ["venue"]
    list_select_related = ["programme", "office"]
    filter_horizontal = ["facilitators"]
    inlines = [SessionInline]


@admin.register(GroupSession)
class GroupSessionAdmin(NoDeleteAdmin):
    list_display = ["group", "number", "date", "register_completed_at"]
    # A date range, not a date hierarchy: the hierarchy's list of years reads the whole
    # table (105,000 sessions at national size); newest first by key, which an index serves.
    list_filter = ["group__programme", "group__office", ("date", DateFieldListFilter)]
    list_select_related = ["group__programme"]
    ordering = ["-pk"]


@admin.register(Placement)
class PlacementAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = ["referral", "group", "allocated_at", "ended_on", "end_reason"]
    list_filter = ["group__programme", "group__office"]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral__offender", "referral__programme", "group__programme"]


class AttendanceAmendmentInline(TabularInline):
    """Amendments are kept as written: shown, never added or changed here."""

    model = AttendanceAmendment
    extra = 0
    can_delete = False
    fields = [
        "at",
        "by",
        "old_outcome",
        "old_absence_reason",
        "new_outcome",
        "new_absence_reason",
        "reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AttendanceAmendment)
class AttendanceAmendmentAdmin(LimitedAccessAdmin):
    offender_path = "attendance__placement__referral__offender"
    """Kept as written: listed and shown, never added or changed here."""

    list_display = ["attendance", "old_outcome", "new_outcome", "by", "at"]
    list_select_related = ["attendance__placement__referral__offender", "attendance__session", "by"]
    search_fields = ["=attendance__placement__referral__offender__crn"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EnforcementCorrection)
class EnforcementCorrectionAdmin(LimitedAccessAdmin):
    offender_path = "enforcement__offender"
    """Kept as written: listed and shown, never added or changed here."""

    list_display = ["enforcement", "old_decision", "new_decision", "by", "at"]
    list_select_related = ["enforcement__offender", "by"]
    search_fields = ["=enforcement__offender__crn"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(LimitedAccessAdmin):
    offender_path = "placement__referral__offender"
    inlines = [AttendanceAmendmentInline]
    # Newest first by key (an index scan), not the model's order by session number, which
    # makes PostgreSQL sort every attendance row joined to its session.
    ordering = ["-pk"]
    # 0.9 M rows at national size: no column sort (each would read them all).
    sortable_by = []
    list_display = [
        "placement",
        "session",
        "outcome",
        "absence_reason",
        "minutes_late",
        "risk_relevant",
    ]
    list_filter = ["outcome", "absence_reason", "risk_relevant"]
    search_fields = [
        "=placement__referral__offender__crn",
        "placement__referral__offender__last_name",
    ]
    list_select_related = [
        "placement__referral__offender",
        "placement__group__programme",
        "session",
    ]


@admin.register(CatchUp)
class CatchUpAdmin(LimitedAccessAdmin):
    offender_path = "placement__referral__offender"
    list_display = ["placement", "session", "held_on", "facilitator", "completed", "cancelled"]
    list_filter = ["completed", "cancelled"]
    search_fields = ["=placement__referral__offender__crn"]
    list_select_related = [
        "placement__referral__offender",
        "placement__group__programme",
        "session",
        "facilitator",
    ]


@admin.register(Enforcement)
class EnforcementAdmin(LimitedAccessAdmin):
    list_display = ["offender", "failure_on", "due_by", "proposed_action", "decision", "decided_by"]
    list_filter = ["proposed_action", "decision", ("due_by", DateFieldListFilter)]
    search_fields = ["=offender__crn", "offender__last_name"]
    list_select_related = ["offender", "decided_by"]
    # A date range rather than a date hierarchy, whose list of years reads the whole table.

    def has_change_permission(self, request, obj=None):
        # A decision a person took is locked (the database refuses it too).
        if obj is not None and obj.decision in HUMAN_DECISIONS:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Notice)
class NoticeAdmin(LimitedAccessAdmin):
    list_display = ["offender", "kind", "created_at", "acknowledged_at", "acknowledged_by"]
    list_filter = ["kind"]
    search_fields = ["=offender__crn", "offender__last_name", "message"]
    list_select_related = ["offender", "acknowledged_by"]


@admin.register(RiskReview)
class RiskReviewAdmin(LimitedAccessAdmin):
    list_display = ["offender", "oasys_on", "risk_before", "risk_of_serious_harm", "recorded_by"]
    list_filter = ["risk_of_serious_harm"]
    search_fields = ["=offender__crn", "offender__last_name"]
    list_select_related = ["offender", "recorded_by"]


@admin.register(NonAssociation)
class NonAssociationAdmin(LimitedAccessAdmin):
    list_display = ["offender", "other", "kind", "recorded_by", "recorded_at", "ended_at"]
    list_filter = ["kind"]
    search_fields = ["=offender__crn", "=other__crn"]
    list_select_related = ["offender", "other", "recorded_by"]
    raw_id_fields = ["offender", "other", "recorded_by", "ended_by"]


@admin.register(NonAssociationOverride)
class NonAssociationOverrideAdmin(LimitedAccessAdmin):
    """Read-only: the record of a programme manager's decision to allocate regardless."""

    offender_path = "placement__referral__offender"
    list_display = ["placement", "non_association", "by", "at"]
    list_select_related = ["placement", "non_association", "by"]
    readonly_fields = ["placement", "non_association", "reason", "by", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(LimitedAccessAdmin):
    list_display = ["offender", "on", "purpose", "attended"]
    search_fields = ["=offender__crn", "offender__last_name", "purpose"]
    list_select_related = ["offender"]


class TargetProgressInline(TabularInline):
    model = TargetProgress
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # obj is the report: a submitted one is locked, its progress with it.
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)


@admin.register(EndOfProgrammeReport)
class EndOfProgrammeReportAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = ["referral", "version", "status", "author", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral__offender", "referral__programme", "author"]
    inlines = [TargetProgressInline]

    def has_change_permission(self, request, obj=None):
        # A submitted version is locked (the database refuses it too): correct it in the app.
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)


class RecommendationNoteInline(TabularInline):
    model = RecommendationNote
    extra = 0
    can_delete = False


@admin.register(Recommendation)
class RecommendationAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = ["referral", "number", "status", "owner", "due_on"]
    list_filter = ["status"]
    search_fields = ["=referral__offender__crn", "text"]
    list_select_related = ["referral__offender", "referral__programme", "owner"]
    inlines = [RecommendationNoteInline]


@admin.register(HandoverMeeting)
class HandoverMeetingAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = [
        "referral",
        "held_on",
        "place",
        "offender_attended",
        "facilitator_attended",
        "offender_manager_attended",
    ]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral__offender", "referral__programme"]


@admin.register(Reassessment)
class ReassessmentAdmin(LimitedAccessAdmin):
    offender_path = "referral__offender"
    list_display = ["referral", "oasys_on", "risk_of_serious_harm", "rm2000_category"]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral__offender", "referral__programme"]


@admin.register(TargetProgress)
class TargetProgressAdmin(LimitedAccessAdmin):
    offender_path = "report__referral__offender"
    list_display = ["report", "target"]
    list_select_related = ["report__referral__offender", "target__programme"]
    search_fields = ["=report__referral__offender__crn"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.report.is_locked:
            return False
        return super().has_change_permission(request, obj)


@admin.register(RecommendationNote)
class RecommendationNoteAdmin(LimitedAccessAdmin):
    offender_path = "recommendation__referral__offender"
    list_display = ["recommendation", "on", "by"]
    list_select_related = ["recommendation__referral__offender", "by"]
    search_fields = ["=recommendation__referral__offender__crn", "text"]


@admin.register(BulkPrint)
class BulkPrintAdmin(ReadOnlyAdmin):
    """Bulk prints, listed for support (is the worker keeping up?); the ZIP itself is only
    downloaded by the person who asked, through the app, which logs it."""

    list_display = ["group", "requested_by", "requested_at", "status", "done", "total"]
    list_filter = ["status"]
    list_select_related = ["group", "group__programme", "requested_by"]
    fields = ["group", "requested_by", "requested_at", "status", "done", "total", "error"]
    readonly_fields = fields


@admin.register(OneToOneSession)
class OneToOneSessionAdmin(LimitedAccessAdmin):
    """One-to-ones: scheduled and recorded in the app; a recorded or cancelled one is kept as
    it was (the database refuses a change), so the admin shows those read-only."""

    offender_path = "referral__offender"
    list_display = ["referral", "kind", "date", "start_time", "attended", "outcome"]
    list_filter = ["kind"]
    search_fields = ["=referral__offender__crn", "referral__offender__last_name"]
    list_select_related = ["referral", "referral__offender", "referral__programme"]
    raw_id_fields = ["referral", "scheduled_by", "recorded_by", "cancelled_by"]
    filter_horizontal = ["facilitators"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and (obj.recorded_at or obj.cancelled_at):
            return False
        return super().has_change_permission(request, obj)
