"""What the attendance records and registers print: a man's record of every session with
its amendments and (for those who may see it) enforcement, and a register's short codes.
Read by the PDFs, the group's bulk print and the court bundle."""

from dataclasses import dataclass
from datetime import date, time

from django.utils import timezone

from isotp.formatting import clock
from isotp.pdf import report_header
from programme.access import enforcements_visible_to
from programme.models import (
    ATTENDED_OUTCOMES,
    SESSION_NAME,
    Attendance,
    AttendanceAmendment,
    AttendanceOutcome,
    CatchUp,
    EnforcementCorrection,
    GroupSession,
    Placement,
    meeting_days_label,
)
from programme.services.staffing import attach_staffing
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


ATTENDANCE_RECORD_TEMPLATE = "reports/attendance_record.html"


def attendance_record_filename(placement: Placement) -> str:
    return f"attendance-record-{placement.offender.crn}.pdf"


def attendance_record_context(user, placement: Placement) -> dict:
    """What a man's attendance record shows to this user (the PDF, and a group's bulk print
    in the background: both print the same record)."""
    group = placement.group
    offender = placement.offender
    today = timezone.localdate()
    sessions = list(placement.sessions().named())
    # Who led each session, as a court would ask (one query for them all).
    attach_staffing(sessions)
    attendances = {a.session_id: a for a in placement.attendances.all()}
    catch_ups = list(
        placement.catch_ups.select_related(
            "session", f"session__{SESSION_NAME}", "facilitator"
        ).order_by("session__number")
    )
    # Facilitators see the record of the members of their groups, but not enforcement.
    shows_enforcement = offenders_visible_to(user).filter(pk=offender.pk).exists()
    enforcements = (
        list(
            enforcements_visible_to(user)
            .filter(attendance__placement=placement)
            .select_related(
                "attendance__session",
                f"attendance__session__{SESSION_NAME}",
                "attendance__recorded_by",
                "decided_by",
            )
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
        .select_related("attendance__session", f"attendance__session__{SESSION_NAME}", "by")
        .order_by("attendance__session__number", "at", "pk")
    )
    amended = {a.attendance.session_id for a in amendments}
    return {
        "placement": placement,
        "offender": offender,
        "group": group,
        "programme": group.programme,
        "schedule": schedule(group.weekdays, group.start_time),
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


def register_marks(session_ids: list[int]) -> tuple[dict, set, set]:
    """What a register shows for these sessions, by (place, session): each outcome's code,
    the catch-ups completed, and the entries amended since first recorded. Three queries."""
    codes = {
        (placement_id, session_id): OUTCOME_CODES[outcome]
        for placement_id, session_id, outcome in Attendance.objects.filter(
            session_id__in=session_ids
        ).values_list("placement_id", "session_id", "outcome")
    }
    caught_up = set(
        CatchUp.objects.filter(session_id__in=session_ids, completed=True).values_list(
            "placement_id", "session_id"
        )
    )
    amended = set(
        AttendanceAmendment.objects.filter(attendance__session_id__in=session_ids).values_list(
            "attendance__placement_id", "attendance__session_id"
        )
    )
    return codes, caught_up, amended


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


def schedule(weekdays: list[int], start_time: time) -> str:
    return f"{meeting_days_label(weekdays)} at {clock(start_time)}"
