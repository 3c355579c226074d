from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.db.models import Count, Prefetch
from django.shortcuts import redirect

from isotp.admin import AccessibleAdmin, NoDeleteAdmin, ReadOnlyAdmin, TabularInline
from programme.models import (
    HUMAN_DECISIONS,
    SESSION_NAME,
    VERSION_IN_USE,
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
    ProgrammeModule,
    ProgrammeSession,
    ProgrammeVersion,
    Reassessment,
    Recommendation,
    RecommendationNote,
    RiskReview,
    SessionFacilitator,
    SessionStaffingChange,
    TargetProgress,
    TreatmentTarget,
)
from programme.services.versions import version_copy
from referrals.admin import LimitedAccessAdmin


@admin.register(BankHoliday)
class BankHolidayAdmin(AccessibleAdmin):
    """The admin's local changes to the bank holidays, which come from the `holidays` package
    for every year: a day an office is closed, or a bank holiday the service works."""

    list_display = ["date", "name", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(TreatmentTarget)
class TreatmentTargetAdmin(NoDeleteAdmin):
    list_display = ["programme", "number", "name"]
    list_filter = ["programme"]


# --- Programme templates: versions with their modules and named sessions -------------------


def _version_from_url(request) -> ProgrammeVersion | None:
    """The version whose change page this request is for (None on the add page)."""
    match = request.resolver_match
    object_id = match.kwargs.get("object_id") if match else None
    if not object_id or not str(object_id).isdigit():
        return None
    return ProgrammeVersion.objects.filter(pk=object_id).first()


class VersionPartInline(TabularInline):
    """A version's modules or sessions: edited with it until a group uses it, then read-only."""

    extra = 0
    # Nothing is hard-deleted; a part is renamed or renumbered instead.
    can_delete = False

    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_in_use()

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)


class ProgrammeModuleInline(VersionPartInline):
    model = ProgrammeModule
    fields = ["number", "title"]


class ProgrammeSessionInline(VersionPartInline):
    model = ProgrammeSession
    fields = ["number", "module", "title", "aim"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            # Only the modules of the version being edited (saved before its sessions).
            version = _version_from_url(request)
            kwargs["queryset"] = ProgrammeModule.objects.filter(version=version).order_by("number")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProgrammeVersion)
class ProgrammeVersionAdmin(NoDeleteAdmin):
    """Admins edit a programme's template here. A version a group uses is shown read-only
    and refused on the server (and by the database): "Copy as a new version" makes the next
    version, with the same modules and sessions, to edit instead."""

    list_display = [
        "__str__",
        "programme",
        "number",
        "groups_using",
        "can_form_groups",
        "created_at",
    ]
    list_filter = ["programme"]
    list_select_related = ["programme", "created_by"]
    fields = ["programme", "number", "notes", "state", "created_at", "created_by"]
    inlines = [ProgrammeModuleInline, ProgrammeSessionInline]
    actions = ["copy_as_new_version"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(groups_count=Count("groups", distinct=True))
            .prefetch_related(
                Prefetch(
                    "sessions",
                    queryset=ProgrammeSession.objects.select_related("module").order_by("number"),
                    to_attr="ordered_sessions",
                )
            )
        )

    @admin.display(description="Groups using it", ordering="groups_count")
    def groups_using(self, obj) -> int:
        return obj.groups_count

    @admin.display(description="Can form groups")
    def can_form_groups(self, obj) -> str:
        problems = obj.problems(obj.ordered_sessions)
        return "Yes" if not problems else "No: " + "; ".join(problems)

    @admin.display(description="State")
    def state(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "New: add its modules, save, then add its sessions"
        problems = obj.problems()
        usable = "It can form groups." if not problems else "It cannot form groups yet: "
        usable += "; ".join(problems) + ("." if problems else "")
        if obj.is_in_use():
            count = obj.groups.count()
            return (
                f"Used by {count} group{'s' if count != 1 else ''}: read-only, so that the "
                "groups running it keep their sessions. To change it, use “Copy as a new "
                f"version” on the list of versions. {usable}"
            )
        return f"Not used by any group yet: it can be edited. {usable}"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_in_use():
            return self.fields
        readonly = ["state", "created_at", "created_by"]
        # Its programme is fixed once it has modules or sessions.
        return readonly + (["programme"] if obj is not None else [])

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_in_use():
            return False
        return super().has_change_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A version in use is never changed: a POST to its page is refused with the reason
        # (the page offers no form, and the database would refuse it too).
        if request.method == "POST" and object_id is not None:
            version = ProgrammeVersion.objects.filter(pk=object_id).first()
            if version is not None and version.is_in_use():
                self.message_user(
                    request,
                    VERSION_IN_USE.format(version=version),
                    messages.ERROR,
                )
                return redirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            ProgrammeVersion.objects.get(pk=obj.pk).refuse_if_in_use()
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Copy as a new version")
    def copy_as_new_version(self, request, queryset):
        copies = []
        for version in queryset.order_by("programme", "number"):
            copy = version_copy(version=version, by=request.user)
            copies.append(copy)
            self.message_user(
                request,
                f"{copy} made from version {version.number}, with its modules and sessions: "
                "edit it here. Groups formed from now run the newest complete version.",
                messages.SUCCESS,
            )
        if len(copies) == 1:
            return redirect("admin:programme_programmeversion_change", copies[0].pk)
        return None


@admin.register(ProgrammeModule)
class ProgrammeModuleAdmin(ReadOnlyAdmin):
    """Listed to find them; edited on their version's page (locked once a group uses it)."""

    list_display = ["__str__", "version"]
    list_filter = ["version__programme"]
    list_select_related = ["version__programme"]
    search_fields = ["title"]


@admin.register(ProgrammeSession)
class ProgrammeSessionAdmin(ReadOnlyAdmin):
    """Listed to find them; edited on their version's page (locked once a group uses it)."""

    list_display = ["__str__", "version"]
    list_filter = ["version__programme"]
    list_select_related = ["version__programme", "module"]
    search_fields = ["title"]


class SessionInline(TabularInline):
    model = GroupSession
    extra = 0
    can_delete = False
    fields = [
        "number",
        "programme_session",
        "date",
        "register_completed_at",
        "register_completed_by",
    ]
    readonly_fields = ["programme_session", "register_completed_at", "register_completed_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(SESSION_NAME)


@admin.register(Group)
class GroupAdmin(NoDeleteAdmin):
    list_display = ["__str__", "programme", "age_band", "office", "start_date", "meeting_days"]
    list_filter = ["programme", "age_band", "office"]
    search_fields = ["venue"]
    list_select_related = ["programme", "office"]
    filter_horizontal = ["facilitators"]
    inlines = [SessionInline]

    def get_readonly_fields(self, request, obj=None):
        # A group runs the version it was formed with (the database refuses a change too).
        return ["version"] if obj is not None else []


@admin.register(GroupSession)
class GroupSessionAdmin(NoDeleteAdmin):
    list_display = ["group", "number", "date", "register_completed_at"]
    # A date range, not a date hierarchy: the hierarchy's list of years reads the whole
    # table (105,000 sessions at national size); newest first by key, which an index serves.
    list_filter = ["group__programme", "group__office", ("date", DateFieldListFilter)]
    list_select_related = ["group__programme"]
    ordering = ["-pk"]
    # What the session is comes from its group's version (the database keeps them in step).
    readonly_fields = ["programme_session"]


@admin.register(SessionFacilitator)
class SessionFacilitatorAdmin(ReadOnlyAdmin):
    """Who runs each session: changed through the group's "Who runs each session" page, which
    keeps the history; shown here, never added or changed."""

    list_display = ["session", "staff", "role", "added_by_change", "ended_by_change"]
    list_filter = ["role", "session__group__office"]
    list_select_related = [
        "session__group__programme",
        "staff",
        "added_by_change__group__programme",
        "ended_by_change__group__programme",
    ]
    search_fields = ["staff__last_name", "staff__username"]
    ordering = ["-pk"]


@admin.register(SessionStaffingChange)
class SessionStaffingChangeAdmin(ReadOnlyAdmin):
    """A change to who runs sessions: kept as written."""

    list_display = ["group", "first_number", "last_number", "by", "at", "reason"]
    list_filter = ["group__office"]
    list_select_related = ["group__programme", "by"]
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
