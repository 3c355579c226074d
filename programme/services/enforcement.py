"""Enforcement under National Standards, the notices the offender manager acknowledges,
and the risk reviews of supervision."""

from datetime import date

import pgtrigger
from django.db import transaction
from django.utils import timezone

from isotp.models import Staff
from programme.models import (
    HUMAN_DECISIONS,
    Attendance,
    Enforcement,
    EnforcementCorrection,
    EnforcementDecisionType,
    Notice,
    ProgrammeError,
    RiskReview,
    add_working_days,
    propose_enforcement,
)
from programme.services.reminders import absence_notify
from referrals.eligibility import add_months
from referrals.models import (
    ClosingReason,
    Offender,
    Programme,
    ReferralStatus,
)


def proposal_for(*, offender, failure_on: date, programme: Programme) -> tuple[str, str]:
    """The action the policy proposes for his failure on that day, counting the warnings he
    had been given before it, and why."""
    return propose_enforcement(
        order_type=offender.order_type,
        warnings_in_window=warnings_in_window(
            offender=offender, before=failure_on, programme=programme
        ),
        warnings_allowed=programme.warnings_before_breach,
        window_months=programme.warning_window_months,
    )


def enforcement_open(attendance: Attendance, *, holidays, programme) -> Enforcement:
    offender = attendance.placement.referral.offender
    failure_on = attendance.session.date
    action, why = proposal_for(offender=offender, failure_on=failure_on, programme=programme)
    enforcement = Enforcement.objects.create(
        attendance=attendance,
        offender=offender,
        failure_on=failure_on,
        due_by=add_working_days(failure_on, programme.enforcement_deadline_working_days, holidays),
        proposed_action=action,
        proposal_reason=why,
    )
    absence_notify(enforcement)
    return enforcement


def enforcement_reopen(*, enforcement: Enforcement) -> Enforcement:
    """A failure set aside as "not needed" by an amendment is a failure again (amended back):
    it waits for a decision, with the proposal the policy gives now. Its deadline still runs
    from the failure."""
    programme = enforcement.attendance.placement.referral.programme
    action, why = proposal_for(
        offender=enforcement.offender, failure_on=enforcement.failure_on, programme=programme
    )
    enforcement.proposed_action, enforcement.proposal_reason = action, why
    enforcement.decision = ""
    enforcement.decision_reason = ""
    enforcement.decided_by = None
    enforcement.decided_on = None
    enforcement.save()
    return enforcement


def warnings_in_window(*, offender, before: date, programme: Programme) -> int:
    """Formal warnings given to him in the window before the day of this failure.

    Sch. 8 para 6 asks whether he had been given a warning within the twelve months before he
    failed: a warning is a warning of what the next failure leads to, so one given after this
    failure (for an earlier one, say, decided late) does not count towards it, and neither does
    one given the same day (the day is all the record holds; the doubt goes his way).
    docs/decisions.md, "Which warnings count towards a breach".
    """
    since = add_months(before, -programme.warning_window_months)
    return Enforcement.objects.filter(
        offender=offender,
        decision=EnforcementDecisionType.WARNING_GIVEN,
        decided_on__gte=since,
        decided_on__lt=before,
    ).count()


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
        action, why = proposal_for(
            offender=pending.offender, failure_on=pending.failure_on, programme=programme
        )
        pending.proposed_action, pending.proposal_reason = action, why
        pending.save(update_fields=["proposed_action", "proposal_reason"])


DECISION_NOT_TAKEN = "No decision has been taken yet: record the decision instead"
DECISION_UNCHANGED = "That is the decision already recorded: choose a different one to correct it"
DECISION_CORRECTION_NEEDS_REASON = "Say why the decision is being corrected"
BREACH_STANDS = (
    "His referral stays “breach”: a corrected decision does not change it. Move it on (for "
    "example back to on programme, or closed) if the breach is not going ahead."
)


@transaction.atomic
def enforcement_correct(
    *, enforcement: Enforcement, decision: str, reason: str, by: Staff
) -> tuple[Enforcement, list[str]]:
    """Correct a decision a person took. The decision is locked against any other change; a
    correction keeps the old one (`EnforcementCorrection`, append-only) and says what it
    leaves for a person to do. Returns the enforcement and those messages."""
    enforcement = (
        Enforcement.objects.select_for_update()
        .select_related("attendance__placement__referral__programme")
        .get(pk=enforcement.pk)
    )
    if enforcement.decision not in HUMAN_DECISIONS:
        raise ProgrammeError(DECISION_NOT_TAKEN)
    if decision == enforcement.decision:
        raise ProgrammeError(DECISION_UNCHANGED)
    if decision not in HUMAN_DECISIONS:
        raise ProgrammeError("Choose one of the decisions offered")
    if not reason.strip():
        raise ProgrammeError(DECISION_CORRECTION_NEEDS_REASON)
    old_decision = enforcement.decision
    EnforcementCorrection.objects.create(
        enforcement=enforcement,
        old_decision=old_decision,
        old_reason=enforcement.decision_reason,
        old_decided_by=enforcement.decided_by,
        old_decided_on=enforcement.decided_on,
        new_decision=decision,
        reason=reason.strip(),
        by=by,
    )
    enforcement.decision = decision
    enforcement.decision_reason = reason.strip()
    enforcement.decided_by = by
    enforcement.decided_on = timezone.localdate()
    # The lock refuses every other change to a person's decision; this one keeps the old.
    with pgtrigger.ignore("programme.Enforcement:enforcement_human_decision_locked"):
        enforcement.save()
    # A warning given or taken back changes what the policy proposes for his other failures.
    _refresh_pending_proposals(enforcement)
    messages = []
    referral = enforcement.attendance.placement.referral
    if decision == EnforcementDecisionType.BREACH_INITIATED and referral.status in (
        ReferralStatus.ON_PROGRAMME,
        ReferralStatus.SCHEDULED,
    ):
        breach_reason = ClosingReason.objects.filter(status=ReferralStatus.BREACH).first()
        referral.move_to(ReferralStatus.BREACH, by=by, reason=breach_reason, note=reason)
    elif old_decision == EnforcementDecisionType.BREACH_INITIATED and (
        referral.status == ReferralStatus.BREACH
    ):
        messages.append(BREACH_STANDS)
    return enforcement, messages


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


def notices_acknowledge(
    *, notices: list[Notice], action_taken: str, by: Staff
) -> tuple[list[Notice], list[tuple[Notice, str]]]:
    """Several notices acknowledged with the same note, each through `notice_acknowledge`
    (its lock, its checks, its history) in its own transaction: one acknowledged by someone
    else meanwhile is returned with the reason and the others are acknowledged.
    Returns (acknowledged, [(refused, reason)])."""
    acknowledged: list[Notice] = []
    refused: list[tuple[Notice, str]] = []
    for notice in notices:
        try:
            acknowledged.append(notice_acknowledge(notice=notice, action_taken=action_taken, by=by))
        except ProgrammeError as error:
            refused.append((notice, str(error)))
    return acknowledged, refused


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
