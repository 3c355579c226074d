"""Work in the referrals app that spans several records: each is one atomic function."""

from datetime import date

from django.db import IntegrityError, transaction

from isotp.models import Staff
from referrals.eligibility import EligibilityFacts, decide_eligibility
from referrals.models import (
    WAITING_STATUSES,
    Assessment,
    AssessmentStage,
    Offender,
    Outcome,
    PreProgrammeChecklist,
    Programme,
    Referral,
    ReferralError,
    ReferralStatus,
    ReferralStatusChange,
)

NOT_ACCREDITED_MESSAGE = (
    "You cannot record an assessment: only offender managers and report authors who have "
    "completed the three-day accredited training may assess for a Sex Offender Treatment "
    "Programme. Ask an administrator to record your training date if you have completed it."
)
ASSESSMENT_LOCKED_MESSAGE = (
    "This assessment is complete: its outcome is kept as it was decided. Record a new "
    "assessment if something has changed."
)
ASSESSMENT_REPLACED_MESSAGE = (
    "A later assessment has replaced this one: complete or record the current assessment instead"
)
INCOMPLETE_CANNOT_REFER_MESSAGE = (
    "This assessment is incomplete (missing {missing}), so it has no outcome and cannot be "
    "used to refer: record the missing parts on the assessment first"
)
NOT_ELIGIBLE_CANNOT_REFER_MESSAGE = (
    "This assessment's outcome is “not eligible”, so he cannot be referred to the waiting list"
)
PROGRAMME_CODES = {Outcome.ELIGIBLE: "isotp", Outcome.REFER_NSOGP: "nsogp"}


def facts_for(*, offender: Offender, assessment: Assessment) -> EligibilityFacts:
    return EligibilityFacts(
        gender=offender.gender,
        date_of_birth=offender.date_of_birth,
        assessed_on=assessment.assessed_on,
        post_sentence=assessment.stage == AssessmentStage.POST_SENTENCE,
        internet_sexual_offence=assessment.internet_offence_confirmed,
        oasys_completed_on=assessment.oasys_completed_on,
        risk_of_serious_harm=assessment.risk_of_serious_harm or None,
        rm2000_completed_on=assessment.rm2000_completed_on,
        rm2000_category=assessment.rm2000_category or None,
        deviance=assessment.deviance or None,
        order_start=offender.order_start,
        order_end=offender.order_end,
    )


@transaction.atomic
def assessment_record(*, offender: Offender, assessment: Assessment, by: Staff) -> Assessment:
    """Decide the outcome from the facts as they are now, and store it with its reasons.

    Without a completed OASys and RM2000 the assessment is saved as incomplete: no outcome,
    no reasons. An incomplete assessment (the current one) may be saved again with the
    missing parts, and then gets its outcome here; a complete one is never changed.
    """
    if not by.is_accredited_assessor:
        raise ReferralError(NOT_ACCREDITED_MESSAGE)
    if assessment.pk is not None:
        Offender.objects.select_for_update().get(pk=offender.pk)
        stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if stored.is_complete:
            raise ReferralError(ASSESSMENT_LOCKED_MESSAGE)
        if current_assessment(offender) != stored:
            raise ReferralError(ASSESSMENT_REPLACED_MESSAGE)
    programmes = {p.code: p for p in Programme.objects.filter(code__in=["isotp", "nsogp"])}
    result = decide_eligibility(
        facts_for(offender=offender, assessment=assessment),
        isotp=programmes["isotp"].rules(),
        nsogp=programmes["nsogp"].rules(),
    )
    assessment.offender = offender
    assessment.assessor = by
    assessment.outcome = result.outcome
    assessment.reasons = result.reasons
    code = PROGRAMME_CODES.get(result.outcome)
    assessment.outcome_programme = programmes[code] if code else None
    assessment.save()
    return assessment


def current_assessment(offender: Offender) -> Assessment | None:
    return offender.assessments.newest_first().first()


@transaction.atomic
def referral_create(*, assessment: Assessment, by: Staff, referred_on: date) -> Referral:
    """Refer to the waiting list from the offender's current assessment, if its outcome allows."""
    offender = Offender.objects.select_for_update().get(pk=assessment.offender_id)
    if current_assessment(offender) != assessment:
        raise ReferralError(
            "Only the most recent assessment can be used to refer: this one has been replaced"
        )
    if not assessment.is_complete:
        raise ReferralError(
            INCOMPLETE_CANNOT_REFER_MESSAGE.format(missing=" and ".join(assessment.missing_parts()))
        )
    if not assessment.allows_referral:
        raise ReferralError(NOT_ELIGIBLE_CANNOT_REFER_MESSAGE)
    if offender.referrals.open().exists():
        raise ReferralError("He already has an open referral: there can only be one at a time")
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                offender=offender,
                programme=assessment.outcome_programme,
                assessment=assessment,
                referred_on=referred_on,
                waiting_since=referred_on,
                referred_by=by,
            )
    except IntegrityError:
        raise ReferralError(
            "He already has an open referral: there can only be one at a time"
        ) from None
    PreProgrammeChecklist.objects.create(referral=referral)
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status="",
        to_status=referral.status,
        by=by,
        note=f"Referred to the {referral.programme} waiting list",
    )
    return referral


# --- The pre-programme checklist and readiness ------------------------------------------

CHECKLIST_LOCKED_MESSAGE = (
    "The pre-programme checklist can no longer be changed: the referral is “{status}”. "
    "It is kept as it was when he left the waiting list."
)
READY_NOTE = "The pre-programme checklist is complete"
NOT_READY_NOTE = "The pre-programme checklist is no longer complete. Missing: {missing}"


def referral_follow_checklist(*, referral: Referral, by: Staff) -> ReferralStatusChange | None:
    """Make the referral's readiness follow its checklist, as an automatic, recorded move.

    Only between pre-programme work and ready for allocation: "suitable but not ready" is a
    deliberate decision of the offender manager and is left alone, and a man who has left the
    waiting list (scheduled, on programme, closed) does not move.
    """
    missing = PreProgrammeChecklist.objects.get(referral=referral).missing_items()
    if referral.status == ReferralStatus.AWAITING_ASSESSMENT and not missing:
        return referral.move_to(
            ReferralStatus.AWAITING_ALLOCATION, by=by, note=READY_NOTE, automatic=True
        )
    if referral.status == ReferralStatus.AWAITING_ALLOCATION and missing:
        return referral.move_to(
            ReferralStatus.AWAITING_ASSESSMENT,
            by=by,
            note=NOT_READY_NOTE.format(missing="; ".join(missing)),
            automatic=True,
        )
    return None


@transaction.atomic
def checklist_save(*, checklist: PreProgrammeChecklist, by: Staff) -> ReferralStatusChange | None:
    """Save the checklist; the referral moves to ready for allocation when this completes it,
    and back to pre-programme work when it undoes an item. Returns that move, if any.

    The checklist can be changed only while the referral is on the waiting list.
    """
    locked = Referral.objects.select_for_update().get(pk=checklist.referral_id)
    if locked.status not in WAITING_STATUSES:
        raise ReferralError(
            CHECKLIST_LOCKED_MESSAGE.format(status=locked.get_status_display().lower())
        )
    checklist.save()
    # Move the caller's referral object, so that it shows the status it now has.
    referral = checklist.referral
    referral.status = locked.status
    return referral_follow_checklist(referral=referral, by=by)
