"""The offender manager's records during the programme: enforcement decisions and their
corrections, risk reviews, appointments, and a referral's status changed by hand."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from isotp.consultation import consulted
from programme.access import (
    can_decide_enforcement,
    get_appointment_for_offender_manager,
    get_enforcement_for_user,
    get_enforcement_to_correct,
)
from programme.forms import (
    AppointmentForm,
    EnforcementCorrectionForm,
    EnforcementDecisionForm,
    RiskReviewForm,
)
from programme.models import HUMAN_DECISIONS, EnforcementDecisionType, ProgrammeError
from programme.services.enforcement import enforcement_correct as enforcement_correct_service
from programme.services.enforcement import (
    enforcement_decide,
    risk_before_review,
    risk_review_record,
)
from programme.services.scheduling import referral_move as referral_move_service
from referrals.access import (
    get_offender_for_his_offender_manager,
    get_referral_to_manage,
)
from referrals.forms import ReferralMoveForm
from referrals.models import ReferralError, RiskLevel

NOT_THE_OFFENDER_MANAGER = "Only his offender manager, {name}, can record this decision"


# --- Enforcement ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def enforcement(request, pk: int):
    enforcement = get_enforcement_for_user(request.user, pk)
    can_decide = can_decide_enforcement(request.user, enforcement) and enforcement.is_pending
    status = 200
    form = None
    if can_decide:
        form = EnforcementDecisionForm(
            request.POST if request.method == "POST" else None, enforcement=enforcement
        )
    if request.method == "POST":
        if not can_decide_enforcement(request.user, enforcement):
            messages.error(
                request,
                NOT_THE_OFFENDER_MANAGER.format(name=enforcement.offender.offender_manager),
            )
            status = 403
        elif not enforcement.is_pending:
            messages.error(request, "A decision has already been recorded for this failure")
            return redirect(enforcement)
        elif form.is_valid():
            try:
                decided = enforcement_decide(
                    enforcement=enforcement,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ProgrammeError as error:
                # The refusals are about a missing reason: shown at the reason box.
                field = None if form.cleaned_data["reason"].strip() else "reason"
                form.add_error(field, str(error))
            else:
                messages.success(request, f"Decision recorded: {decided.get_decision_display()}")
                return redirect(decided)
    else:
        consulted(enforcement)
    return _enforcement_page(request, enforcement, form=form, status=status)


def _enforcement_page(request, enforcement, *, form=None, correction_form=None, status=200):
    attendance = enforcement.attendance
    can_correct = enforcement.decision in HUMAN_DECISIONS and can_decide_enforcement(
        request.user, enforcement
    )
    if can_correct and correction_form is None:
        correction_form = EnforcementCorrectionForm(enforcement=enforcement)
    return render(
        request,
        "programme/enforcement.html",
        {
            "enforcement": enforcement,
            "offender": enforcement.offender,
            "attendance": attendance,
            "session": attendance.session,
            "recorded_by": attendance.recorded_by,
            "urgency": enforcement.urgency_on(timezone.localdate())
            if enforcement.is_pending
            else "",
            "form": form,
            "correction_form": correction_form if can_correct else None,
            "corrections": list(enforcement.corrections.select_related("by", "old_decided_by")),
            "amendments": list(attendance.amendments.select_related("by")),
            "warning_given": enforcement.decision == EnforcementDecisionType.WARNING_GIVEN,
        },
        status=status,
    )


# --- His risk reviews and appointments --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def risk_review_create(request, pk: int):
    offender = get_offender_for_his_offender_manager(request.user, pk)
    before, source = risk_before_review(offender)
    form = RiskReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        review = risk_review_record(
            offender=offender,
            oasys_on=form.cleaned_data["oasys_on"],
            risk_of_serious_harm=form.cleaned_data["risk_of_serious_harm"],
            what_changed=form.cleaned_data["what_changed"],
            by=request.user,
        )
        before = review.risk_before
        after = review.get_risk_of_serious_harm_display()
        change = f"{RiskLevel(before).label} → {after}" if before else after
        messages.success(request, f"Risk review recorded: risk of serious harm {change}")
        return redirect("programme:offender_programme", pk=offender.pk)
    return render(
        request,
        "programme/risk_review_form.html",
        {
            "form": form,
            "offender": offender,
            "risk_before": RiskLevel(before).label if before else "",
            "risk_source": source,
        },
    )


@require_http_methods(["GET", "POST"])
def appointment_create(request, pk: int):
    offender = get_offender_for_his_offender_manager(request.user, pk)
    form = AppointmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        appointment = form.save(commit=False)
        appointment.offender = offender
        appointment.recorded_by = request.user
        appointment.save()
        messages.success(request, f"Appointment on {appointment.on:%-d %B %Y} added")
        return redirect("programme:offender_programme", pk=offender.pk)
    return render(
        request,
        "programme/appointment_form.html",
        {"form": form, "offender": offender, "appointment": None},
    )


@require_http_methods(["GET", "POST"])
def appointment_edit(request, pk: int):
    appointment = get_appointment_for_offender_manager(request.user, pk)
    offender = appointment.offender
    form = AppointmentForm(request.POST if request.method == "POST" else None, instance=appointment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Appointment on {appointment.on:%-d %B %Y} saved")
        return redirect("programme:offender_programme", pk=offender.pk)
    return render(
        request,
        "programme/appointment_form.html",
        {"form": form, "offender": offender, "appointment": appointment},
    )


# --- Corrections and status changes -----------------------------------------------------------


@require_POST
def enforcement_correct(request, pk: int):
    """Correct a decision already taken; the old one is kept and shown."""
    enforcement = get_enforcement_to_correct(request.user, pk)
    form = EnforcementCorrectionForm(request.POST, enforcement=enforcement)
    if form.is_valid():
        try:
            _, notes = enforcement_correct_service(
                enforcement=enforcement,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except (ProgrammeError, ReferralError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The decision was corrected; the earlier one is kept")
            for note in notes:
                messages.warning(request, note)
            return redirect(enforcement)
    return _enforcement_page(request, enforcement, correction_form=form)


@require_http_methods(["GET", "POST"])
def referral_move(request, pk: int):
    """Change a referral's status by hand. It lives here, not in referrals, because closing
    a placed referral also ends his place in the group."""
    referral = get_referral_to_manage(request.user, pk)
    form = ReferralMoveForm(request.POST if request.method == "POST" else None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            referral_move_service(
                referral=referral,
                to_status=form.cleaned_data["to_status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except (ReferralError, ProgrammeError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The referral is now “{referral.get_status_display()}”")
            return redirect(referral)
    return render(
        request,
        "referrals/referral_move.html",
        {"form": form, "referral": referral, "offender": referral.offender},
    )
