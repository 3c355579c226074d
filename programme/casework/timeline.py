"""An offender's timeline: what happened in his case, dated, across the four phases.

Built from the records themselves (assessments, status moves, registers, catch-ups,
enforcement, reports, handovers, re-assessments), not from the change history: one query per
kind of record, whatever the length of his history.

Each event is dated by when it happened (a session's outcome by the session's date and start
time, a decision by its date, a meeting by the day it was held), so that "newest first" holds
whenever it was typed in; where it was recorded on another day, `recorded` says when. Events
are named in words, with the choices' labels, never their stored codes. A tag marks only what
stands out (an absence, a failure to comply, an amendment, a decision, a closure); an ordinary
attended session carries none.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.urls import reverse
from django.utils import timezone

from programme.models import (
    Attendance,
    AttendanceAmendment,
    AttendanceOutcome,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
    EnforcementCorrection,
    HandoverMeeting,
    OneToOneSession,
    Reassessment,
    ReportStatus,
    RiskReview,
)
from referrals.models import (
    CLOSED_STATUSES,
    Offender,
    Outcome,
    ReferralStatus,
    ReferralStatusChange,
)

# The colour of the tag an event carries, where it needs one to stand out.
TAG_RED = "red"
TAG_ORANGE = "orange"
TAG_YELLOW = "yellow"
TAG_GREEN = "green"
TAG_BLUE = ""  # GOV.UK Frontend's default tag colour
TAG_PURPLE = "purple"


@dataclass
class TimelineEvent:
    at: date | datetime
    title: str
    detail: str = ""
    by: str = ""
    url: str = ""
    tag: str = ""
    tag_colour: str = ""
    # When it was written down, where that may differ from when it happened.
    recorded_at: datetime | None = None
    opens_the_day: bool = False

    @property
    def has_time(self) -> bool:
        return isinstance(self.at, datetime)

    @property
    def time(self) -> time | None:
        return timezone.localtime(self.at).time() if self.has_time else None

    @property
    def recorded_on(self) -> date | None:
        """The day it was recorded, where that is not the day it happened."""
        if self.recorded_at is None:
            return None
        day = timezone.localtime(self.recorded_at).date()
        return day if day != self.day else None

    @property
    def day(self) -> date:
        return timezone.localtime(self.at).date() if self.has_time else self.at

    @property
    def sort_key(self) -> tuple[date, time]:
        # An event known only by its day counts from the end of that day (a catch-up or an
        # enforcement decision follows the session it is about, which has a time), except
        # one that opens what follows it that day (an assessment comes before the referral).
        if self.has_time:
            return (self.day, timezone.localtime(self.at).time())
        return (self.day, time.min if self.opens_the_day else time.max)


# Attended and complied is what is expected: it carries no tag.
OUTCOME_COLOURS = {
    AttendanceOutcome.FAILED_TO_COMPLY: TAG_ORANGE,
    AttendanceOutcome.SENT_HOME: TAG_ORANGE,
    AttendanceOutcome.ACCEPTABLE_ABSENCE: TAG_YELLOW,
    AttendanceOutcome.UNACCEPTABLE_ABSENCE: TAG_RED,
}


def _name(staff) -> str:
    return str(staff) if staff else ""


def _assessment_events(offender: Offender) -> list[TimelineEvent]:
    events = []
    for assessment in offender.assessments.select_related("assessor"):
        colour = {
            Outcome.ELIGIBLE: TAG_GREEN,
            Outcome.REFER_NSOGP: TAG_BLUE,
            Outcome.NOT_ELIGIBLE: TAG_RED,
        }.get(assessment.outcome, TAG_YELLOW)
        events.append(
            TimelineEvent(
                at=assessment.assessed_on,
                title=f"{assessment.get_stage_display()} eligibility assessment",
                # An eligible outcome's reasons only restate the criteria he meets.
                detail=""
                if assessment.outcome == Outcome.ELIGIBLE
                else "; ".join(assessment.reasons),
                by=_name(assessment.assessor),
                url=assessment.get_absolute_url(),
                tag=assessment.outcome_label,
                tag_colour=colour,
                opens_the_day=True,
            )
        )
    return events


def _status_title(change: ReferralStatusChange) -> str:
    programme = change.referral.programme
    if not change.from_status and change.referral.previous_attempt_id:
        return f"Back on the {programme} waiting list to restart"
    if not change.from_status:
        return f"Referred to the {programme} waiting list"
    if change.to_status == ReferralStatus.PROGRAMME_COMPLETE:
        return f"Closed: {programme} programme complete"
    return (
        f"{programme} referral: status changed from {change.get_from_status_display()} to "
        f"{change.get_to_status_display()}"
    )


def _status_events(offender: Offender) -> list[TimelineEvent]:
    changes = ReferralStatusChange.objects.filter(referral__offender=offender).select_related(
        "by", "reason", "referral__programme"
    )
    events = []
    for change in changes:
        detail = [str(change.reason)] if change.reason else []
        if change.note:
            detail.append(change.note)
        title = _status_title(change)
        # A note that only repeats the event's name says nothing more.
        detail = [part for part in detail if part != title]
        events.append(
            TimelineEvent(
                at=change.at,
                title=title,
                detail=". ".join(detail),
                by=_name(change.by),
                url=change.referral.get_absolute_url(),
                tag="Closed" if change.to_status in CLOSED_STATUSES else "",
                tag_colour=TAG_GREEN
                if change.to_status == ReferralStatus.PROGRAMME_COMPLETE
                else TAG_RED,
            )
        )
    return events


def _session_start(session) -> datetime:
    """When the session began: its date at its group's start time, in local time."""
    return timezone.make_aware(datetime.combine(session.date, session.group.start_time))


def _attendance_events(offender: Offender) -> list[TimelineEvent]:
    attendances = Attendance.objects.filter(placement__referral__offender=offender).select_related(
        "session__group", "recorded_by"
    )
    events = []
    for attendance in attendances:
        number = attendance.session.number
        detail = []
        if attendance.outcome == AttendanceOutcome.ATTENDED:
            title, tag = f"Attended group session {number}", ""
        elif attendance.outcome == AttendanceOutcome.ACCEPTABLE_ABSENCE:
            title, tag = f"Missed group session {number}", attendance.get_outcome_display()
            detail.append(f"Reason: {attendance.get_absence_reason_display().lower()}")
        elif attendance.outcome == AttendanceOutcome.UNACCEPTABLE_ABSENCE:
            title, tag = f"Missed group session {number}", attendance.get_outcome_display()
        elif attendance.outcome == AttendanceOutcome.SENT_HOME:
            title, tag = f"Sent home from group session {number}", "Sent home"
        else:
            title, tag = f"Failed to comply at group session {number}", "Failed to comply"
        if attendance.minutes_late:
            detail.append(f"{attendance.minutes_late} minutes late")
        if attendance.change_reason:
            detail.append("Amended since it was first recorded")
        events.append(
            TimelineEvent(
                at=_session_start(attendance.session),
                title=title,
                detail=". ".join(detail),
                by=_name(attendance.recorded_by),
                tag=tag,
                tag_colour=OUTCOME_COLOURS.get(attendance.outcome, ""),
                recorded_at=attendance.recorded_at,
            )
        )
    return events


def _amendment_events(offender: Offender) -> list[TimelineEvent]:
    """Each amended outcome, when it was amended: was, now, who and why."""
    amendments = AttendanceAmendment.objects.filter(
        attendance__placement__referral__offender=offender
    ).select_related("attendance__session", "by")
    return [
        TimelineEvent(
            at=amendment.at,
            title=f"Group session {amendment.attendance.session.number} record amended",
            detail=amendment.describe(),
            by=_name(amendment.by),
            tag="Amended",
            tag_colour=TAG_YELLOW,
        )
        for amendment in amendments
    ]


def _catch_up_events(offender: Offender) -> list[TimelineEvent]:
    catch_ups = CatchUp.objects.filter(
        placement__referral__offender=offender, completed=True
    ).select_related("session", "facilitator")
    return [
        TimelineEvent(
            at=catch_up.held_on,
            title=f"Catch-up of session {catch_up.session.number} held",
            detail=catch_up.note,
            by=_name(catch_up.facilitator),
        )
        for catch_up in catch_ups
    ]


def _enforcement_events(offender: Offender) -> list[TimelineEvent]:
    enforcements = Enforcement.objects.filter(offender=offender).select_related(
        "attendance__session", "decided_by"
    )
    events = []
    for enforcement in enforcements:
        attendance = enforcement.attendance
        failure = (
            f"{attendance.get_outcome_display()} at session {attendance.session.number} "
            f"on {enforcement.failure_on:%-d %B %Y}"
        )
        if enforcement.is_pending:
            proposed = enforcement.get_proposed_action_display()
            events.append(
                TimelineEvent(
                    at=enforcement.failure_on,
                    title="Enforcement decision needed",
                    detail=(
                        f"{failure}. Proposed: {proposed.lower()}; "
                        f"due by {enforcement.due_by:%-d %B %Y}"
                    ),
                    url=enforcement.get_absolute_url(),
                    tag="Waiting",
                    tag_colour=TAG_ORANGE,
                )
            )
        else:
            detail = failure
            if enforcement.decision_reason:
                detail += f". {enforcement.decision_reason}"
            events.append(
                TimelineEvent(
                    at=enforcement.decided_on,
                    title=f"Enforcement decision: {enforcement.get_decision_display().lower()}",
                    detail=detail,
                    by=_name(enforcement.decided_by),
                    url=enforcement.get_absolute_url(),
                    tag="Decision",
                    tag_colour=TAG_PURPLE,
                )
            )
    return events


def _decision_correction_events(offender: Offender) -> list[TimelineEvent]:
    corrections = EnforcementCorrection.objects.filter(
        enforcement__offender=offender
    ).select_related("enforcement", "by", "old_decided_by")
    return [
        TimelineEvent(
            at=correction.at,
            title=f"Enforcement decision corrected to {correction.get_new_decision_display().lower()}",
            detail=correction.describe(),
            by=_name(correction.by),
            url=correction.enforcement.get_absolute_url(),
            tag="Corrected",
            tag_colour=TAG_YELLOW,
        )
        for correction in corrections
    ]


def _report_events(offender: Offender) -> list[TimelineEvent]:
    reports = EndOfProgrammeReport.objects.filter(
        referral__offender=offender, status=ReportStatus.SUBMITTED
    ).select_related("submitted_by")
    return [
        TimelineEvent(
            at=report.submitted_at,
            title=(
                "End-of-programme report submitted"
                if report.version == 1
                else f"End-of-programme report corrected: version {report.version} submitted"
            ),
            detail=report.correction_reason,
            by=_name(report.submitted_by),
            url=reverse("programme:report", args=[report.pk]),
        )
        for report in reports
    ]


def _handover_events(offender: Offender) -> list[TimelineEvent]:
    meetings = HandoverMeeting.objects.filter(referral__offender=offender).select_related(
        "recorded_by"
    )
    events = []
    for meeting in meetings:
        if meeting.all_attended:
            detail = "He, a facilitator and his offender manager attended"
        else:
            detail = "Not attended by " + " or ".join(meeting.missing_people)
        events.append(
            TimelineEvent(
                at=meeting.held_on,
                title="Three-way handover meeting",
                detail=f"{detail}. {meeting.place}",
                by=_name(meeting.recorded_by),
                tag="" if meeting.all_attended else "Incomplete",
                tag_colour="" if meeting.all_attended else TAG_ORANGE,
                recorded_at=meeting.created_at,
            )
        )
    return events


def _reassessment_events(offender: Offender) -> list[TimelineEvent]:
    reassessments = Reassessment.objects.filter(referral__offender=offender).select_related(
        "recorded_by"
    )
    return [
        TimelineEvent(
            at=reassessment.oasys_on,
            title="Risk re-assessed after the programme",
            detail=(
                f"Risk of serious harm: {reassessment.get_risk_of_serious_harm_display().lower()}; "
                f"RM2000: {reassessment.get_rm2000_category_display().lower()}"
            ),
            by=_name(reassessment.recorded_by),
            recorded_at=reassessment.created_at,
        )
        for reassessment in reassessments
    ]


def _risk_review_events(offender: Offender) -> list[TimelineEvent]:
    reviews = RiskReview.objects.filter(offender=offender).select_related("recorded_by")
    events = []
    for review in reviews:
        after = review.get_risk_of_serious_harm_display().lower()
        change = (
            f"{review.get_risk_before_display().lower()} to {after}"
            if review.risk_before
            else after
        )
        events.append(
            TimelineEvent(
                at=review.oasys_on,
                title="OASys risk review",
                detail=f"Risk of serious harm: {change}",
                by=_name(review.recorded_by),
                recorded_at=review.created_at,
            )
        )
    return events


def _one_to_one_events(offender: Offender) -> list[TimelineEvent]:
    """His one-to-ones once recorded (scheduled ones are on his schedule, not his history)."""
    one_to_ones = OneToOneSession.objects.filter(
        referral__offender=offender, recorded_at__isnull=False
    ).select_related("recorded_by")
    events = []
    for one_to_one in one_to_ones:
        detail = "He attended" if one_to_one.attended else "He did not attend"
        if one_to_one.outcome:
            detail += f": {one_to_one.get_outcome_display().lower()}"
        events.append(
            TimelineEvent(
                at=timezone.make_aware(datetime.combine(one_to_one.date, one_to_one.start_time)),
                title=one_to_one.get_kind_display(),
                detail=detail,
                by=_name(one_to_one.recorded_by),
                url=one_to_one.get_absolute_url(),
                tag="" if one_to_one.attended else "Did not attend",
                tag_colour="" if one_to_one.attended else TAG_ORANGE,
                recorded_at=one_to_one.recorded_at,
            )
        )
    return events


def timeline_for(offender: Offender) -> list[TimelineEvent]:
    """Every dated event in his case, newest first (one query per kind of record, whatever
    their number)."""
    # Events of the same day keep this order (Python's sort is stable, also in reverse): what
    # follows from a session (its catch-up, its enforcement decision) above the session.
    events = [
        *_risk_review_events(offender),
        *_reassessment_events(offender),
        *_handover_events(offender),
        *_report_events(offender),
        *_one_to_one_events(offender),
        *_catch_up_events(offender),
        *_enforcement_events(offender),
        *_attendance_events(offender),
        *_amendment_events(offender),
        *_decision_correction_events(offender),
        *_status_events(offender),
        *_assessment_events(offender),
    ]
    return sorted(events, key=lambda event: event.sort_key, reverse=True)
