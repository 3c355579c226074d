"""One-to-ones in the schedule: the pre-group one-to-one (the assessment interview with the
facilitators, before session 1 of his group) and the post-programme review (after the group's
last session). His offender manager or a programme manager schedules one; a facilitator named
on it records it once it has been held. Recording a pre-group one-to-one fills the checklist's
interview through the checklist service, so readiness moves as it did when it was typed in."""

from dataclasses import dataclass
from datetime import date, time

from django.db import transaction
from django.utils import timezone

from isotp.formatting import clock
from isotp.models import Role, Staff
from programme.models import OneToOneKind, OneToOneSession, Placement, ProgrammeError
from referrals.models import WAITING_STATUSES, InterviewOutcome, Referral, ReferralError
from referrals.services import checklist_save

IN_THE_PAST = "A one-to-one cannot be scheduled in the past: choose {today:%-d %B %Y} or later"
NO_FACILITATOR = "Choose at least one facilitator to hold the one-to-one"
NOT_A_FACILITATOR = "{name} is not a facilitator"
REFERRAL_CLOSED = "His referral is closed: a one-to-one can no longer be scheduled"
PRE_GROUP_AFTER_SESSION_1 = (
    "The pre-group one-to-one must be before session 1 of his group, on {first:%-d %B %Y}: "
    "choose an earlier date"
)
REVIEW_WITHOUT_GROUP = "He has had no place in a group: there is no programme to review yet"
REVIEW_BEFORE_LAST_SESSION = (
    "The post-programme review is after the group's last session, on {last:%-d %B %Y}: "
    "choose a later date"
)
NOT_YET_HELD = "The one-to-one is on {date:%-d %B %Y}: it can be recorded once it has been held"
ALREADY_RECORDED = "This one-to-one has already been recorded: a record is kept as it was written"
CANCELLED = "This one-to-one was cancelled"
NOT_HIS_FACILITATOR = "Only a facilitator named on the one-to-one records it"
OUTCOME_NEEDED = "Choose the outcome of the pre-group one-to-one"
OUTCOME_ONLY_IF_ATTENDED = "Only give an outcome if he attended"
NO_OUTCOME_FOR_REVIEW = "A post-programme review has no outcome: write what was said in the notes"
CANCEL_NEEDS_REASON = "Give the reason the one-to-one is cancelled"
CANNOT_CANCEL_RECORDED = "A one-to-one that has been recorded cannot be cancelled"


def _current_placement(referral: Referral) -> Placement | None:
    """His place for this referral (open or ended), with its group's first and last session."""
    return (
        Placement.objects.filter(referral=referral).select_related("group", "first_session").first()
    )


@transaction.atomic
def one_to_one_schedule(
    *,
    referral: Referral,
    kind: str,
    on: date,
    start_time: time,
    place: str,
    facilitators: list[Staff],
    by: Staff,
    today: date | None = None,
) -> OneToOneSession:
    """Schedule a one-to-one with the facilitators. `today` is the day it is booked (today;
    earlier only for demo data and tests that replay past weeks)."""
    today = today or timezone.localdate()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not facilitators:
        raise ProgrammeError(NO_FACILITATOR)
    for facilitator in facilitators:
        if facilitator.role != Role.FACILITATOR:
            raise ProgrammeError(NOT_A_FACILITATOR.format(name=facilitator))
    if on < today:
        raise ProgrammeError(IN_THE_PAST.format(today=today))
    if not referral.is_open:
        raise ProgrammeError(REFERRAL_CLOSED)
    placement = _current_placement(referral)
    if kind == OneToOneKind.PRE_GROUP:
        if placement and placement.ended_on is None and on >= placement.first_session.date:
            raise ProgrammeError(
                PRE_GROUP_AFTER_SESSION_1.format(first=placement.first_session.date)
            )
    elif kind == OneToOneKind.REVIEW:
        if placement is None:
            raise ProgrammeError(REVIEW_WITHOUT_GROUP)
        last = placement.group.sessions.order_by("-number").values_list("date", flat=True).first()
        if on <= last:
            raise ProgrammeError(REVIEW_BEFORE_LAST_SESSION.format(last=last))
    else:
        raise ProgrammeError("Choose the kind of one-to-one")
    one_to_one = OneToOneSession.objects.create(
        referral=referral,
        kind=kind,
        date=on,
        start_time=start_time,
        place=place,
        scheduled_by=by,
    )
    one_to_one.facilitators.set(facilitators)
    return one_to_one


@transaction.atomic
def one_to_one_record(
    *,
    one_to_one: OneToOneSession,
    attended: bool,
    outcome: str,
    notes: str,
    by: Staff,
    today: date | None = None,
) -> OneToOneSession:
    """Record a one-to-one once held, once. A pre-group one-to-one fills the checklist's
    assessment interview (date, attended, outcome) while he is on the waiting list, through
    the checklist service: his referral becomes ready for allocation if that completes it.
    Once he has left the waiting list the checklist is kept as it was (it is locked then):
    the one-to-one keeps the record."""
    today = today or timezone.localdate()
    one_to_one = OneToOneSession.objects.select_for_update().get(pk=one_to_one.pk)
    if one_to_one.cancelled_at:
        raise ProgrammeError(CANCELLED)
    if one_to_one.recorded_at:
        raise ProgrammeError(ALREADY_RECORDED)
    if not one_to_one.facilitators.filter(pk=by.pk).exists():
        raise ProgrammeError(NOT_HIS_FACILITATOR)
    if one_to_one.date > today:
        raise ProgrammeError(NOT_YET_HELD.format(date=one_to_one.date))
    pre_group = one_to_one.kind == OneToOneKind.PRE_GROUP
    if pre_group and attended and outcome not in InterviewOutcome.values:
        raise ProgrammeError(OUTCOME_NEEDED)
    if pre_group and not attended and outcome:
        raise ProgrammeError(OUTCOME_ONLY_IF_ATTENDED)
    if not pre_group and outcome:
        raise ProgrammeError(NO_OUTCOME_FOR_REVIEW)
    one_to_one.attended = attended
    one_to_one.outcome = outcome
    one_to_one.notes = notes
    one_to_one.recorded_by = by
    one_to_one.recorded_at = timezone.now()
    one_to_one.save(update_fields=["attended", "outcome", "notes", "recorded_by", "recorded_at"])
    if pre_group:
        _fill_checklist(one_to_one, by=by)
    return one_to_one


def _fill_checklist(one_to_one: OneToOneSession, *, by: Staff) -> None:
    referral = Referral.objects.select_related("checklist").get(pk=one_to_one.referral_id)
    if referral.status not in WAITING_STATUSES:
        return
    checklist = referral.checklist
    checklist.interview_on = one_to_one.date
    checklist.interview_attended = one_to_one.attended
    checklist.interview_outcome = one_to_one.outcome
    try:
        checklist_save(checklist=checklist, by=by)
    except ReferralError as error:  # pragma: no cover - the status was checked above
        raise ProgrammeError(str(error)) from error


@transaction.atomic
def one_to_one_cancel(*, one_to_one: OneToOneSession, reason: str, by: Staff) -> OneToOneSession:
    """Cancel a one-to-one still to be held, with a reason; it stays on the record."""
    one_to_one = OneToOneSession.objects.select_for_update().get(pk=one_to_one.pk)
    reason = reason.strip()
    if one_to_one.recorded_at:
        raise ProgrammeError(CANNOT_CANCEL_RECORDED)
    if one_to_one.cancelled_at:
        raise ProgrammeError(CANCELLED)
    if not reason:
        raise ProgrammeError(CANCEL_NEEDS_REASON)
    one_to_one.cancelled_at = timezone.now()
    one_to_one.cancelled_by = by
    one_to_one.cancel_reason = reason
    one_to_one.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    return one_to_one


def pending_pre_group_dates(referral_ids) -> dict[int, date]:
    """The latest pre-group one-to-one still to be held of each of these referrals (one
    query): allocation refuses a group whose session 1 is not after it."""
    latest: dict[int, date] = {}
    for referral_id, day in (
        OneToOneSession.objects.pending()
        .filter(kind=OneToOneKind.PRE_GROUP, referral_id__in=list(referral_ids))
        .values_list("referral_id", "date")
    ):
        if day > latest.get(referral_id, date.min):
            latest[referral_id] = day
    return latest


@dataclass(frozen=True)
class ScheduleRow:
    """One line of a schedule: a one-to-one, or the group's run of sessions."""

    on: date
    what: str
    state: str
    url: str = ""
    who: str = ""


_ORDER = {OneToOneKind.PRE_GROUP: 0, "sessions": 1, OneToOneKind.REVIEW: 2}


def schedule_rows(
    *, one_to_ones: list[OneToOneSession], sessions: list, name_him: bool
) -> list[ScheduleRow]:
    """The whole schedule in date order: the one-to-ones (not cancelled) and the group's
    sessions as one line (session 1 to the last); on a day with both, a pre-group one-to-one
    comes before the sessions and a review after. `name_him` puts each man's name on his
    one-to-ones (the group's schedule)."""
    keyed = []
    for one_to_one in one_to_ones:
        keyed.append(
            (
                (one_to_one.date, _ORDER[one_to_one.kind], one_to_one.start_time),
                ScheduleRow(
                    on=one_to_one.date,
                    what=f"{one_to_one.get_kind_display()} at {clock(one_to_one.start_time)}",
                    state=one_to_one.state,
                    url=one_to_one.get_absolute_url(),
                    who=one_to_one.referral.offender.full_name if name_him else "",
                ),
            )
        )
    if sessions:
        first, last = sessions[0], sessions[-1]
        recorded = sum(1 for s in sessions if s.register_completed_at)
        keyed.append(
            (
                (first.date, _ORDER["sessions"], time.min),
                ScheduleRow(
                    on=first.date,
                    what=(
                        f"Group sessions {first.number} to {last.number}, the last on "
                        f"{last.date:%-d %B %Y}"
                    ),
                    state=f"{recorded} of {len(sessions)} registers recorded",
                ),
            )
        )
    return [row for _key, row in sorted(keyed, key=lambda pair: pair[0])]
