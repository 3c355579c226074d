"""An offender's non-associations, for his offender manager only: the reasons are theirs to
read, never a programme manager's or a facilitator's."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from isotp.consultation import consulted
from programme.forms import NonAssociationEndForm, NonAssociationForm
from programme.models import NonAssociation, ProgrammeError
from programme.services.non_associations import (
    non_association_end,
    non_association_record,
    non_associations_of,
)
from referrals.access import get_offender_for_his_offender_manager


@require_http_methods(["GET", "POST"])
def non_associations(request, pk: int):
    offender = get_offender_for_his_offender_manager(request.user, pk)
    form = NonAssociationForm(request.POST if request.method == "POST" else None, offender=offender)
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        try:
            non_association_record(
                offender=offender,
                other=other,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ProgrammeError as refusal:
            form.add_error("other_crn", str(refusal))
        else:
            messages.success(
                request, f"{offender.full_name} and {other.crn} will not be put in the same group"
            )
            return redirect("programme:non_associations", pk=offender.pk)
    pairs = list(non_associations_of(offender))
    for pair in pairs:
        pair.man = pair.other if pair.offender_id == offender.pk else pair.offender
        # The details are read where they were recorded: on his own record.
        pair.shows_reason = pair.offender_id == offender.pk
        pair.end_form = NonAssociationEndForm(prefix=f"end-{pair.pk}")
    consulted(offender, *pairs)
    return render(
        request,
        "programme/non_associations.html",
        {"offender": offender, "section": "programme", "pairs": pairs, "form": form},
    )


@require_POST
def non_association_stop(request, pk: int):
    pair = get_object_or_404(NonAssociation, pk=pk)
    offender = get_offender_for_his_offender_manager(request.user, pair.offender_id)
    form = NonAssociationEndForm(request.POST, prefix=f"end-{pair.pk}")
    if form.is_valid():
        try:
            non_association_end(
                non_association=pair, reason=form.cleaned_data["ended_reason"], by=request.user
            )
        except ProgrammeError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"The non-association with {pair.other.crn} has ended")
    else:
        messages.error(request, "Say why they no longer need to be kept apart")
    return redirect("programme:non_associations", pk=offender.pk)
