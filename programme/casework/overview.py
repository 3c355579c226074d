"""Where a man is in each of the four phases (assessment, pre-programme, the programme, after
it), with the next thing to do: what the offender's overview shows, read from both apps."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from isotp.models import Staff
from programme.models import ATTENDED_OUTCOMES, Enforcement, Placement, ReportStatus
from programme.reporting.forecast import expected_start_text, forecast_for_referral
from programme.services.post_programme import (
    handover_due_on,
    handover_held,
    latest_submitted_report,
)
from programme.services.register import projected_finish
from referrals.models import (
    Assessment,
    Offender,
    Outcome,
    Referral,
    ReferralStatus,
)

# Tag colours (GOV.UK Frontend: the default tag is blue).
GREY, BLUE, GREEN, RED = "grey", "", "green", "red"

NOT_STARTED = "Not started"
CANNOT_START_YET = "Cannot start yet"
DONE = "Completed"
IN_PROGRESS = "In progress"

POST_PROGRAMME_STATUSES = {ReferralStatus.POST_PROGRAMME, ReferralStatus.PROGRAMME_COMPLETE}


@dataclass
class Phase:
    """One of the four phases, as the overview shows it."""

    name: str
    status: str
    colour: str = GREY
    facts: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    action_url: str = ""
    warning: str = ""
    completed: bool = False

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "-")

    # The GOV.UK task list's statuses: "Completed" and "Cannot start yet" as plain text, the
    # others as tags; an exception (not eligible, withdrawn, in breach) as a red tag naming it.
    @property
    def task_status(self) -> str:
        if self.completed:
            return DONE
        if self.status in (NOT_STARTED, CANNOT_START_YET):
            return "Not yet started" if self.status == NOT_STARTED else CANNOT_START_YET
        if self.colour == RED:
            return self.status
        return IN_PROGRESS

    @property
    def task_tag(self) -> str:
        """The tag colour of the task's status, or "" for a status shown as plain text."""
        status = self.task_status
        if status in (DONE, CANNOT_START_YET):
            return ""
        if status == IN_PROGRESS:
            return "light-blue"
        return "blue" if status == "Not yet started" else "red"

    @property
    def hint(self) -> str:
        """Where he is within the phase, where the status does not already say it."""
        if self.status in (NOT_STARTED, CANNOT_START_YET, DONE, IN_PROGRESS, self.task_status):
            return ""
        return self.status


# An assessment is offered only to those who may record one (the server refuses the others).
NEEDS_ACCREDITED_ASSESSOR = "{action}: an accredited assessor must do it"


def _assessment_phase(
    offender: Offender, current: Assessment | None, referrals: list[Referral], user
) -> Phase:
    phase = Phase("Assessment", NOT_STARTED)

    def assess(action: str, url: str) -> None:
        if user.is_accredited_assessor:
            phase.action, phase.action_url = action, url
        else:
            phase.action = NEEDS_ACCREDITED_ASSESSOR.format(action=action)

    if current is None:
        assess(
            "Record an eligibility assessment",
            reverse("referrals:assessment_create", args=[offender.pk]),
        )
        return phase
    phase.status = current.outcome_label
    phase.colour = {Outcome.ELIGIBLE: GREEN, Outcome.REFER_NSOGP: BLUE}.get(current.outcome, RED)
    phase.facts.append(
        (
            "Current assessment",
            f"{current.get_stage_display()}, {current.assessed_on:%-d %B %Y}, by {current.assessor}",
        )
    )
    phase.completed = current.is_complete and current.outcome != Outcome.NOT_ELIGIBLE
    if not current.is_complete:
        phase.colour = GREY
        assess(
            f"Complete the assessment: record {' and '.join(current.missing_parts())}",
            reverse("referrals:assessment_edit", args=[current.pk]),
        )
    elif not current.allows_referral:
        assess(
            "Record a new eligibility assessment",
            reverse("referrals:assessment_create", args=[offender.pk]),
        )
    elif not any(r.is_open or r.assessment_id == current.pk for r in referrals):
        phase.action = f"Refer to the {current.outcome_programme} waiting list"
        phase.action_url = current.get_absolute_url()
    return phase


def _pre_programme_phase(
    referral: Referral | None, placed: bool, can_refer: bool, user: Staff, today: date
) -> Phase:
    phase = Phase("Pre-programme", NOT_STARTED if can_refer else CANNOT_START_YET)
    if referral is None:
        phase.facts.append(("Referral", "Not referred to the waiting list"))
        return phase
    referred = f"{referral.programme}, referred on {referral.referred_on:%-d %B %Y}"
    if referral.waiting_since != referral.referred_on:
        referred += f" (waiting since {referral.waiting_since:%-d %B %Y})"
    phase.facts.append(("Referral", referred))
    missing = referral.checklist.missing_items()
    phase.facts.append(
        (
            "Pre-programme checklist",
            f"{len(missing)} item{pluralize(len(missing))} missing" if missing else "Complete",
        )
    )
    if placed:
        phase.status, phase.colour, phase.completed = DONE, GREEN, True
        return phase
    phase.status = referral.get_status_display()
    if not referral.is_open:
        phase.colour = RED
        return phase
    phase.colour = BLUE
    forecast = forecast_for_referral(referral, user=user, today=today)
    if forecast is not None:
        phase.facts.append(("Expected to start", expected_start_text(forecast)))
        phase.warning = forecast.warning
    if missing:
        phase.action = "Complete the pre-programme checklist"
        phase.action_url = reverse("referrals:referral_checklist", args=[referral.pk])
    elif referral.status == ReferralStatus.AWAITING_ALLOCATION and user.is_programme_manager:
        phase.action = "Allocate him to a group from the waiting list"
        phase.action_url = reverse("programme:waiting_list")
    elif referral.status == ReferralStatus.AWAITING_ALLOCATION:
        phase.action = "A programme manager allocates him a place in a group from the waiting list"
    elif referral.status == ReferralStatus.SUITABLE_NOT_READY:
        phase.action = "Suitable but not ready: change the status when he is ready"
        phase.action_url = reverse("programme:referral_move", args=[referral.pk])
    else:
        # A checklist completed before readiness followed it: saving it moves him.
        phase.action = "Save the pre-programme checklist to make him ready for allocation"
        phase.action_url = reverse("referrals:referral_checklist", args=[referral.pk])
    return phase


def _programme_phase(
    placement: Placement | None,
    referral: Referral | None,
    pending: list[Enforcement],
    user: Staff,
    today: date,
) -> Phase:
    waiting = referral is not None and referral.status == ReferralStatus.AWAITING_ALLOCATION
    phase = Phase("Programme", NOT_STARTED if waiting else CANNOT_START_YET)
    if placement is None:
        phase.facts.append(("Place in a group", "Not allocated"))
        return phase
    group = placement.group
    attempt = placement.referral
    phase.facts.append(
        (
            "Group",
            f"{group.programme} {group.get_age_band_display()}, {group.venue}, "
            f"from {group.start_date:%-d %B %Y}",
        )
    )
    counts = placement.attendances.aggregate(
        recorded=Count("pk"), attended=Count("pk", filter=Q(outcome__in=ATTENDED_OUTCOMES))
    )
    projection = projected_finish(placement=placement, today=today)
    sessions = counts["recorded"] + projection.sessions_left
    phase.facts.append(("Sessions attended", f"{counts['attended']} of {sessions}"))
    # The catch-up limit counts the sessions his record shows as missed.
    used = counts["recorded"] - counts["attended"]
    catch_ups = f"{used} of {group.programme.catch_up_limit} used"
    if projection.catch_ups_outstanding:
        catch_ups += f" ({projection.catch_ups_outstanding} still to do)"
    phase.facts.append(("Catch-ups", catch_ups))
    phase.facts.append(("Enforcement decisions waiting", str(len(pending)) if pending else "None"))

    phase.status = attempt.get_status_display()
    if attempt.status in POST_PROGRAMME_STATUSES:
        phase.status, phase.colour, phase.completed = DONE, GREEN, True
    elif placement.ended_on:
        phase.colour = RED
        phase.facts.append(("Ended", f"{placement.ended_on:%-d %B %Y}: {placement.end_reason}"))
    elif not attempt.is_open or attempt.status == ReferralStatus.BREACH:
        phase.colour = RED
    else:
        phase.colour = BLUE
        finish = f"{projection.finish:%-d %B %Y}" if projection.finish else "Not known"
        phase.facts.append(("Projected finish", finish))
        phase.warning = projection.warning

    if pending:
        first = pending[0]
        offender_manager = attempt.offender.offender_manager
        due = f"due by {first.due_by:%-d %B %Y}"
        if offender_manager.pk == user.pk:
            # Only his offender manager may decide: the link is offered to no one else.
            phase.action = f"Record the enforcement decision ({due})"
            phase.action_url = first.get_absolute_url()
        else:
            phase.action = (
                f"His offender manager, {offender_manager}, records the enforcement decision "
                f"({due})"
            )
    return phase


def _post_programme_phase(referral: Referral | None, offender: Offender, user: Staff) -> Phase:
    if referral is None or referral.status not in POST_PROGRAMME_STATUSES:
        return Phase(
            "Post-programme",
            CANNOT_START_YET,
            facts=[("Starts", "When he has completed every session and catch-up")],
        )
    report = latest_submitted_report(referral)
    drafting = referral.end_reports.filter(status=ReportStatus.DRAFT).exists()
    if report:
        report_state = (
            f"Version {report.version} submitted on "
            f"{timezone.localtime(report.submitted_at):%-d %B %Y}"
        )
    elif drafting:
        report_state = "Being written"
    else:
        report_state = "Not started"
    due = handover_due_on(referral)
    held = handover_held(referral)
    if held:
        handover = "Held"
    else:
        handover = f"Not held (due by {due:%-d %B %Y})" if due else "Not held"
    reassessment = referral.reassessments.order_by("-oasys_on", "-pk").first()
    recommendations = list(referral.recommendations.all())
    outstanding = [r for r in recommendations if not r.is_closed]
    phase = Phase(
        "Post-programme",
        IN_PROGRESS,
        BLUE,
        facts=[
            ("End-of-programme report", report_state),
            ("Three-way handover", handover),
            (
                "Risk re-assessed",
                f"On {reassessment.oasys_on:%-d %B %Y}" if reassessment else "Not yet",
            ),
            (
                "Recommendations outstanding",
                f"{len(outstanding)} of {len(recommendations)}" if recommendations else "None",
            ),
        ],
    )
    if referral.status == ReferralStatus.PROGRAMME_COMPLETE:
        phase.status, phase.colour, phase.completed = "Closed: programme complete", GREEN, True
        return phase
    if drafting or not report:
        # The report is the group's facilitators' to write, never the reader's here.
        phase.action = "The group's facilitators write and submit the end-of-programme report"
        return phase
    # The rest is his offender manager's (docs/roles.md), in the order the closure needs it.
    if not held:
        step = ("Record the three-way handover meeting", "records the three-way handover meeting")
        url = reverse("programme:handover_create", args=[referral.pk])
    elif reassessment is None:
        step = ("Record the risk re-assessment", "records the risk re-assessment")
        url = reverse("programme:reassessment_create", args=[referral.pk])
    elif outstanding:
        number = outstanding[0].number
        step = (f"Update recommendation {number}", f"updates recommendation {number}")
        url = reverse("programme:recommendation", args=[outstanding[0].pk])
    else:
        step = (
            "Close the referral as programme complete",
            "closes the referral as programme complete",
        )
        url = reverse("programme:post_programme", args=[referral.pk])
    if offender.offender_manager_id == user.pk:
        phase.action, phase.action_url = step[0], url
    else:
        phase.action = f"His offender manager, {offender.offender_manager}, {step[1]}"
    return phase


def phases_for(
    *,
    offender: Offender,
    assessments: list[Assessment],
    referrals: list[Referral],
    user: Staff,
    today: date,
) -> list[Phase]:
    """The four phases: each one's state and the next thing to do, where there is one.

    `assessments` and `referrals` come newest first. The phases follow his open referral, or
    else his latest one, and his place in a group: the active one, or else the latest.
    """
    current_assessment = assessments[0] if assessments else None
    referral = next((r for r in referrals if r.is_open), referrals[0] if referrals else None)
    placements = list(
        Placement.objects.filter(referral__offender=offender)
        .select_related(
            "group",
            "group__programme",
            "first_session",
            "last_session",
            "referral",
            "referral__offender__offender_manager",
        )
        .order_by("-allocated_at", "-pk")
    )
    placement = next((p for p in placements if p.ended_on is None), None) or (
        placements[0] if placements else None
    )
    placed = referral is not None and any(p.referral_id == referral.pk for p in placements)
    pending = list(offender.enforcements.pending().order_by("due_by", "pk"))
    can_refer = current_assessment is not None and current_assessment.allows_referral
    return [
        _assessment_phase(offender, current_assessment, referrals, user),
        _pre_programme_phase(referral, placed, can_refer, user, today),
        _programme_phase(placement, referral, pending, user, today),
        _post_programme_phase(referral, offender, user),
    ]


def next_action(phases: list[Phase]) -> Phase | None:
    """The phase whose action comes next: the first one, in order, that has one."""
    return next((phase for phase in phases if phase.action), None)
