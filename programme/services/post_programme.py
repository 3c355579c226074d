"""After the programme: the end-of-programme report and its versions, recommendations,
the handover, the re-assessment and closing the referral."""

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from isotp.models import Staff
from programme.models import (
    AbsenceReason,
    AttendanceOutcome,
    EndOfProgrammeReport,
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
from referrals.models import (
    Referral,
    ReferralStatus,
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
        "sessions": placement.sessions().count(),
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
