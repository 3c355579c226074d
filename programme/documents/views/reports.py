"""PDF reports of the programme: a man's attendance record, a group's register, the formal
warning letter that follows a warning decision, the court bundle of a breach or recall, the
end-of-programme report and the record of the handover."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from isotp.db_router import reads_from_replica
from isotp.pdf import render_pdf, report_header
from programme.access import (
    ensure_facilitator,
    get_enforcement_for_user,
    get_group_for_user,
    get_placement_for_user,
    get_referral_after_programme,
    get_referral_for_court_bundle,
    get_report_for_user,
    members_open_to,
    registers_open_to,
)
from programme.documents import court_bundle
from programme.documents.attendance import (
    ATTENDANCE_RECORD_TEMPLATE,
    REGISTER_BLOCK,
    RegisterBlock,
    attendance_record_context,
    attendance_record_filename,
    chunks,
    register_code,
    register_marks,
    schedule,
)
from programme.documents.letters import warning_letter_context
from programme.models import (
    ENFORCEABLE_OUTCOMES,
    CatchUp,
    EnforcementDecisionType,
    GroupSession,
    HandoverMeeting,
    Placement,
)
from programme.services.post_programme import latest_submitted_report
from programme.services.staffing import attach_staffing


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
    ensure_facilitator(user)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    # His groups' sessions, and those he leads or covers for another group.
    sessions = list(
        registers_open_to(user)
        .filter(date__range=(monday, sunday))
        .named()
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
    referral = get_referral_for_court_bundle(request.user, pk)
    offender = referral.offender
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


@require_safe
def report_pdf(request, pk: int):
    report = get_report_for_user(request.user, pk)
    referral = get_referral_after_programme(request.user, report.referral_id)
    consulted(report, action="print")
    return render_pdf(
        "reports/end_of_programme_report.html",
        {
            "report": report,
            "referral": referral,
            "offender": referral.offender,
            "progress": report.progress.select_related("target"),
            **report_header(referral.offender),
        },
        filename=f"end-of-programme-report-{referral.offender.crn}-v{report.version}.pdf",
    )


@require_safe
def handover_pdf(request, pk: int):
    meeting = get_object_or_404(HandoverMeeting.objects.select_related("recorded_by"), pk=pk)
    referral = get_referral_after_programme(request.user, meeting.referral_id)
    consulted(meeting, action="print")
    return render_pdf(
        "reports/handover_record.html",
        {
            "meeting": meeting,
            "referral": referral,
            "offender": referral.offender,
            "report": latest_submitted_report(referral),
            "recommendations": referral.recommendations.select_related("owner"),
            **report_header(referral.offender),
        },
        filename=f"handover-{referral.offender.crn}-{meeting.held_on}.pdf",
    )
