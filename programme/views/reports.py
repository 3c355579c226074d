"""PDF reports of the programme: a man's attendance record, a group's register, and the
formal warning letter that follows a warning decision."""

from dataclasses import dataclass
from datetime import date, time

from django.http import Http404
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from isotp.db_router import reads_from_replica
from isotp.formatting import clock
from isotp.pdf import render_pdf, report_header
from programme.access import (
    enforcements_visible_to,
    get_enforcement_for_user,
    get_group_for_user,
    get_placement_for_user,
    members_open_to,
)
from programme.models import (
    ATTENDED_OUTCOMES,
    ENFORCEABLE_OUTCOMES,
    Attendance,
    AttendanceAmendment,
    AttendanceOutcome,
    CatchUp,
    EnforcementCorrection,
    EnforcementDecisionType,
    GroupSession,
    Placement,
    Weekday,
)
from programme.services.letters import warning_letter_context
from referrals.access import offenders_visible_to

# The register's short codes, in the order the legend lists them.
OUTCOME_CODES = {
    AttendanceOutcome.ATTENDED: "A",
    AttendanceOutcome.FAILED_TO_COMPLY: "F",
    AttendanceOutcome.SENT_HOME: "S",
    AttendanceOutcome.ACCEPTABLE_ABSENCE: "AA",
    AttendanceOutcome.UNACCEPTABLE_ABSENCE: "U",
}
CAUGHT_UP_SUFFIX = "/C"
NOT_A_MEMBER = "–"
# Marks an amended outcome in the attendance record; the amendments are listed below it.
AMENDED_MARK = " (amended*)"
AMENDED_SUFFIX = "*"
# Sessions per table of the register: 9 columns of codes fit across a landscape A4 page.
REGISTER_BLOCK = 9


@require_safe
@reads_from_replica
def attendance_record_pdf(request, pk: int):
    placement = get_placement_for_user(request.user, pk)
    consulted(placement, action="print")
    return render_pdf(
        ATTENDANCE_RECORD_TEMPLATE,
        attendance_record_context(request.user, placement),
        filename=attendance_record_filename(placement),
    )


ATTENDANCE_RECORD_TEMPLATE = "reports/attendance_record.html"


def attendance_record_filename(placement: Placement) -> str:
    return f"attendance-record-{placement.offender.crn}.pdf"


def attendance_record_context(user, placement: Placement) -> dict:
    """What a man's attendance record shows to this user (the PDF, and a group's bulk print
    in the background: both print the same record)."""
    group = placement.group
    offender = placement.offender
    today = timezone.localdate()
    sessions = list(placement.sessions())
    attendances = {a.session_id: a for a in placement.attendances.all()}
    catch_ups = list(
        placement.catch_ups.select_related("session", "facilitator").order_by("session__number")
    )
    # Facilitators see the record of the members of their groups, but not enforcement.
    shows_enforcement = offenders_visible_to(user).filter(pk=offender.pk).exists()
    enforcements = (
        list(
            enforcements_visible_to(user)
            .filter(attendance__placement=placement)
            .select_related("attendance__session", "decided_by")
            .order_by("failure_on", "pk")
        )
        if shows_enforcement
        else []
    )
    # One query whatever the number of decisions: their corrections, shown under each.
    corrections: dict[int, list] = {}
    if shows_enforcement:
        for correction in EnforcementCorrection.objects.filter(
            enforcement__attendance__placement=placement
        ).select_related("by", "old_decided_by"):
            corrections.setdefault(correction.enforcement_id, []).append(correction)
    for enforcement in enforcements:
        enforcement.correction_list = corrections.get(enforcement.pk, [])
    outcomes = [a.outcome for a in attendances.values()]
    amendments = list(
        AttendanceAmendment.objects.filter(attendance__placement=placement)
        .select_related("attendance__session", "by")
        .order_by("attendance__session__number", "at", "pk")
    )
    amended = {a.attendance.session_id for a in amendments}
    return {
        "placement": placement,
        "offender": offender,
        "group": group,
        "programme": group.programme,
        "schedule": schedule(group.weekday, group.start_time),
        "facilitators": list(group.facilitators.all()),
        "rows": [
            session_row(s, attendances.get(s.pk), placement, today, amended=s.pk in amended)
            for s in sessions
        ],
        "amendments": amendments,
        "catch_ups": catch_ups,
        "shows_enforcement": shows_enforcement,
        "enforcements": enforcements,
        "attended": sum(1 for o in outcomes if o in ATTENDED_OUTCOMES),
        "session_count": len(sessions),
        "catch_ups_used": sum(1 for o in outcomes if o not in ATTENDED_OUTCOMES),
        "unacceptable_absences": outcomes.count(AttendanceOutcome.UNACCEPTABLE_ABSENCE),
        **report_header(offender, today),
    }


@require_safe
@reads_from_replica
def group_register_pdf(request, pk: int):
    group = get_group_for_user(request.user, pk)
    consulted(group, action="print")
    sessions = list(group.sessions.in_order())
    placements, restricted = members_open_to(
        request.user,
        group.placements.select_related("referral__offender", "first_session", "last_session"),
    )
    consulted(*placements)
    codes = {
        (placement_id, session_id): OUTCOME_CODES[outcome]
        for placement_id, session_id, outcome in Attendance.objects.filter(
            session__group=group
        ).values_list("placement_id", "session_id", "outcome")
    }
    caught_up = set(
        CatchUp.objects.filter(session__group=group, completed=True).values_list(
            "placement_id", "session_id"
        )
    )
    amended = set(
        AttendanceAmendment.objects.filter(attendance__session__group=group).values_list(
            "attendance__placement_id", "attendance__session_id"
        )
    )
    blocks = [
        RegisterBlock(
            sessions=block,
            rows=[
                (p, [register_code(p, s, codes, caught_up, amended) for s in block])
                for p in placements
            ],
        )
        for block in chunks(sessions, REGISTER_BLOCK)
    ]
    name = f"{group.programme} {group.get_age_band_display()} group, {group.venue}"
    return render_pdf(
        "reports/group_register.html",
        {
            "group": group,
            "programme": group.programme,
            "schedule": schedule(group.weekday, group.start_time),
            "facilitators": list(group.facilitators.all()),
            "placements": placements,
            "restricted_members": len(restricted),
            "sessions": sessions,
            "blocks": blocks,
            "report_subject_name": name,
            # The shared layout prints "CRN" before this: a group has none.
            "report_subject_label": "Group",
            "report_subject_crn": group.pk,
            "report_date": timezone.localdate(),
        },
        filename=f"group-register-{group.pk}.pdf",
    )


@require_safe
def warning_letter_pdf(request, pk: int):
    enforcement = get_enforcement_for_user(request.user, pk)
    # A failure corrected since (to attended, or to an acceptable absence) has no letter.
    if (
        enforcement.decision != EnforcementDecisionType.WARNING_GIVEN
        or enforcement.attendance.outcome not in ENFORCEABLE_OUTCOMES
    ):
        raise Http404("No formal warning was given for this failure")
    consulted(enforcement, action="print")
    offender = enforcement.offender
    attendance = enforcement.attendance
    placement = Placement.objects.select_related("group", "group__programme").get(
        pk=attendance.placement_id
    )
    group = placement.group
    today = timezone.localdate()
    next_session = None
    if placement.ended_on is None:
        next_session = (
            group.sessions.filter(date__gte=today)
            .exclude(attendances__placement=placement)
            .in_order()
            .first()
        )
    catch_up_outstanding = CatchUp.objects.filter(
        placement=placement, session=attendance.session, completed=False, cancelled=False
    ).exists()
    return render_pdf(
        "reports/warning_letter.html",
        {
            **warning_letter_context(
                enforcement=enforcement,
                group=group,
                next_session=next_session,
                catch_up_outstanding=catch_up_outstanding,
                amendments=list(attendance.amendments.select_related("by")),
            ),
            "large_print": offender.needs_large_print,
            **report_header(offender, today),
        },
        filename=f"warning-letter-{offender.crn}-{enforcement.failure_on}.pdf",
    )


# --- Helpers ----------------------------------------------------------------------------------


@dataclass
class SessionRow:
    session: GroupSession
    outcome: str
    minutes_late: str
    homework: str


def session_row(
    session: GroupSession,
    attendance: Attendance | None,
    placement: Placement,
    today: date,
    amended: bool = False,
) -> SessionRow:
    """One line of a man's attendance record; a session without his attendance says why."""
    if attendance is None:
        if not placement.is_member_at(session):
            outcome = "Not a member at this session"
        elif session.date > today:
            outcome = "Not yet held"
        else:
            outcome = "Not recorded"
        return SessionRow(session=session, outcome=outcome, minutes_late="—", homework="—")
    outcome = attendance.get_outcome_display()
    if attendance.outcome == AttendanceOutcome.ACCEPTABLE_ABSENCE:
        outcome += f": {attendance.get_absence_reason_display()}"
    if amended:
        outcome += AMENDED_MARK
    homework = {True: "Yes", False: "No", None: "—"}[attendance.homework_done]
    late = str(attendance.minutes_late) if attendance.outcome in ATTENDED_OUTCOMES else "—"
    return SessionRow(session=session, outcome=outcome, minutes_late=late, homework=homework)


@dataclass
class RegisterBlock:
    sessions: list[GroupSession]
    rows: list[tuple[Placement, list[str]]]

    @property
    def first(self) -> int:
        return self.sessions[0].number

    @property
    def last(self) -> int:
        return self.sessions[-1].number


def register_code(
    placement: Placement, session: GroupSession, codes: dict, caught_up: set, amended: set
) -> str:
    code = codes.get((placement.pk, session.pk), "")
    if not code:
        return "" if placement.is_member_at(session) else NOT_A_MEMBER
    if (placement.pk, session.pk) in caught_up:
        code += CAUGHT_UP_SUFFIX
    if (placement.pk, session.pk) in amended:
        code += AMENDED_SUFFIX
    return code


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def schedule(weekday: int, start_time: time) -> str:
    return f"{Weekday(weekday).label}s at {clock(start_time)}"
