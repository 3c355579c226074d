"""PDF reports of the programme: a man's attendance record, a group's register, the formal
warning letter that follows a warning decision, and the court bundle of a breach or recall."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
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
    registers_open_to,
)
from programme.models import (
    ATTENDED_OUTCOMES,
    ENFORCEABLE_OUTCOMES,
    SESSION_NAME,
    Attendance,
    AttendanceAmendment,
    AttendanceOutcome,
    CatchUp,
    EnforcementCorrection,
    EnforcementDecisionType,
    GroupSession,
    Placement,
    meeting_days_label,
)
from programme.services import court_bundle
from programme.services.letters import warning_letter_context
from programme.services.staffing import attach_staffing
from referrals.access import get_referral_for_user, offenders_visible_to

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
    sessions = list(placement.sessions().named())
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
            .select_related("attendance__session", "attendance__recorded_by", "decided_by")
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


@require_safe
@reads_from_replica
def group_register_pdf(request, pk: int):
    group = get_group_for_user(request.user, pk)
    consulted(group, action="print")
    sessions = list(group.sessions.named().in_order())
    attach_staffing(sessions)
    placements, restricted = members_open_to(
        request.user,
        group.placements.select_related("referral__offender", "first_session", "last_session"),
    )
    consulted(*placements)
    codes, caught_up, amended = register_marks([session.pk for session in sessions])
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
            "schedule": schedule(group.weekdays, group.start_time),
            "facilitators": list(group.facilitators.all()),
            "usual_lead": group.lead_facilitator,
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


@dataclass
class SessionRegister:
    """One session's register in the week's print: its members (with what is recorded so
    far) and how many restricted cases are left out."""

    session: GroupSession
    rows: list[tuple[Placement, str]]
    restricted_members: int


@require_safe
@reads_from_replica
def week_registers_pdf(request):
    """Every register of this week (Monday to Sunday) for the groups the facilitator runs, in
    one PDF: a page per session, its members in name order, with what is recorded so far.
    A fixed number of queries however many groups and sessions."""
    user = request.user
    if not user.is_facilitator:
        raise Http404("This print is for facilitators")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    # His groups' sessions, and those he leads or covers for another group.
    sessions = list(
        registers_open_to(user)
        .filter(date__range=(monday, sunday))
        .select_related("group__programme", "group__office")
        .order_by("date", "group_id", "number")
    )
    if not sessions:
        messages.info(request, "None of your groups has a session this week: no registers to print")
        return redirect("programme:facilitator_home")
    groups = {session.group_id: session.group for session in sessions}
    for session in sessions:
        session.group = groups[session.group_id]
    attach_staffing(sessions)
    placements, restricted = members_open_to(
        user,
        Placement.objects.filter(group_id__in={s.group_id for s in sessions})
        .select_related("referral__offender", "first_session", "last_session")
        .order_by("referral__offender__last_name", "referral__offender__first_name", "pk"),
    )
    session_ids = [session.pk for session in sessions]
    codes, caught_up, amended = register_marks(session_ids)
    registers = [
        SessionRegister(
            session=session,
            rows=[
                (p, register_code(p, session, codes, caught_up, amended))
                for p in placements
                if p.group_id == session.group_id and p.is_member_at(session)
            ],
            restricted_members=sum(
                1 for p in restricted if p.group_id == session.group_id and p.is_member_at(session)
            ),
        )
        for session in sessions
    ]
    shown = {p for register in registers for p, _ in register.rows}
    consulted(
        *{session.group for session in sessions},
        *sorted(shown, key=lambda p: p.pk),
        action="print",
        result_count=len(sessions),
    )
    return render_pdf(
        "reports/week_registers.html",
        {
            "registers": registers,
            "monday": monday,
            "sunday": sunday,
            "report_subject_name": f"Registers for {user}",
            # The shared layout prints "CRN" before this: a week has none.
            "report_subject_label": "Week beginning",
            "report_subject_crn": f"{monday:%-d %B %Y}",
            "report_date": today,
        },
        filename=f"registers-week-of-{monday:%Y-%m-%d}.pdf",
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
    catch_up_outstanding = (
        CatchUp.objects.outstanding()
        .filter(placement=placement, session=attendance.session)
        .exists()
    )
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


@require_safe
@reads_from_replica
def court_bundle_pdf(request, pk: int):
    """The court bundle of a referral with a breach or recall decision: for the offender
    manager and the programme manager (a facilitator sees no enforcement)."""
    referral = get_referral_for_user(request.user, pk)
    offender = referral.offender
    if not offenders_visible_to(request.user).filter(pk=offender.pk).exists():
        raise Http404("No such referral")
    try:
        grounds = court_bundle.grounds_for(referral)
    except court_bundle.NoCourtBundle as refusal:
        raise Http404(str(refusal)) from None
    consulted(referral, action="print")
    referrals = court_bundle.attempts_of(referral)
    attempts = [
        attendance_record_context(request.user, placement)
        for placement in court_bundle.places_of(referrals)
    ]
    enforcements = [e for attempt in attempts for e in attempt["enforcements"]]
    return render_pdf(
        "reports/court_bundle.html",
        {
            "referral": referral,
            "offender": offender,
            "programme": referral.programme,
            "grounds": grounds,
            "attempts": attempts,
            "failures": [e for e in enforcements if e.attendance.outcome in ENFORCEABLE_OUTCOMES],
            "enforcements": enforcements,
            "letters": court_bundle.letters_sent(enforcements),
            "status_history": court_bundle.status_history(referrals),
            "prepared_by": request.user,
            **report_header(offender, timezone.localdate()),
        },
        filename=f"court-bundle-{offender.crn}-{grounds.decided_on}.pdf",
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
