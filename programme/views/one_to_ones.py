"""One-to-ones in the schedule: his offender manager or a programme manager schedules the
pre-group one-to-one or the post-programme review; a facilitator named on it records it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from programme.access import (
    can_schedule_one_to_one,
    get_one_to_one_for_user,
    get_one_to_one_to_cancel,
    get_one_to_one_to_record,
    get_referral_to_schedule_one_to_one,
    records_one_to_one,
)
from programme.forms import OneToOneCancelForm, OneToOneRecordForm, OneToOneScheduleForm
from programme.models import OneToOneKind, ProgrammeError
from programme.services.one_to_ones import (
    one_to_one_cancel,
    one_to_one_record,
    one_to_one_schedule,
)


@require_http_methods(["GET", "POST"])
def one_to_one_new(request, pk: int):
    referral = get_referral_to_schedule_one_to_one(request.user, pk)
    kind = request.GET.get("kind")
    form = OneToOneScheduleForm(
        request.POST if request.method == "POST" else None,
        office=referral.offender.office,
        initial={"kind": kind if kind in OneToOneKind.values else OneToOneKind.PRE_GROUP},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            one_to_one = one_to_one_schedule(
                referral=referral,
                kind=data["kind"],
                on=data["on"],
                start_time=data["start_time"],
                place=data["place"],
                facilitators=list(data["facilitators"]),
                by=request.user,
            )
        except ProgrammeError as error:
            form.add_error("on", str(error))
        else:
            messages.success(
                request,
                f"{one_to_one.get_kind_display()} scheduled on {one_to_one.date:%-d %B %Y}",
            )
            return redirect("programme:offender_programme", referral.offender_id)
    return render(
        request,
        "programme/one_to_one_form.html",
        {"form": form, "referral": referral, "offender": referral.offender},
    )


@require_safe
def one_to_one_detail(request, pk: int):
    one_to_one = get_one_to_one_for_user(request.user, pk)
    return _render(request, one_to_one)


def _render(request, one_to_one, *, record_form=None, cancel_form=None, status=200):
    pending = not one_to_one.recorded_at and not one_to_one.cancelled_at
    records = pending and records_one_to_one(request.user, one_to_one)
    cancels = pending and can_schedule_one_to_one(request.user, one_to_one.referral)
    pre_group = one_to_one.kind == OneToOneKind.PRE_GROUP
    if records and record_form is None:
        record_form = OneToOneRecordForm(pre_group=pre_group)
    if cancels and cancel_form is None:
        cancel_form = OneToOneCancelForm()
    return render(
        request,
        "programme/one_to_one.html",
        {
            "one_to_one": one_to_one,
            "offender": one_to_one.referral.offender,
            "facilitators": list(one_to_one.facilitators.all()),
            "record_form": record_form if records else None,
            "held": one_to_one.date <= timezone.localdate(),
            "cancel_form": cancel_form if cancels else None,
            # The base template marks the title "Error:" for the form with errors.
            "form": record_form if record_form is not None and record_form.errors else cancel_form,
        },
        status=status,
    )


@require_POST
def one_to_one_record_view(request, pk: int):
    one_to_one = get_one_to_one_to_record(request.user, pk)
    form = OneToOneRecordForm(request.POST, pre_group=one_to_one.kind == OneToOneKind.PRE_GROUP)
    if form.is_valid():
        try:
            one_to_one_record(
                one_to_one=one_to_one,
                attended=form.cleaned_data["attended"],
                outcome=form.cleaned_data.get("outcome", ""),
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{one_to_one.get_kind_display()} recorded")
            return redirect(one_to_one)
    return _render(request, one_to_one, record_form=form)


@require_POST
def one_to_one_cancel_view(request, pk: int):
    one_to_one = get_one_to_one_to_cancel(request.user, pk)
    form = OneToOneCancelForm(request.POST)
    if form.is_valid():
        try:
            one_to_one_cancel(
                one_to_one=one_to_one, reason=form.cleaned_data["reason"], by=request.user
            )
        except ProgrammeError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, f"{one_to_one.get_kind_display()} cancelled")
            return redirect(one_to_one)
    return _render(request, one_to_one, cancel_form=form)
