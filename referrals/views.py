from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from isotp.consultation import consulted
from isotp.pdf import render_pdf, report_header
from isotp.security_events import security_event
from referrals.access import (
    can_manage_referral,
    ensure_can_add_offenders,
    get_assessment_for_user,
    get_offender_for_user,
    get_referral_for_user,
    get_referral_to_manage,
)
from referrals.eligibility import PROPOSAL_WORDING
from referrals.forms import (
    AssessmentForm,
    ChecklistForm,
    OffenceForm,
    OffenderForm,
)
from referrals.models import ReferralError
from referrals.services import (
    ASSESSMENT_LOCKED_MESSAGE,
    ASSESSMENT_REPLACED_MESSAGE,
    CHECKLIST_LOCKED_MESSAGE,
    NOT_ACCREDITED_MESSAGE,
    assessment_record,
    checklist_save,
    current_assessment,
)
from referrals.services import referral_create as referral_create_service


@require_http_methods(["GET", "POST"])
def offender_create(request):
    ensure_can_add_offenders(request.user)
    form = OffenderForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        offender = _save_offender(form)
        if offender is not None:
            messages.success(request, f"{offender.full_name} was added to the caseload")
            return redirect(offender)
    _note_a_held_crn(request, form)
    return render(request, "referrals/offender_form.html", {"form": form, "offender": None})


def _save_offender(form: OffenderForm):
    """Save; if another request took the CRN meanwhile, refuse it as the form does (never a
    server error: the database's unique constraint is the last word)."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        if not form.refuse_a_held_crn():
            raise
        return None


def _note_a_held_crn(request, form: OffenderForm) -> None:
    """A CRN already held: a man within reach is named on the page, so that is a consultation
    of him; a man out of reach is named nowhere, but the attempt is logged against him
    (`crn_refused`), so it shows among who looked for him."""
    if form.existing_offender is not None:
        consulted(form.existing_offender)
    if form.crn_held_elsewhere is not None:
        consulted(form.crn_held_elsewhere, action="crn_refused")
        security_event(
            "crn_refused",
            request=request,
            outcome="refused",
            offender_id=form.crn_held_elsewhere.pk,
        )


@require_http_methods(["GET", "POST"])
def offender_edit(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    form = OffenderForm(
        request.POST if request.method == "POST" else None, instance=offender, user=request.user
    )
    if request.method == "POST" and form.is_valid() and _save_offender(form) is not None:
        messages.success(request, "The offender's details were saved")
        return redirect(offender)
    _note_a_held_crn(request, form)
    return render(request, "referrals/offender_form.html", {"form": form, "offender": offender})


@require_http_methods(["GET", "POST"])
def offence_create(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    form = OffenceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        offence = form.save(commit=False)
        offence.offender = offender
        offence.save()
        messages.success(request, "The offence was added")
        return redirect(offender)
    return render(request, "referrals/offence_form.html", {"form": form, "offender": offender})


@require_http_methods(["GET", "POST"])
def offence_edit(request, pk: int, offence_pk: int):
    offender = get_offender_for_user(request.user, pk)
    offence = get_object_or_404(offender.offences, pk=offence_pk)
    form = OffenceForm(request.POST if request.method == "POST" else None, instance=offence)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The offence was saved")
        return redirect(offender)
    return render(
        request,
        "referrals/offence_form.html",
        {"form": form, "offender": offender, "offence": offence},
    )


# --- Assessment --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def assessment_create(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    if not request.user.is_accredited_assessor:
        return _not_accredited(request, offender)
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        initial={
            "internet_offence_confirmed": offender.has_internet_sexual_offence,
            "assessed_on": timezone.localdate(),
        },
    )
    return _assessment_form(request, form, offender)


def _not_accredited(request, offender):
    # Refused in the form and on the server alike, with the reason.
    return render(
        request,
        "referrals/assessment_refused.html",
        {"offender": offender, "message": NOT_ACCREDITED_MESSAGE},
        status=403,
    )


def _assessment_form(request, form, offender, assessment=None):
    """The assessment form, new or completing one: a valid POST records it and redirects."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = assessment_record(
                offender=offender, assessment=form.save(commit=False), by=request.user
            )
        except ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _assessment_saved_message(saved))
            return redirect(saved)
    return render(
        request,
        "referrals/assessment_form.html",
        {"form": form, "offender": offender, "assessment": assessment},
    )


def _assessment_saved_message(assessment) -> str:
    if assessment.is_complete:
        return f"Assessment recorded: {assessment.get_outcome_display()}"
    return f"Assessment saved as incomplete: {' and '.join(assessment.missing_parts())} missing"


@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk: int):
    """Complete an incomplete assessment: record the missing OASys or RM2000."""
    assessment = get_assessment_for_user(request.user, pk)
    offender = assessment.offender
    if not request.user.is_accredited_assessor:
        return _not_accredited(request, offender)
    if assessment.is_complete or current_assessment(offender) != assessment:
        messages.error(
            request,
            ASSESSMENT_LOCKED_MESSAGE if assessment.is_complete else ASSESSMENT_REPLACED_MESSAGE,
        )
        return redirect(assessment)
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        instance=assessment,
        # The outcome is decided as of the day it is completed (supervision counts from then).
        initial={"assessed_on": timezone.localdate()},
    )
    return _assessment_form(request, form, offender, assessment)


@require_safe
def assessment_detail(request, pk: int):
    assessment = get_assessment_for_user(request.user, pk)
    offender = assessment.offender
    consulted(assessment)
    return render(
        request,
        "referrals/assessment_detail.html",
        {
            "assessment": assessment,
            "offender": offender,
            "proposal_wording": PROPOSAL_WORDING if assessment.offers_proposal_wording else "",
            "is_current": current_assessment(offender) == assessment,
            "can_complete": request.user.is_accredited_assessor,
            "open_referral": offender.referrals.open().first(),
        },
    )


# --- Referral ----------------------------------------------------------------------------


@require_http_methods(["POST"])
def referral_create(request, pk: int):
    assessment = get_assessment_for_user(request.user, pk)
    try:
        referral = referral_create_service(
            assessment=assessment, by=request.user, referred_on=timezone.localdate()
        )
    except ReferralError as error:
        messages.error(request, str(error))
        return redirect(assessment)
    messages.success(request, f"Referred to the {referral.programme} waiting list")
    return redirect(referral)


@require_safe
def referral_detail(request, pk: int):
    referral = get_referral_for_user(request.user, pk)
    consulted(referral)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "offender": referral.offender,
            "checklist": referral.checklist,
            "missing": referral.checklist.missing_items(),
            "changes": referral.status_changes.select_related("by", "reason"),
            "can_manage": can_manage_referral(request.user, referral),
            "moves": referral.allowed_moves(),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_checklist(request, pk: int):
    referral = get_referral_to_manage(request.user, pk)
    if not referral.checklist_editable:
        messages.error(
            request,
            CHECKLIST_LOCKED_MESSAGE.format(status=referral.get_status_display().lower()),
        )
        return redirect(referral)
    form = ChecklistForm(
        request.POST if request.method == "POST" else None, instance=referral.checklist
    )
    if request.method == "POST" and form.is_valid():
        try:
            move = checklist_save(checklist=form.save(commit=False), by=request.user)
        except ReferralError as error:
            messages.error(request, str(error))
            return redirect(referral)
        message = "The pre-programme checklist was saved"
        if move is not None:
            message += f": the referral is now “{move.get_to_status_display()}”"
        messages.success(request, message)
        return redirect(referral)
    return render(
        request,
        "referrals/checklist_form.html",
        {"form": form, "referral": referral, "offender": referral.offender},
    )


# --- PDF reports -------------------------------------------------------------------------


@require_safe
def assessment_pdf(request, pk: int):
    assessment = get_assessment_for_user(request.user, pk)
    offender = assessment.offender
    consulted(assessment, action="print")
    return render_pdf(
        "reports/assessment.html",
        {
            "assessment": assessment,
            "offender": offender,
            "offences": offender.offences.all(),
            "proposal_wording": PROPOSAL_WORDING if assessment.offers_proposal_wording else "",
            **report_header(offender),
        },
        filename=f"assessment-{offender.crn}-{assessment.assessed_on}.pdf",
    )


@require_safe
def referral_pack_pdf(request, pk: int):
    referral = get_referral_for_user(request.user, pk)
    offender = referral.offender
    consulted(referral, action="print")
    return render_pdf(
        "reports/referral_pack.html",
        {
            "referral": referral,
            "offender": offender,
            "age": offender.age_on(timezone.localdate()),
            "assessment": referral.assessment,
            "offences": offender.offences.all(),
            "checklist": referral.checklist,
            "missing": referral.checklist.missing_items(),
            **report_header(offender),
        },
        filename=f"referral-pack-{offender.crn}.pdf",
    )
