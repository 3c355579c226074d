"""Groups and their weekly schedule, and places in them: who is a member of a group at which
session (membership in time)."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from isotp.models import Office, Staff
from programme.models import (
    PLACE_GIVEN_UP_STATUSES,
    Attendance,
    BankHoliday,
    Group,
    GroupSession,
    NonAssociation,
    NonAssociationOverride,
    OneToOneKind,
    OneToOneSession,
    Placement,
    ProgrammeError,
    ProgrammeVersion,
)
from programme.services.one_to_ones import pending_pre_group_dates
from programme.services.staffing import sessions_staff_initially, usual_lead
from programme.services.versions import version_for_new_group
from referrals.models import (
    AgeBand,
    ClosingReason,
    PreProgrammeChecklist,
    Programme,
    Referral,
    ReferralStatus,
)
from referrals.services import referral_follow_checklist


def bank_holidays() -> set[date]:
    return BankHoliday.objects.days_off()


# --- Groups and their schedule ------------------------------------------------------------


def meeting_days_from(start: date, *, weekdays, holidays: set[date]):
    """The group's meeting days from `start` (included) on, in order, skipping bank holidays:
    an endless generator (a group meets on at least one weekday)."""
    days = set(weekdays)
    if not days:
        raise ProgrammeError(NO_MEETING_DAYS)
    day = start
    while True:
        if day.weekday() in days and day not in holidays:
            yield day
        day += timedelta(days=1)


def session_dates(
    *, first_on_or_after: date, weekdays, count: int, holidays: set[date]
) -> list[date]:
    """The group's dates: its meeting days in order from the start date. A bank holiday is
    skipped and every later session moves on to the next meeting day, so the number of
    sessions never changes (a weekly group's holiday pushes the session a week on)."""
    days = meeting_days_from(first_on_or_after, weekdays=weekdays, holidays=holidays)
    return [next(days) for _ in range(count)]


NO_MEETING_DAYS = "Choose at least one day of the week the group meets"


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


GROUP_STARTS_IN_THE_PAST = (
    "A group cannot start in the past: its start date must be {today:%-d %B %Y} or later"
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
    weekdays: list[int],
    start_time: time,
    by: Staff,
    lead: Staff | None = None,
    today: date | None = None,
    version: ProgrammeVersion | None = None,
) -> Group:
    """Form a group and its sessions on its meeting days (one or more weekdays), each run by
    the group's facilitators: `lead` (by default the first facilitator in name order) leads,
    the others cover. It runs `version` of the programme (its sessions are named from it), by
    default the newest complete one (programme.services.versions). `today` is the day it is
    formed (today; earlier only for demo data and tests that replay a past group): it cannot
    start before then."""
    today = today or timezone.localdate()
    version = version_for_new_group(programme=programme, version=version)
    if not facilitators:
        raise ProgrammeError("A group needs at least one facilitator")
    lead = usual_lead(facilitators, lead)
    weekdays = sorted(set(weekdays))
    if not weekdays:
        raise ProgrammeError(NO_MEETING_DAYS)
    if start_date < today:
        raise ProgrammeError(GROUP_STARTS_IN_THE_PAST.format(today=today))
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
        version=version,
        age_band=age_band,
        office=office,
        venue=venue,
        treatment_manager=treatment_manager,
        start_date=start_date,
        weekdays=weekdays,
        start_time=start_time,
        lead_facilitator=lead,
        created_by=by,
    )
    group.facilitators.set(facilitators)
    dates = session_dates(
        first_on_or_after=start_date,
        weekdays=weekdays,
        count=programme.sessions,
        holidays=bank_holidays(),
    )
    named = {session.number: session for session in version.sessions.all()}
    sessions = GroupSession.objects.bulk_create(
        GroupSession(group=group, number=number, date=day, programme_session=named[number])
        for number, day in enumerate(dates, 1)
    )
    sessions_staff_initially(sessions=sessions, lead=lead, team=facilitators)
    return group


@transaction.atomic
def session_move(*, session: GroupSession, new_date: date, move_later: bool) -> list[GroupSession]:
    """Move a session to a new date (any day but a bank holiday, after the session before it).

    With move_later, the later sessions keep the group's cadence: they take the group's next
    meeting days after the new date, in order, skipping bank holidays (the number of sessions
    never changes). A recorded session never moves. Session 1 cannot move to on or before a
    member's pre-group one-to-one that is still to be held: it comes first."""
    group = Group.objects.select_for_update().get(pk=session.group_id)
    sessions = list(group.sessions.select_for_update().order_by("number"))
    current = next(s for s in sessions if s.pk == session.pk)
    if current.register_completed_at:
        raise ProgrammeError("This session's register is complete: its date cannot change")
    holidays = bank_holidays()
    if new_date in holidays:
        raise ProgrammeError(f"{new_date:%-d %B %Y} is a bank holiday")
    earlier = [s for s in sessions if s.number < current.number]
    later = [s for s in sessions if s.number > current.number]
    if earlier and new_date <= earlier[-1].date:
        raise ProgrammeError(
            f"The new date must be after session {earlier[-1].number} ({earlier[-1].date:%-d %B %Y})"
        )
    if not earlier:
        pending = pending_pre_group_on_or_after(group=group, day=new_date)
        if pending:
            raise ProgrammeError(SESSION_1_BEFORE_ONE_TO_ONE.format(date=pending))
    current.date = new_date
    moved = [current]
    if move_later:
        recorded = next((s for s in later if s.register_completed_at), None)
        if recorded:
            raise ProgrammeError(f"Session {recorded.number} is already recorded: it cannot move")
        days = meeting_days_from(
            new_date + timedelta(days=1), weekdays=group.weekdays, holidays=holidays
        )
        for later_session in later:
            later_session.date = next(days)
            moved.append(later_session)
    elif later and new_date >= later[0].date:
        raise ProgrammeError(
            f"The new date must be before session {later[0].number} ({later[0].date:%-d %B %Y}), "
            "or choose to move the later sessions too"
        )
    GroupSession.objects.bulk_update(moved, ["date"])
    return moved


SESSION_1_BEFORE_ONE_TO_ONE = (
    "A member's pre-group one-to-one is on {date:%-d %B %Y}: session 1 must be after it. "
    "Move or cancel the one-to-one first"
)


def pending_pre_group_on_or_after(*, group: Group, day: date) -> date | None:
    """The latest pre-group one-to-one still to be held, on or after `day`, of a man with an
    open place in the group (None if there is none)."""
    return (
        OneToOneSession.objects.pending()
        .filter(
            kind=OneToOneKind.PRE_GROUP,
            referral__placement__group=group,
            referral__placement__ended_on__isnull=True,
            date__gte=day,
        )
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


# --- Allocation -----------------------------------------------------------------------------

GROUP_FULL = "The group is full: it has {count} of {capacity} places taken"
WRONG_PROGRAMME = "He is referred to {referral}, but this is a {group} group"
WRONG_BAND = (
    "He will be in the {band} age band when the group starts, but this is a {group_band} group"
)
NOT_READY = "He is not ready for allocation: the referral is “{status}”"
ALREADY_PLACED = "He already has a place in a group"
# What a programme manager reads: that there is a conflict, never the reason recorded.
NON_ASSOCIATION = (
    "He must not be grouped with a member of this group (a non-association recorded by an "
    "offender manager). A programme manager may still allocate him, giving a reason"
)
OVERRIDE_NEEDS_REASON = "Give a reason to allocate despite a non-association"
ONE_TO_ONE_NOT_BEFORE_SESSION_1 = (
    "His pre-group one-to-one is on {one_to_one:%-d %B %Y}, and session 1 of this group is on "
    "{first:%-d %B %Y}: the one-to-one comes first. Move or cancel the one-to-one, or choose "
    "a group that starts later"
)


GROUP_ALREADY_MET = (
    "The group has already met (session 1 was on {first:%-d %B %Y}): a man joins a group "
    "before its first session, so that he can attend all {sessions} sessions. Choose a group "
    "that has not started"
)


def group_has_met(group: Group, *, on: date) -> bool:
    """A group has met once one of its sessions is dated before `on`."""
    return group.sessions.filter(date__lt=on).exists()


@dataclass(frozen=True)
class GroupPlaces:
    """What the allocation rule asks of a group, counted once for any number of referrals."""

    taken: int
    first_session: GroupSession | None
    has_met: bool


def group_places(*, group: Group, on: date) -> GroupPlaces:
    """Places taken and whether the group has met by `on` (two queries)."""
    first = group.sessions.order_by("number").first()
    return GroupPlaces(
        taken=group.placements.active().count(),
        first_session=first,
        has_met=first is not None and first.date < on,
    )


def allocation_refusals(*, group: Group, referrals: list[Referral], on: date) -> dict[int, str]:
    """Why each referral cannot be given a place in this group on this day ("" when he can),
    by referral id. The one allocation rule, in its batched form: the group's facts are counted
    once, then each referral is checked in memory, so the number of queries does not grow with
    the number of referrals (load each referral's offender and programme with select_related).

    Closed groups (decision in docs/decisions.md): everyone starts at session 1, so a group
    that has met, or whose sessions are all over, takes nobody new.
    """
    places = group_places(group=group, on=on)
    placed = set(
        Placement.objects.active()
        .filter(referral__offender_id__in=[r.offender_id for r in referrals])
        .values_list("referral__offender_id", flat=True)
    )
    conflicted = set(
        conflicts_with_members(group=group, offender_ids=[r.offender_id for r in referrals])
    )
    pending = pending_pre_group_dates(r.pk for r in referrals)
    not_ready = [r.pk for r in referrals if r.status != ReferralStatus.AWAITING_ALLOCATION]
    checklists = (
        {c.referral_id: c for c in PreProgrammeChecklist.objects.filter(referral_id__in=not_ready)}
        if not_ready
        else {}
    )
    return {
        referral.pk: _refusal(
            group=group,
            referral=referral,
            places=places,
            already_placed=referral.offender_id in placed,
            checklist=checklists.get(referral.pk),
            conflicted=referral.offender_id in conflicted,
            one_to_one_on=pending.get(referral.pk),
        )
        for referral in referrals
    }


def conflicts_with_members(*, group: Group, offender_ids) -> dict[int, list[NonAssociation]]:
    """The active non-associations between each of these men and a current member of the
    group (either side may have recorded it), by the man's id. One query."""
    members = Placement.objects.active().filter(group=group).values("referral__offender_id")
    pairs = (
        NonAssociation.objects.active()
        .involving(offender_ids)
        .filter(Q(offender_id__in=members) | Q(other_id__in=members))
        .annotate(
            offender_is_member=Exists(
                members.filter(referral__offender_id=OuterRef("offender_id"))
            ),
            other_is_member=Exists(members.filter(referral__offender_id=OuterRef("other_id"))),
        )
    )
    wanted = set(offender_ids)
    conflicts: dict[int, list[NonAssociation]] = {}
    for pair in pairs:
        for man, other_is_member in (
            (pair.offender_id, pair.other_is_member),
            (pair.other_id, pair.offender_is_member),
        ):
            if man in wanted and other_is_member:
                conflicts.setdefault(man, []).append(pair)
    return conflicts


def allocation_refusal(*, group: Group, referral: Referral, on: date) -> str:
    """Why this referral cannot be given a place in this group on this day ("" when it can)."""
    return allocation_refusals(group=group, referrals=[referral], on=on)[referral.pk]


def _refusal(
    *,
    group: Group,
    referral: Referral,
    places: GroupPlaces,
    already_placed: bool,
    checklist: PreProgrammeChecklist | None,
    conflicted: bool = False,
    one_to_one_on: date | None = None,
) -> str:
    if places.taken >= group.capacity:
        return GROUP_FULL.format(count=places.taken, capacity=group.capacity)
    if referral.programme_id != group.programme_id:
        return WRONG_PROGRAMME.format(referral=referral.programme, group=group.programme)
    if places.has_met:
        return GROUP_ALREADY_MET.format(
            first=places.first_session.date, sessions=group.programme.sessions
        )
    band = group.programme.age_band(referral.offender.date_of_birth, group.start_date)
    if band != group.age_band:
        return WRONG_BAND.format(band=_band_label(band), group_band=group.get_age_band_display())
    if already_placed:
        return ALREADY_PLACED
    if referral.status != ReferralStatus.AWAITING_ALLOCATION:
        message = NOT_READY.format(status=referral.get_status_display().lower())
        missing = checklist.missing_items() if checklist else []
        if missing:
            message += ". The pre-programme checklist is missing: " + "; ".join(missing)
        return message
    if (
        one_to_one_on
        and places.first_session is not None
        and one_to_one_on >= places.first_session.date
    ):
        return ONE_TO_ONE_NOT_BEFORE_SESSION_1.format(
            one_to_one=one_to_one_on, first=places.first_session.date
        )
    # Last: the one refusal a programme manager may override.
    if conflicted:
        return NON_ASSOCIATION
    return ""


@transaction.atomic
def placement_allocate(
    *,
    group: Group,
    referral: Referral,
    by: Staff,
    on: date | None = None,
    override_reason: str = "",
) -> Placement:
    """Give a waiting referral a place from the group's first session.

    `on` is the day of allocation (today; earlier only for demo data and tests that replay
    a past week). The group row is locked while its places are counted, so two managers
    filling the last place at once leave exactly one allocated. A non-association with a
    member refuses him unless `override_reason` is given (a programme manager's, recorded
    against each non-association it overrides); no other refusal can be overridden.
    """
    on = on or timezone.localdate()
    group = Group.objects.select_for_update().select_related("programme").get(pk=group.pk)
    referral = (
        Referral.objects.select_for_update()
        .select_related("offender", "programme")
        .get(pk=referral.pk)
    )
    refusal = allocation_refusal(group=group, referral=referral, on=on)
    overriding = refusal == NON_ASSOCIATION and bool(override_reason.strip())
    if refusal and not overriding:
        raise ProgrammeError(refusal)
    placement = Placement.objects.create(
        group=group,
        referral=referral,
        allocated_by=by,
        allocated_on=on,
        first_session=group.sessions.order_by("number").first(),
    )
    if overriding:
        conflicts = conflicts_with_members(group=group, offender_ids=[referral.offender_id])
        NonAssociationOverride.objects.bulk_create(
            NonAssociationOverride(
                placement=placement,
                non_association=pair,
                reason=override_reason.strip(),
                by=by,
            )
            for pair in conflicts[referral.offender_id]
        )
    referral.move_to(ReferralStatus.SCHEDULED, by=by, automatic=True, note=f"Allocated to {group}")
    return placement


def placements_allocate(
    *,
    group: Group,
    referrals: list[Referral],
    by: Staff,
    on: date | None = None,
    override_reason: str = "",
) -> tuple[list[Referral], list[tuple[Referral, str]]]:
    """Several men allocated in one step: each through `placement_allocate`, in his own
    transaction, so every rule is checked for each man and the group's lock still keeps its
    capacity when others allocate at once. Those refused are returned with the reason, and
    the others keep their places. Returns (allocated, [(refused, reason)])."""
    allocated: list[Referral] = []
    refused: list[tuple[Referral, str]] = []
    for referral in referrals:
        try:
            placement_allocate(
                group=group, referral=referral, by=by, on=on, override_reason=override_reason
            )
        except ProgrammeError as error:
            refused.append((referral, str(error)))
        else:
            allocated.append(referral)
    return allocated, refused


def allocated_message(allocated: list[Referral], where: str) -> str:
    """What an allocation tells the person: who has a place, and where ("" for nobody)."""
    if len(allocated) == 1:
        return f"{allocated[0].offender.full_name} has a place in {where}"
    if allocated:
        names = ", ".join(referral.offender.full_name for referral in allocated)
        return f"{len(allocated)} men have a place in {where}: {names}"
    return ""


def _band_label(band: str) -> str:
    return AgeBand(band).label


def members_at(session: GroupSession):
    """The members of the group at this session: those whose place runs through it."""
    return Placement.objects.members_at(session).select_related("referral", "referral__offender")


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    to_status: str,
    by: Staff,
    reason: ClosingReason | None = None,
    note: str = "",
    on: date | None = None,
) -> Referral:
    """A status move made by hand: the only one, here and not in referrals, because closing a
    placed referral must end his place. Back in pre-programme work with a complete checklist,
    the referral goes on to ready for allocation at once. Withdrawing, deselecting or recalling
    a man who has a place ends it: he stays on the registers of the sessions held up to that
    day (and any he is already recorded on), and leaves the later ones and the group's count."""
    on = on or timezone.localdate()
    referral.move_to(to_status, by=by, reason=reason, note=note)
    referral_follow_checklist(referral=referral, by=by)
    if to_status in PLACE_GIVEN_UP_STATUSES:
        placement = (
            Placement.objects.select_for_update().filter(referral=referral, ended_on__isnull=True)
        ).first()
        if placement:
            placement_end(placement=placement, on=on, reason=ReferralStatus(to_status).label)
    return referral


def placement_end(*, placement: Placement, on: date, reason: str) -> Placement:
    """End a place on a day. His last session is the last one held by then, or the last one
    he is recorded on if later; a place that ends before his first session has none."""
    held = placement.group.sessions.filter(number__gte=placement.first_session.number, date__lte=on)
    recorded = Attendance.objects.filter(placement=placement)
    last_held = held.order_by("-number").values_list("number", flat=True).first() or 0
    last_recorded = (
        recorded.order_by("-session__number").values_list("session__number", flat=True).first() or 0
    )
    last_number = max(last_held, last_recorded)
    placement.last_session = (
        placement.group.sessions.get(number=last_number) if last_number else None
    )
    placement.ended_on = on
    placement.end_reason = reason
    placement.save(update_fields=["last_session", "ended_on", "end_reason"])
    return placement
