"""Work in the programme app that spans records. Each function is atomic and locks what it
counts, so two people working at once cannot break a rule between them."""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from isotp.models import Office, Staff
from programme.models import (
    ENFORCEABLE_OUTCOMES,
    PLACE_GIVEN_UP_STATUSES,
    AbsenceReason,
    Attendance,
    AttendanceOutcome,
    BankHoliday,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    EnforcementDecisionType,
    Group,
    GroupSession,
    HandoverMeeting,
    Notice,
    NoticeKind,
    Placement,
    ProgrammeError,
    Reassessment,
    Recommendation,
    RecommendationNote,
    RecommendationStatus,
    ReportStatus,
    RiskReview,
    TargetProgress,
    add_working_days,
    propose_enforcement,
)
from referrals.eligibility import add_months
from referrals.models import (
    AgeBand,
    ClosingReason,
    Offender,
    PreProgrammeChecklist,
    Programme,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)


def bank_holidays() -> set[date]:
    return set(BankHoliday.objects.values_list("date", flat=True))


# --- Groups and their schedule ------------------------------------------------------------


def session_dates(
    *, first_on_or_after: date, weekday: int, count: int, holidays: set[date]
) -> list[date]:
    """Weekly dates on the group's weekday; a bank holiday pushes that session a week on."""
    day = first_on_or_after + timedelta(days=(weekday - first_on_or_after.weekday()) % 7)
    dates = []
    while len(dates) < count:
        if day not in holidays:
            dates.append(day)
        day += timedelta(days=7)
    return dates


YOUNG_GROUP_TOO_FEW = (
    "A 17–21 {programme} group runs only when enough referrals wait: {waiting} of the "
    "{threshold} needed are waiting in this office"
)


def young_referrals_waiting(*, programme: Programme, office: Office, on: date) -> int:
    """Waiting referrals of the office who will be in the 17–21 band on the given date."""
    waiting = Referral.objects.waiting().filter(programme=programme, offender__office=office)
    return sum(
        1
        for born in waiting.values_list("offender__date_of_birth", flat=True)
        if programme.age_band(born, on) == AgeBand.YOUNG
    )


@transaction.atomic
def group_create(
    *,
    programme: Programme,
    age_band: str,
    office: Office,
    venue: str,
    facilitators: list[Staff],
    treatment_manager: Staff | None,
    start_date: date,
    weekday: int,
    start_time: time,
    by: Staff,
) -> Group:
    if not facilitators:
        raise ProgrammeError("A group needs at least one facilitator")
    if age_band == AgeBand.YOUNG:
        waiting = young_referrals_waiting(programme=programme, office=office, on=start_date)
        if waiting < programme.young_group_threshold:
            raise ProgrammeError(
                YOUNG_GROUP_TOO_FEW.format(
                    waiting=waiting,
                    threshold=programme.young_group_threshold,
                    programme=programme,
                )
            )
    group = Group.objects.create(
        programme=programme,
        age_band=age_band,
        office=office,
        venue=venue,
        treatment_manager=treatment_manager,
        start_date=start_date,
        weekday=weekday,
        start_time=start_time,
        created_by=by,
    )
    group.facilitators.set(facilitators)
    dates = session_dates(
        first_on_or_after=start_date,
        weekday=weekday,
        count=programme.sessions,
        holidays=bank_holidays(),
    )
    GroupSession.objects.bulk_create(
        GroupSession(group=group, number=number, date=day) for number, day in enumerate(dates, 1)
    )
    return group


@transaction.atomic
def session_move(*, session: GroupSession, new_date: date, move_later: bool) -> list[GroupSession]:
    """Move a session; with move_later, every later session moves by the same number of days."""
    sessions = list(session.group.sessions.select_for_update().order_by("number"))
    current = next(s for s in sessions if s.pk == session.pk)
    if current.register_completed_at:
        raise ProgrammeError("This session's register is complete: its date cannot change")
    if new_date in bank_holidays():
        raise ProgrammeError(f"{new_date:%-d %B %Y} is a bank holiday")
    earlier = [s for s in sessions if s.number < current.number]
    later = [s for s in sessions if s.number > current.number]
    if earlier and new_date <= earlier[-1].date:
        raise ProgrammeError(
            f"The new date must be after session {earlier[-1].number} ({earlier[-1].date:%-d %B %Y})"
        )
    delta = new_date - current.date
    current.date = new_date
    moved = [current]
    if move_later:
        holidays = bank_holidays()
        previous = new_date
        for later_session in later:
            if later_session.register_completed_at:
                raise ProgrammeError(
                    f"Session {later_session.number} is already recorded: it cannot move"
                )
            day = later_session.date + delta
            while day in holidays or day <= previous:
                day += timedelta(days=7)
            later_session.date = previous = day
            moved.append(later_session)
    elif later and new_date >= later[0].date:
        raise ProgrammeError(
            f"The new date must be before session {later[0].number} ({later[0].date:%-d %B %Y}), "
            "or choose to move the later sessions too"
        )
    GroupSession.objects.bulk_update(moved, ["date"])
    return moved


# --- Allocation -----------------------------------------------------------------------------

GROUP_FULL = "The group is full: it has {count} of {capacity} places taken"
WRONG_PROGRAMME = "He is referred to {referral}, but this is a {group} group"
WRONG_BAND = (
    "He will be in the {band} age band when the group starts, but this is a {group_band} group"
)
NOT_READY = "He is not ready for allocation: the referral is “{status}”"
ALREADY_PLACED = "He already has a place in a group"


@transaction.atomic
def placement_allocate(*, group: Group, referral: Referral, by: Staff) -> Placement:
    """Give a waiting referral a place. The group row is locked while its places are counted,
    so two managers filling the last place at once leave exactly one allocated."""
    group = Group.objects.select_for_update().select_related("programme").get(pk=group.pk)
    referral = (
        Referral.objects.select_for_update()
        .select_related("offender", "programme")
        .get(pk=referral.pk)
    )
    taken = group.placements.active().count()
    if taken >= group.capacity:
        raise ProgrammeError(GROUP_FULL.format(count=taken, capacity=group.capacity))
    if referral.programme_id != group.programme_id:
        raise ProgrammeError(
            WRONG_PROGRAMME.format(referral=referral.programme, group=group.programme)
        )
    band = group.programme.age_band(referral.offender.date_of_birth, group.start_date)
    if band != group.age_band:
        raise ProgrammeError(
            WRONG_BAND.format(band=_band_label(band), group_band=group.get_age_band_display())
        )
    if Placement.objects.active().filter(referral__offender=referral.offender).exists():
        raise ProgrammeError(ALREADY_PLACED)
    if referral.status != ReferralStatus.AWAITING_ALLOCATION:
        missing = PreProgrammeChecklist.objects.get(referral=referral).missing_items()
        message = NOT_READY.format(status=referral.get_status_display().lower())
        if missing:
            message += ". The pre-programme checklist is missing: " + "; ".join(missing)
        raise ProgrammeError(message)
    placement = Placement.objects.create(group=group, referral=referral, allocated_by=by)
    referral.move_to(ReferralStatus.SCHEDULED, by=by, automatic=True, note=f"Allocated to {group}")
    return placement


def _band_label(band: str) -> str:
    return AgeBand(band).label


# --- The register ---------------------------------------------------------------------------


@dataclass
class RegisterEntry:
    placement: Placement
    outcome: str
    absence_reason: str = ""
    minutes_late: int = 0
    homework_done: bool | None = None
    note: str = ""
    risk_relevant: bool = False
    change_reason: str = ""


@dataclass
class RegisterOutcome:
    restarted: list[Placement] = field(default_factory=list)
    completed: list[Placement] = field(default_factory=list)


class RegisterRefused(ProgrammeError):
    """Some entries broke a rule; nothing was saved. `errors` maps placement ids to messages."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("The register was not saved: " + "; ".join(errors.values()))
        self.errors = errors


CATCH_UP_OUTSTANDING = (
    "Catch-up for session {numbers} outstanding: he must do it before he can be recorded "
    "as attending a later session"
)
CHANGE_NEEDS_REASON = "Give a reason for changing the recorded outcome ({old} to {new})"


def outstanding_catch_ups(placements) -> dict[int, list[int]]:
    """For each placement id, the session numbers whose catch-up is still to be done."""
    outstanding: dict[int, list[int]] = {}
    rows = CatchUp.objects.filter(
        placement__in=placements, completed=False, cancelled=False
    ).values_list("placement_id", "session__number")
    for placement_id, number in rows.order_by("session__number"):
        outstanding.setdefault(placement_id, []).append(number)
    return outstanding


@transaction.atomic
def register_save(
    *, session: GroupSession, entries: list[RegisterEntry], by: Staff
) -> RegisterOutcome:
    """Record a session's register. All or nothing: a refused entry saves no entry.

    The session row is locked, so two facilitators saving the same register at once are
    applied one after the other, and each member keeps exactly one attendance.
    """
    session = (
        GroupSession.objects.select_for_update()
        .select_related("group", "group__programme")
        .get(pk=session.pk)
    )
    if session.date > timezone.localdate():
        raise ProgrammeError(
            f"Session {session.number} is on {session.date:%-d %B %Y}: its register can be "
            "recorded once it has been held"
        )
    programme = session.group.programme
    members = {p.pk: p for p in members_at(session).select_for_update(of=("self",))}
    existing = {a.placement_id: a for a in session.attendances.all()}
    outstanding = outstanding_catch_ups(list(members.values()))
    errors: dict[int, str] = {}
    for entry in entries:
        placement_id = entry.placement.pk
        if placement_id not in members:
            errors[placement_id] = "He is not a member of this group at this session"
            continue
        earlier = [n for n in outstanding.get(placement_id, []) if n < session.number]
        if (
            entry.outcome in (AttendanceOutcome.ATTENDED, AttendanceOutcome.FAILED_TO_COMPLY)
            and earlier
        ):
            errors[placement_id] = CATCH_UP_OUTSTANDING.format(numbers=", ".join(map(str, earlier)))
        old = existing.get(placement_id)
        if old and old.outcome != entry.outcome and not entry.change_reason.strip():
            errors[placement_id] = CHANGE_NEEDS_REASON.format(
                old=old.get_outcome_display().lower(),
                new=AttendanceOutcome(entry.outcome).label.lower(),
            )
        if entry.outcome == AttendanceOutcome.ACCEPTABLE_ABSENCE and not entry.absence_reason:
            errors[placement_id] = "Choose the reason the absence is acceptable"
    if errors:
        raise RegisterRefused(errors)

    result = RegisterOutcome()
    holidays = bank_holidays()
    _start_programme_for_members(session, by=by)
    for entry in entries:
        placement = members[entry.placement.pk]
        old = existing.get(placement.pk)
        attendance = old or Attendance(session=session, placement=placement)
        previous_outcome = old.outcome if old else None
        attendance.outcome = entry.outcome
        attendance.absence_reason = (
            entry.absence_reason if entry.outcome == AttendanceOutcome.ACCEPTABLE_ABSENCE else ""
        )
        attendance.minutes_late = entry.minutes_late or 0
        attendance.homework_done = entry.homework_done
        attendance.note = entry.note
        attendance.risk_relevant = entry.risk_relevant
        attendance.change_reason = (
            entry.change_reason if old and previous_outcome != entry.outcome else ""
        )
        attendance.recorded_by = by
        attendance.save()
        _follow_up(
            attendance,
            previous_outcome=previous_outcome,
            by=by,
            holidays=holidays,
            programme=programme,
            result=result,
        )
    _start_programme_for_members(session, by=by)
    if not session.register_completed_at and session.attendances.count() >= len(members):
        session.register_completed_at = timezone.now()
        session.register_completed_by = by
        session.save(update_fields=["register_completed_at", "register_completed_by"])
    for placement in members.values():
        if placement not in result.restarted and placement_check_completion(
            placement=placement, by=by
        ):
            result.completed.append(placement)
    return result


def members_at(session: GroupSession):
    """Members with a place when the session runs: active now, or ended on or after it.

    A man whose referral was closed by hand (withdrawn, deselected, recalled) leaves the
    registers, except those he is already recorded on.
    """
    recorded_here = Attendance.objects.filter(session=session, placement=OuterRef("pk"))
    return (
        session.group.placements.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=session.date))
        .filter(~Q(referral__status__in=PLACE_GIVEN_UP_STATUSES) | Exists(recorded_here))
        .select_related("referral", "referral__offender")
    )


def _follow_up(attendance, *, previous_outcome, by, holidays, programme, result) -> None:
    """What a recorded outcome sets off: a catch-up, an enforcement decision, a risk note,
    and, past the catch-up limit, the end of the attempt."""
    placement = attendance.placement
    catch_up = CatchUp.objects.filter(placement=placement, session=attendance.session).first()
    if attendance.missed:
        if catch_up is None:
            CatchUp.objects.create(placement=placement, session=attendance.session)
        elif catch_up.cancelled:
            catch_up.cancelled = False
            catch_up.save(update_fields=["cancelled"])
    elif catch_up and not catch_up.completed and not catch_up.cancelled:
        catch_up.cancelled = True
        catch_up.save(update_fields=["cancelled"])

    enforcement = Enforcement.objects.filter(attendance=attendance).first()
    if attendance.outcome in ENFORCEABLE_OUTCOMES and enforcement is None:
        _enforcement_open(attendance, holidays=holidays, programme=programme)
    elif attendance.outcome not in ENFORCEABLE_OUTCOMES and enforcement and enforcement.is_pending:
        enforcement.decision = EnforcementDecisionType.FOUND_ACCEPTABLE
        enforcement.decision_reason = (
            f"Outcome corrected by the facilitator: {attendance.change_reason}"
        )
        enforcement.decided_by = by
        enforcement.decided_on = timezone.localdate()
        enforcement.save()

    if (
        attendance.risk_relevant
        and not attendance.notices.filter(kind=NoticeKind.RISK_NOTE).exists()
    ):
        Notice.objects.create(
            offender=placement.referral.offender,
            kind=NoticeKind.RISK_NOTE,
            message=attendance.note or "Marked risk-relevant at this session (no note written)",
            attendance=attendance,
            created_by=by,
        )

    needed = placement.catch_ups.filter(cancelled=False).count()
    if attendance.missed and needed > programme.catch_up_limit:
        placement_restart(placement=placement, on=attendance.session.date, by=by)
        result.restarted.append(placement)


def _enforcement_open(attendance: Attendance, *, holidays, programme) -> Enforcement:
    offender = attendance.placement.referral.offender
    failure_on = attendance.session.date
    action, why = propose_enforcement(
        order_type=offender.order_type,
        warnings_in_window=warnings_in_window(
            offender=offender, before=failure_on, programme=programme
        ),
        warnings_allowed=programme.warnings_before_breach,
        window_months=programme.warning_window_months,
    )
    return Enforcement.objects.create(
        attendance=attendance,
        offender=offender,
        failure_on=failure_on,
        due_by=add_working_days(failure_on, programme.enforcement_deadline_working_days, holidays),
        proposed_action=action,
        proposal_reason=why,
    )


def warnings_in_window(*, offender, before: date, programme: Programme) -> int:
    """Formal warnings given to him from the window's start before this failure until now.

    The window runs from the day a warning was given (Sch. 8 para 5: a warning "within the
    previous twelve months"); one given after this failure but before its decision counts too.
    """
    since = add_months(before, -programme.warning_window_months)
    return Enforcement.objects.filter(
        offender=offender,
        decision=EnforcementDecisionType.WARNING_GIVEN,
        decided_on__gte=since,
    ).count()


def _start_programme_for_members(session: GroupSession, *, by: Staff) -> None:
    for placement in session.group.placements.active().select_related("referral"):
        if placement.referral.status == ReferralStatus.SCHEDULED:
            placement.referral.move_to(
                ReferralStatus.ON_PROGRAMME, by=by, automatic=True, note=f"First session: {session}"
            )


# --- Restart and completion -------------------------------------------------------------------

RESTART_NOTE = (
    "Missed {missed} sessions: no more than {limit} can be made up by catch-up sessions, so he "
    "must start the programme again. He is back on the waiting list."
)


def placement_restart(*, placement: Placement, on: date, by: Staff) -> Referral:
    """End this attempt as 'restart required' and put him back on the waiting list, keeping
    his original referral date and a link to the failed attempt."""
    referral = placement.referral
    programme = referral.programme
    missed = placement.catch_ups.filter(cancelled=False).count()
    note = RESTART_NOTE.format(missed=missed, limit=programme.catch_up_limit)
    placement.ended_on = on
    placement.end_reason = "Restart required: more missed sessions than catch-ups allow"
    placement.save(update_fields=["ended_on", "end_reason"])
    reason = ClosingReason.objects.filter(status=ReferralStatus.RESTART_REQUIRED).first()
    referral.move_to(
        ReferralStatus.RESTART_REQUIRED, by=by, reason=reason, note=note, automatic=True
    )
    checklist = PreProgrammeChecklist.objects.get(referral=referral)
    status = (
        ReferralStatus.AWAITING_ALLOCATION
        if checklist.is_complete
        else ReferralStatus.AWAITING_ASSESSMENT
    )
    restart = Referral.objects.create(
        offender=referral.offender,
        programme=programme,
        assessment=referral.assessment,
        status=status,
        referred_on=on,
        waiting_since=referral.waiting_since,
        previous_attempt=referral,
        referred_by=by,
    )
    checklist.pk = None
    checklist.referral = restart
    checklist.save()
    ReferralStatusChange.objects.create(
        referral=restart,
        from_status="",
        to_status=status,
        by=by,
        note="Back on the waiting list to restart the programme",
    )
    Notice.objects.create(
        offender=referral.offender, kind=NoticeKind.RESTART, message=note, created_by=by
    )
    return restart


def placement_check_completion(*, placement: Placement, by: Staff) -> bool:
    """When every session is recorded and every catch-up done, the attempt is complete and the
    referral moves to the post-programme stage; the offender manager is told."""
    referral = Referral.objects.get(pk=placement.referral_id)
    if referral.status != ReferralStatus.ON_PROGRAMME or placement.ended_on:
        return False
    sessions = placement.group.sessions.count()
    recorded = placement.attendances.count()
    if recorded < sessions:
        return False
    if placement.catch_ups.filter(completed=False, cancelled=False).exists():
        return False
    referral.move_to(
        ReferralStatus.POST_PROGRAMME, by=by, automatic=True, note="Every session and catch-up done"
    )
    Notice.objects.create(
        offender=referral.offender,
        kind=NoticeKind.COMPLETION,
        message=f"He has completed all {sessions} sessions of {referral.programme}: "
        "arrange the three-way handover once the end-of-programme report is in.",
        created_by=by,
    )
    return True


# --- Catch-ups ------------------------------------------------------------------------------


@transaction.atomic
def catch_up_record(
    *, catch_up: CatchUp, held_on: date, facilitator: Staff, completed: bool, note: str, by: Staff
) -> CatchUp:
    catch_up = (
        CatchUp.objects.select_for_update()
        .select_related("session", "placement")
        .get(pk=catch_up.pk)
    )
    if catch_up.cancelled:
        raise ProgrammeError("This catch-up is no longer needed: the absence was corrected")
    if held_on < catch_up.session.date:
        raise ProgrammeError(
            f"A catch-up cannot be held before the session it makes up ({catch_up.session.date:%-d %B %Y})"
        )
    if held_on > timezone.localdate():
        raise ProgrammeError("A catch-up cannot be recorded before it has been held")
    catch_up.held_on = held_on
    catch_up.facilitator = facilitator
    catch_up.completed = completed
    catch_up.note = note
    catch_up.save()
    placement_check_completion(placement=catch_up.placement, by=by)
    return catch_up


# --- Enforcement ----------------------------------------------------------------------------

DECISION_NEEDS_REASON = "Say why: a reason is needed when {why}"


@transaction.atomic
def enforcement_decide(
    *, enforcement: Enforcement, decision: str, reason: str, by: Staff
) -> Enforcement:
    enforcement = Enforcement.objects.select_for_update().get(pk=enforcement.pk)
    if not enforcement.is_pending:
        raise ProgrammeError("A decision has already been recorded for this failure")
    expected = {
        "warning": EnforcementDecisionType.WARNING_GIVEN,
        "breach": EnforcementDecisionType.BREACH_INITIATED,
        "recall": EnforcementDecisionType.RECALL_REQUESTED,
    }[enforcement.proposed_action]
    if decision == EnforcementDecisionType.FOUND_ACCEPTABLE and not reason.strip():
        raise ProgrammeError(DECISION_NEEDS_REASON.format(why="the absence is found acceptable"))
    if decision != expected and not reason.strip():
        raise ProgrammeError(
            DECISION_NEEDS_REASON.format(
                why="the decision differs from the action the policy proposes"
            )
        )
    enforcement.decision = decision
    enforcement.decision_reason = reason
    enforcement.decided_by = by
    enforcement.decided_on = timezone.localdate()
    enforcement.save()
    if decision == EnforcementDecisionType.WARNING_GIVEN:
        _refresh_pending_proposals(enforcement)
    if decision == EnforcementDecisionType.BREACH_INITIATED:
        referral = enforcement.attendance.placement.referral
        breach_reason = ClosingReason.objects.filter(status=ReferralStatus.BREACH).first()
        if referral.status in (ReferralStatus.ON_PROGRAMME, ReferralStatus.SCHEDULED):
            referral.move_to(ReferralStatus.BREACH, by=by, reason=breach_reason, note=reason)
    return enforcement


def _refresh_pending_proposals(decided: Enforcement) -> None:
    """A warning just given changes what the policy proposes for his other pending failures."""
    programme = decided.attendance.placement.referral.programme
    for pending in (
        Enforcement.objects.pending().filter(offender=decided.offender).exclude(pk=decided.pk)
    ):
        action, why = propose_enforcement(
            order_type=pending.offender.order_type,
            warnings_in_window=warnings_in_window(
                offender=pending.offender, before=pending.failure_on, programme=programme
            ),
            warnings_allowed=programme.warnings_before_breach,
            window_months=programme.warning_window_months,
        )
        pending.proposed_action, pending.proposal_reason = action, why
        pending.save(update_fields=["proposed_action", "proposal_reason"])


# --- Notices ----------------------------------------------------------------------------------


@transaction.atomic
def notice_acknowledge(*, notice: Notice, action_taken: str, by: Staff) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at:
        raise ProgrammeError("This has already been acknowledged")
    if not action_taken.strip():
        raise ProgrammeError("Say what you did about it")
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = by
    notice.action_taken = action_taken
    notice.save()
    return notice


# --- Projection -------------------------------------------------------------------------------


@dataclass
class Projection:
    finish: date | None
    sessions_left: int
    catch_ups_outstanding: int
    warning: str = ""


def projected_finish(*, placement: Placement, today: date) -> Projection:
    """When he would finish: the group's last session, or later if his outstanding catch-ups
    need more weeks than the group has left (one catch-up a week, decision in docs)."""
    sessions = list(placement.group.sessions.order_by("number"))
    recorded = set(placement.attendances.values_list("session_id", flat=True))
    left = [s for s in sessions if s.pk not in recorded]
    outstanding = placement.catch_ups.filter(completed=False, cancelled=False).count()
    finish = sessions[-1].date if sessions else None
    if outstanding:
        catch_up_finish = max(today, left[0].date if left else today) + timedelta(weeks=outstanding)
        finish = max(finish, catch_up_finish) if finish else catch_up_finish
    projection = Projection(
        finish=finish, sessions_left=len(left), catch_ups_outstanding=outstanding
    )
    offender = placement.referral.offender
    order = offender.get_order_type_display().lower()
    room = timedelta(days=placement.group.programme.handover_due_days)
    if finish and finish > offender.order_end:
        projection.warning = (
            f"He would finish on {finish:%-d %B %Y}, after his {order} ends on "
            f"{offender.order_end:%-d %B %Y}"
        )
    elif finish and finish + room > offender.order_end:
        projection.warning = (
            f"He would finish on {finish:%-d %B %Y}, leaving less than {room.days} days before "
            f"his {order} ends on {offender.order_end:%-d %B %Y} for the post-programme work "
            "(report, three-way handover, risk re-assessment)"
        )
    return projection


def feedback_send(*, placement: Placement, message: str, by: Staff) -> Notice:
    """A facilitator's feedback, shown to the offender manager until acknowledged."""
    return Notice.objects.create(
        offender=placement.referral.offender,
        kind=NoticeKind.FEEDBACK,
        message=message,
        created_by=by,
    )


# --- After the programme ------------------------------------------------------------------

REPORT_LOCKED = "A submitted report is locked: make a correction, which creates a new version"
REPORT_NOT_DUE = "An end-of-programme report is written once he has completed the programme"


def attendance_summary(placement: Placement) -> dict:
    """His attendance, computed from the register (three queries)."""
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for outcome, reason in placement.attendances.values_list("outcome", "absence_reason"):
        counts[outcome] = counts.get(outcome, 0) + 1
        if reason:
            label = AbsenceReason(reason).label
            reasons[label] = reasons.get(label, 0) + 1
    catch_ups = placement.catch_ups.filter(cancelled=False)
    return {
        "sessions": placement.group.sessions.count(),
        "attended": counts.get(AttendanceOutcome.ATTENDED, 0),
        "failed_to_comply": counts.get(AttendanceOutcome.FAILED_TO_COMPLY, 0),
        "sent_home": counts.get(AttendanceOutcome.SENT_HOME, 0),
        "acceptable_absences": counts.get(AttendanceOutcome.ACCEPTABLE_ABSENCE, 0),
        "acceptable_absence_reasons": reasons,
        "unacceptable_absences": counts.get(AttendanceOutcome.UNACCEPTABLE_ABSENCE, 0),
        "catch_ups_completed": catch_ups.filter(completed=True).count(),
        "catch_ups_needed": catch_ups.count(),
    }


def _placement_for(referral: Referral) -> Placement:
    placement = Placement.objects.filter(referral=referral).select_related("group").first()
    if placement is None:
        raise ProgrammeError(REPORT_NOT_DUE)
    return placement


def report_start_refusal(referral: Referral) -> str:
    """Why a first draft cannot be started now ("" when it can)."""
    if referral.end_reports.exists():
        return "The report has been submitted: to change it, make a correction"
    if referral.status != ReferralStatus.POST_PROGRAMME:
        return REPORT_NOT_DUE
    return ""


@transaction.atomic
def report_start(*, referral: Referral, by: Staff):
    """The draft being written: the existing draft, or a first version."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    draft = referral.end_reports.filter(status=ReportStatus.DRAFT).first()
    if draft:
        return draft
    refusal = report_start_refusal(referral)
    if refusal:
        raise ProgrammeError(refusal)
    placement = _placement_for(referral)
    report = EndOfProgrammeReport.objects.create(
        referral=referral, author=by, attendance_summary=attendance_summary(placement)
    )
    TargetProgress.objects.bulk_create(
        TargetProgress(report=report, target=target)
        for target in referral.programme.treatment_targets.all()
    )
    return report


@transaction.atomic
def report_save(
    *,
    report,
    overall_progress: str,
    risk_factors: str,
    relapse_prevention_plan: str,
    progress: dict[int, str],
    recommendations: list[str],
    by: Staff,
):
    """Save the draft's text; the attendance summary is recomputed from the register."""
    report = EndOfProgrammeReport.objects.select_for_update().get(pk=report.pk)
    if report.is_locked:
        raise ProgrammeError(REPORT_LOCKED)
    report.overall_progress = overall_progress
    report.risk_factors = risk_factors
    report.relapse_prevention_plan = relapse_prevention_plan
    report.recommendations = [text.strip() for text in recommendations if text.strip()]
    report.attendance_summary = attendance_summary(_placement_for(report.referral))
    report.save()
    for item in report.progress.all():
        item.progress = progress.get(item.target_id, item.progress)
        item.save(update_fields=["progress"])
    return report


def report_missing(report) -> list[str]:
    missing = []
    if not report.risk_factors.strip():
        missing.append("Risk factors")
    if not report.relapse_prevention_plan.strip():
        missing.append("Relapse prevention plan")
    for item in report.progress.select_related("target"):
        if not item.progress.strip():
            missing.append(f"Progress against “{item.target.name}”")
    if not report.recommendations:
        missing.append("At least one recommendation")
    return missing


@transaction.atomic
def report_submit(*, report, by: Staff):
    """Lock the report, put its recommendations to work, and ask for the handover meeting."""

    report = (
        EndOfProgrammeReport.objects.select_for_update()
        .select_related("referral")
        .get(pk=report.pk)
    )
    if report.is_locked:
        raise ProgrammeError(REPORT_LOCKED)
    missing = report_missing(report)
    if missing:
        raise ProgrammeError("The report cannot be submitted until it has: " + "; ".join(missing))
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = by
    report.attendance_summary = attendance_summary(_placement_for(report.referral))
    report.save()
    written = dict(enumerate(report.recommendations, 1))
    tracked = {r.number: r for r in report.referral.recommendations.all()}
    for number, text in written.items():
        if number in tracked:
            if tracked[number].text != text:
                tracked[number].text = text
                tracked[number].save(update_fields=["text"])
        else:
            Recommendation.objects.create(referral=report.referral, number=number, text=text)
    for number, recommendation in tracked.items():
        if number not in written and not recommendation.is_closed:
            recommendation.status = RecommendationStatus.NOT_PURSUED
            recommendation.not_pursued_reason = f"Removed in version {report.version} of the report"
            recommendation.save(update_fields=["status", "not_pursued_reason"])
    due = timezone.localdate() + timedelta(days=report.referral.programme.handover_due_days)
    Notice.objects.create(
        offender=report.referral.offender,
        kind=NoticeKind.REPORT,
        message=(
            f"The end-of-programme report (version {report.version}) has been submitted. "
            f"Arrange the three-way handover meeting with him and a facilitator by {due:%-d %B %Y}."
        ),
        created_by=by,
    )
    return report


@transaction.atomic
def report_correct(*, report, reason: str, by: Staff):
    """A correction: a new draft version copying the submitted one, which is kept as it was."""

    report = EndOfProgrammeReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_locked:
        raise ProgrammeError("This version is still a draft: edit it instead")
    if hasattr(report, "correction"):
        raise ProgrammeError("This version has already been corrected: correct the latest version")
    if not reason.strip():
        raise ProgrammeError("Say what the correction is for")
    correction = EndOfProgrammeReport.objects.create(
        referral=report.referral,
        version=report.version + 1,
        previous_version=report,
        attendance_summary=report.attendance_summary,
        overall_progress=report.overall_progress,
        risk_factors=report.risk_factors,
        relapse_prevention_plan=report.relapse_prevention_plan,
        recommendations=report.recommendations,
        correction_reason=reason,
        author=by,
        status=ReportStatus.DRAFT,
    )
    TargetProgress.objects.bulk_create(
        TargetProgress(report=correction, target_id=p.target_id, progress=p.progress)
        for p in report.progress.all()
    )
    return correction


def latest_submitted_report(referral: Referral):
    return referral.end_reports.filter(status=ReportStatus.SUBMITTED).order_by("-version").first()


def handover_due_on(referral: Referral) -> date | None:
    """When the handover is due: the programme's period after the first report was submitted."""
    first = referral.end_reports.filter(status=ReportStatus.SUBMITTED).order_by("version").first()
    if first is None:
        return None
    return timezone.localdate(first.submitted_at) + timedelta(
        days=referral.programme.handover_due_days
    )


def handover_held(referral: Referral) -> bool:
    return any(m.all_attended for m in referral.handover_meetings.all())


@transaction.atomic
def recommendation_update(
    *,
    recommendation,
    status: str,
    owner: Staff | None,
    due_on: date | None,
    not_pursued_reason: str,
    note: str,
    by: Staff,
):
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if status == RecommendationStatus.NOT_PURSUED and not not_pursued_reason.strip():
        raise ProgrammeError("Say why the recommendation is not being pursued")
    recommendation.status = status
    recommendation.owner = owner
    recommendation.due_on = due_on
    recommendation.not_pursued_reason = (
        not_pursued_reason if status == RecommendationStatus.NOT_PURSUED else ""
    )
    recommendation.save()
    if note.strip():
        RecommendationNote.objects.create(
            recommendation=recommendation, on=timezone.localdate(), text=note, by=by
        )
    return recommendation


def closing_missing(referral: Referral) -> list[str]:
    """What must be done before the referral can be closed as programme complete."""
    missing = []
    if referral.status != ReferralStatus.POST_PROGRAMME:
        missing.append("He has not completed the programme's sessions and catch-ups")
    if latest_submitted_report(referral) is None:
        missing.append("The end-of-programme report has not been submitted")
    if referral.end_reports.filter(status="draft").exists():
        missing.append("A correction of the end-of-programme report is still a draft")
    if not handover_held(referral):
        missing.append(
            "The three-way handover meeting has not been held with him, a facilitator and "
            "his offender manager"
        )
    if not referral.reassessments.exists():
        missing.append("His risk has not been re-assessed after the programme")
    for recommendation in referral.recommendations.outstanding():
        missing.append(
            f"Recommendation {recommendation.number} is {recommendation.get_status_display().lower()}"
        )
    return missing


@transaction.atomic
def referral_close(*, referral: Referral, by: Staff) -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    missing = closing_missing(referral)
    if missing:
        raise ProgrammeError(
            "The referral cannot be closed yet. Still to do: " + "; ".join(missing)
        )
    referral.move_to(
        ReferralStatus.PROGRAMME_COMPLETE,
        by=by,
        automatic=True,
        note="Report submitted, handover held, risk re-assessed, recommendations closed",
    )
    return referral


# --- Risk during supervision ----------------------------------------------------------------


def risk_before_review(offender) -> tuple[str, str]:
    """His risk of serious harm before a new review, and where it comes from: his latest risk
    review, or, before any, his latest assessment that recorded one. ("", "") if neither."""
    latest = offender.risk_reviews.order_by("-oasys_on", "-pk").first()
    if latest:
        return latest.risk_of_serious_harm, f"risk review of {latest.oasys_on:%-d %B %Y}"
    assessment = offender.assessments.exclude(risk_of_serious_harm="").first()
    if assessment:
        return (
            assessment.risk_of_serious_harm,
            f"assessment of {assessment.assessed_on:%-d %B %Y}",
        )
    return "", ""


@transaction.atomic
def risk_review_record(
    *, offender, oasys_on: date, risk_of_serious_harm: str, what_changed: str, by: Staff
):
    """Record an OASys review, keeping the risk it replaces. The offender row is locked so
    that two reviews saved at once each see the right 'before'."""
    offender = Offender.objects.select_for_update().get(pk=offender.pk)
    before, _source = risk_before_review(offender)
    return RiskReview.objects.create(
        offender=offender,
        oasys_on=oasys_on,
        risk_before=before,
        risk_of_serious_harm=risk_of_serious_harm,
        what_changed=what_changed,
        recorded_by=by,
    )


# --- Handover and re-assessment -------------------------------------------------------------

HANDOVER_BEFORE_REPORT = (
    "The handover meeting follows the end-of-programme report, not yet submitted"
)


@transaction.atomic
def handover_record(*, referral: Referral, by: Staff, **details) -> HandoverMeeting:
    """Record a three-way handover meeting; one that any of the three missed is kept too, but
    only a meeting with all three counts towards closing."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if latest_submitted_report(referral) is None:
        raise ProgrammeError(HANDOVER_BEFORE_REPORT)
    return HandoverMeeting.objects.create(referral=referral, recorded_by=by, **details)


@transaction.atomic
def reassessment_record(*, referral: Referral, by: Staff, **details) -> Reassessment:
    """The post-programme OASys and RM2000 re-assessment."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in (ReferralStatus.POST_PROGRAMME, ReferralStatus.PROGRAMME_COMPLETE):
        raise ProgrammeError("His risk is re-assessed once he has completed the programme")
    return Reassessment.objects.create(referral=referral, recorded_by=by, **details)
