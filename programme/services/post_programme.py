"""After the programme: the end-of-programme report and its versions, recommendations,
the handover, the re-assessment and closing the referral."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone

from isotp.models import Role, Staff
from programme.models import (
    SESSION_NAME,
    AbsenceReason,
    AttendanceOutcome,
    CatchUp,
    EndOfProgrammeReport,
    Enforcement,
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
    TargetProgress,
)
from programme.services.reminders import notice_notify
from referrals.access import staff_open_to_case
from referrals.models import (
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)

# --- After the programme ------------------------------------------------------------------

REPORT_LOCKED = "A submitted report is locked: make a correction, which creates a new version"
REPORT_NOT_DUE = "An end-of-programme report is written once he has completed the programme"


def attendance_summary(placement: Placement) -> dict:
    """His attendance, computed from the register, with each session he missed named from
    his group's version (kept with the report as it was written)."""
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    attendances = list(
        placement.attendances.select_related("session", f"session__{SESSION_NAME}").order_by(
            "session__number"
        )
    )
    for attendance in attendances:
        outcome, reason = attendance.outcome, attendance.absence_reason
        counts[outcome] = counts.get(outcome, 0) + 1
        if reason:
            label = AbsenceReason(reason).label
            reasons[label] = reasons.get(label, 0) + 1
    catch_ups = placement.catch_ups.filter(cancelled=False)
    caught_up = set(catch_ups.filter(completed=True).values_list("session_id", flat=True))
    return {
        "version": str(placement.group.version),
        "missed_sessions": [
            {
                "session": attendance.session.name,
                "outcome": attendance.get_outcome_display(),
                "caught_up": attendance.session_id in caught_up,
            }
            for attendance in attendances
            if attendance.missed
        ],
        "sessions": placement.sessions().count(),
        "attended": counts.get(AttendanceOutcome.ATTENDED, 0),
        "failed_to_comply": counts.get(AttendanceOutcome.FAILED_TO_COMPLY, 0),
        "sent_home": counts.get(AttendanceOutcome.SENT_HOME, 0),
        "acceptable_absences": counts.get(AttendanceOutcome.ACCEPTABLE_ABSENCE, 0),
        "acceptable_absence_reasons": reasons,
        "unacceptable_absences": counts.get(AttendanceOutcome.UNACCEPTABLE_ABSENCE, 0),
        "catch_ups_completed": len(caught_up),
        "catch_ups_needed": catch_ups.count(),
    }


def _placement_for(referral: Referral) -> Placement:
    placement = Placement.objects.filter(referral=referral).select_related("group__version").first()
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
    notice = Notice.objects.create(
        offender=report.referral.offender,
        kind=NoticeKind.REPORT,
        message=(
            f"The end-of-programme report (version {report.version}) has been submitted. "
            f"Arrange the three-way handover meeting with him and a facilitator by {due:%-d %B %Y}."
        ),
        created_by=by,
    )
    notice_notify(notice, link=reverse("programme:report", args=[report.pk]))
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
    return referral.programme.handover_due_after(first.submitted_at)


def with_post_programme_dates(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Each referral annotated with the dates the lists of work after the programme show, in
    the same query: `completed_at`, when he completed (his latest move to post-programme);
    `last_session_on`, his last group session or catch-up held, whichever was later; and
    `first_report_at`, when the first version of his report was submitted (None before), and
    `handover_due`, the day the handover is due after it (None before)."""
    last_group_session = Coalesce(
        F("placement__last_session__date"),
        Subquery(
            GroupSession.objects.filter(group_id=OuterRef("placement__group_id"))
            .order_by("-number")
            .values("date")[:1]
        ),
    )
    last_catch_up = Subquery(
        CatchUp.objects.filter(placement__referral_id=OuterRef("pk"), completed=True)
        .exclude(held_on__isnull=True)
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    annotated = referrals.annotate(
        completed_at=Subquery(
            ReferralStatusChange.objects.filter(
                referral_id=OuterRef("pk"), to_status=ReferralStatus.POST_PROGRAMME
            )
            .order_by("-at", "-pk")
            .values("at")[:1]
        ),
        # PostgreSQL's GREATEST leaves out NULLs: a man with no catch-up has his last session.
        last_session_on=Greatest(last_group_session, last_catch_up),
        first_report_at=Subquery(
            EndOfProgrammeReport.objects.filter(
                referral_id=OuterRef("pk"), status=ReportStatus.SUBMITTED
            )
            .order_by("submitted_at")
            .values("submitted_at")[:1]
        ),
    )
    # `handover_due`: `Programme.handover_due_after` in SQL (the local day, plus the programme's days).
    return annotated.annotate(
        handover_due=ExpressionWrapper(
            TruncDate("first_report_at") + F("programme__handover_due_days"),
            output_field=DateField(),
        )
    )


def handover_held(referral: Referral) -> bool:
    return any(m.all_attended for m in referral.handover_meetings.all())


# Who works a man's recommendations: the staff of his case's kinds of work, not admins,
# auditors or senior managers.
RECOMMENDATION_OWNER_ROLES = (Role.OFFENDER_MANAGER, Role.PROGRAMME_MANAGER, Role.FACILITATOR)
OWNER_NOT_ALLOWED = (
    "Choose an owner from the list: an offender manager, programme manager or facilitator of "
    "his office who may see his case"
)


def recommendation_owners(offender) -> QuerySet:
    """Who may own one of his recommendations: active offender managers, programme managers
    and facilitators of his office to whom his case is open."""
    return Staff.objects.filter(
        staff_open_to_case(offender),
        office_id=offender.office_id,
        is_active=True,
        role__in=RECOMMENDATION_OWNER_ROLES,
    ).order_by("last_name", "first_name", "pk")


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
    offender = recommendation.referral.offender
    if owner is not None and not recommendation_owners(offender).filter(pk=owner.pk).exists():
        raise ProgrammeError(OWNER_NOT_ALLOWED)
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
    return PostProgramme.load(referral).closing_missing()


# --- The post-programme task list -----------------------------------------------------------


class TaskStatus:
    """The GOV.UK task list's statuses."""

    COMPLETED = "Completed"
    IN_PROGRESS = "In progress"
    NOT_YET_STARTED = "Not yet started"
    CANNOT_START_YET = "Cannot start yet"


# How each status is shown: a tag's colour, or plain (grey for "Cannot start yet").
_STATUS_CLASSES = {
    TaskStatus.COMPLETED: "",
    TaskStatus.IN_PROGRESS: "govuk-tag govuk-tag--light-blue",
    TaskStatus.NOT_YET_STARTED: "govuk-tag govuk-tag--blue",
    TaskStatus.CANNOT_START_YET: "",
}


@dataclass(frozen=True)
class Task:
    """One row of the post-programme task list: where it is done (`href`, only when the viewer
    may do it and it can start), its status and a hint saying what it waits for."""

    key: str
    title: str
    status: str
    hint: str = ""
    href: str = ""
    status_text: str = ""  # a status worded for this task ("Not pursued"), else `status`
    can_act: bool = False  # a step done by a button on the page (closing): the viewer may now

    @property
    def tag_class(self) -> str:
        return _STATUS_CLASSES[self.status]

    @property
    def cannot_start_yet(self) -> bool:
        return self.status == TaskStatus.CANNOT_START_YET

    @property
    def label(self) -> str:
        return self.status_text or self.status


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass
class PostProgramme:
    """Everything after the programme for one referral, loaded in a fixed number of queries,
    and the one place that decides each step's status and whether it can be closed."""

    referral: Referral
    reports: list  # newest version first
    meetings: list  # latest first
    reassessments: list  # latest first
    recommendations: list  # by number
    # His enforcement decisions still to be taken, of every attempt (an earlier attempt's too).
    open_decisions: list = field(default_factory=list)

    @classmethod
    def load(cls, referral: Referral) -> "PostProgramme":
        return cls(
            referral=referral,
            reports=list(referral.end_reports.select_related("submitted_by").order_by("-version")),
            meetings=list(referral.handover_meetings.all()),
            reassessments=list(referral.reassessments.select_related("recorded_by")),
            recommendations=list(referral.recommendations.select_related("owner")),
            open_decisions=list(
                Enforcement.objects.pending()
                .filter(offender_id=referral.offender_id)
                .order_by("failure_on", "pk")
            ),
        )

    # -- facts --

    @property
    def has_completed_programme(self) -> bool:
        return self.referral.status in (
            ReferralStatus.POST_PROGRAMME,
            ReferralStatus.PROGRAMME_COMPLETE,
        )

    @property
    def is_closed(self) -> bool:
        return self.referral.status == ReferralStatus.PROGRAMME_COMPLETE

    @property
    def draft(self):
        return next((r for r in self.reports if r.status == ReportStatus.DRAFT), None)

    @property
    def submitted(self):
        return next((r for r in self.reports if r.status == ReportStatus.SUBMITTED), None)

    @property
    def handover_held(self) -> bool:
        return any(m.all_attended for m in self.meetings)

    @property
    def handover_due(self) -> date | None:
        first = min(
            (r.submitted_at for r in self.reports if r.status == ReportStatus.SUBMITTED),
            default=None,
        )
        if first is None:
            return None
        return self.referral.programme.handover_due_after(first)

    @property
    def handover_overdue(self) -> bool:
        due = self.handover_due
        return bool(due and not self.handover_held and due < timezone.localdate())

    @property
    def reassessment(self):
        return self.reassessments[0] if self.reassessments else None

    @property
    def outstanding(self) -> list:
        return [r for r in self.recommendations if not r.is_closed]

    def closing_missing(self) -> list[str]:
        """What must be done before the referral can be closed, as sentences."""
        missing = []
        if self.referral.status != ReferralStatus.POST_PROGRAMME:
            missing.append("He has not completed the programme's sessions and catch-ups")
        if self.submitted is None:
            missing.append("The end-of-programme report has not been submitted")
        if self.draft is not None and self.submitted is not None:
            missing.append("A correction of the end-of-programme report is still a draft")
        if not self.handover_held:
            missing.append(
                "The three-way handover meeting has not been held with him, a facilitator and "
                "his offender manager"
            )
        if not self.reassessments:
            missing.append("His risk has not been re-assessed after the programme")
        for recommendation in self.outstanding:
            missing.append(
                f"Recommendation {recommendation.number} is "
                f"{recommendation.get_status_display().lower()}"
            )
        for decision in self.open_decisions:
            missing.append(
                f"The enforcement decision on his failure of {decision.failure_on:%-d %B %Y} "
                "has not been taken"
            )
        return missing

    def closing_needs(self) -> str:
        """What closing waits for, in one sentence ("" when it can be done)."""
        needs = []
        if not self.has_completed_programme:
            needs.append("him to complete the programme's sessions and catch-ups")
        if self.submitted is None:
            needs.append("the end-of-programme report submitted")
        elif self.draft is not None:
            needs.append("the correction of the end-of-programme report submitted")
        if not self.handover_held:
            needs.append("the three-way handover meeting held")
        if not self.reassessments:
            needs.append("his risk re-assessed")
        outstanding = [str(r.number) for r in self.outstanding]
        if outstanding:
            which = "recommendation" if len(outstanding) == 1 else "recommendations"
            needs.append(f"{which} {_and(outstanding)} done or not pursued")
        if self.open_decisions:
            days = [f"{d.failure_on:%-d %B %Y}" for d in self.open_decisions]
            which = "decision" if len(days) == 1 else "decisions"
            needs.append(f"the enforcement {which} on his failure of {_and(days)} taken")
        return "Needs " + _and(needs) if needs else ""

    # -- the task list --

    def tasks(self, *, writes_report: bool, runs_post_programme: bool) -> list[Task]:
        """The steps in order, with each one's status and link for this viewer: the report
        (the group's facilitators), the handover, the re-assessment, each recommendation and
        closing (his offender manager)."""
        return [
            self._report_task(writes_report),
            self._handover_task(runs_post_programme),
            self._reassessment_task(runs_post_programme),
            *self._recommendation_tasks(runs_post_programme),
            self._closing_task(runs_post_programme),
        ]

    def _report_task(self, may: bool) -> Task:
        title = "Write the end-of-programme report"
        edit = reverse("programme:report_edit", args=[self.referral.pk])
        if self.draft is not None:
            return Task(
                "report",
                title,
                TaskStatus.IN_PROGRESS,
                hint=f"Version {self.draft.version} is a draft, written by the facilitators",
                href=edit if may else "",
            )
        if self.submitted is not None:
            when = timezone.localtime(self.submitted.submitted_at)
            return Task(
                "report",
                title,
                TaskStatus.COMPLETED,
                hint=f"Version {self.submitted.version} submitted on {when:%-d %B %Y}",
                href=self.submitted.get_absolute_url(),
            )
        if self.referral.status != ReferralStatus.POST_PROGRAMME:
            return Task(
                "report",
                title,
                TaskStatus.CANNOT_START_YET,
                hint="Needs him to complete the programme's sessions and catch-ups",
            )
        return Task(
            "report",
            title,
            TaskStatus.NOT_YET_STARTED,
            hint="Written by the facilitators of his group",
            href=edit if may else "",
        )

    def _handover_task(self, may: bool) -> Task:
        title = "Hold the three-way handover meeting"
        if self.handover_held:
            held = next(m for m in self.meetings if m.all_attended)
            return Task(
                "handover",
                title,
                TaskStatus.COMPLETED,
                hint=f"Held on {held.held_on:%-d %B %Y} with him, a facilitator and his "
                "offender manager",
            )
        if self.submitted is None:
            return Task(
                "handover",
                title,
                TaskStatus.CANNOT_START_YET,
                hint="Needs the end-of-programme report submitted",
            )
        due = self.handover_due
        due_text = f"Due by {due:%-d %B %Y}" + (" (overdue)" if self.handover_overdue else "")
        href = (
            reverse("programme:handover_create", args=[self.referral.pk])
            if may and not self.is_closed
            else ""
        )
        if self.meetings:
            missed = _and(self.meetings[0].missing_people)
            return Task(
                "handover",
                title,
                TaskStatus.IN_PROGRESS,
                hint=f"The meeting on {self.meetings[0].held_on:%-d %B %Y} was missed by "
                f"{missed}: another must be held. {due_text}",
                href=href,
            )
        return Task("handover", title, TaskStatus.NOT_YET_STARTED, hint=due_text, href=href)

    def _reassessment_task(self, may: bool) -> Task:
        title = "Re-assess his risk"
        if not self.has_completed_programme:
            return Task(
                "reassessment",
                title,
                TaskStatus.CANNOT_START_YET,
                hint="Needs him to complete the programme's sessions and catch-ups",
            )
        href = (
            reverse("programme:reassessment_create", args=[self.referral.pk])
            if may and self.referral.status == ReferralStatus.POST_PROGRAMME
            else ""
        )
        if self.reassessment is not None:
            return Task(
                "reassessment",
                title,
                TaskStatus.COMPLETED,
                hint=f"OASys and RM2000 re-assessed on {self.reassessment.oasys_on:%-d %B %Y}",
                href=href,
            )
        return Task(
            "reassessment",
            title,
            TaskStatus.NOT_YET_STARTED,
            hint="OASys and RM2000, done again after the programme",
            href=href,
        )

    def _recommendation_tasks(self, may: bool) -> list[Task]:
        if not self.recommendations:
            return [
                Task(
                    "recommendations",
                    "Act on the report's recommendations",
                    TaskStatus.CANNOT_START_YET,
                    hint="Needs the end-of-programme report submitted",
                )
            ]
        statuses = {
            RecommendationStatus.NOT_STARTED: TaskStatus.NOT_YET_STARTED,
            RecommendationStatus.IN_PROGRESS: TaskStatus.IN_PROGRESS,
            RecommendationStatus.DONE: TaskStatus.COMPLETED,
            RecommendationStatus.NOT_PURSUED: TaskStatus.COMPLETED,
        }
        tasks = []
        for r in self.recommendations:
            hint = [r.text]
            if r.owner:
                hint.append(f"Owner: {r.owner}")
            if r.due_on and not r.is_closed:
                hint.append(f"Due by {r.due_on:%-d %B %Y}")
            if r.not_pursued_reason:
                hint.append(f"Not pursued: {r.not_pursued_reason}")
            tasks.append(
                Task(
                    f"recommendation-{r.number}",
                    f"Recommendation {r.number}",
                    statuses[r.status],
                    hint=". ".join(hint),
                    href=r.get_absolute_url() if may else "",
                    status_text="Not pursued"
                    if r.status == RecommendationStatus.NOT_PURSUED
                    else "",
                )
            )
        return tasks

    def _closing_task(self, may: bool) -> Task:
        title = "Close as programme complete"
        if self.is_closed:
            return Task("close", title, TaskStatus.COMPLETED, hint="The referral is closed")
        needs = self.closing_needs()
        if needs:
            return Task("close", title, TaskStatus.CANNOT_START_YET, hint=needs)
        return Task(
            "close",
            title,
            TaskStatus.NOT_YET_STARTED,
            can_act=may,
            hint="Everything is done"
            if may
            else "Everything is done: his offender manager closes the referral",
        )


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
