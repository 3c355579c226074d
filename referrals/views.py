from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from isotp.history import history_for
from isotp.models import AccessLog
from referrals.access import can_add_offenders, get_offender_for_user, offenders_visible_to
from referrals.forms import OffenceForm, OffenderForm

CASELOAD_PAGE_SIZE = 25
CASELOAD_SORTS = {
    "name": (Lower("last_name"), Lower("first_name")),
    "crn": ("crn",),
    "dob": ("date_of_birth",),
    "order_end": ("order_end",),
}


def _querystring(**params: str) -> str:
    """The current filters as a query string prefix, for pagination links to keep them."""
    kept = {key: value for key, value in params.items() if value}
    return urlencode(kept) + "&" if kept else ""


@require_safe
def caseload(request):
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "name")
    descending = sort.startswith("-")
    if sort.lstrip("-") not in CASELOAD_SORTS:
        sort, descending = "name", False
    ordering = [
        (o.desc() if hasattr(o, "desc") else f"-{o}") if descending else o
        for o in CASELOAD_SORTS[sort.lstrip("-")]
    ]
    offenders = (
        offenders_visible_to(request.user)
        .search(query)
        .select_related("office", "offender_manager")
        .order_by(*ordering, "pk")
    )
    page = Paginator(offenders, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/caseload.html",
        {
            "page": page,
            "query": query,
            "sort": sort,
            "pagination_query": _querystring(q=query, sort=sort if sort != "name" else ""),
            "can_add": can_add_offenders(request.user),
        },
    )


@require_safe
def offender_detail(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    AccessLog.record(staff=request.user, obj=offender, path=request.path)
    return render(
        request,
        "referrals/offender_detail.html",
        {
            "offender": offender,
            "age": offender.age_on(timezone.localdate()),
            "offences": offender.offences.all(),
            "history": history_for(offender),
        },
    )


@require_http_methods(["GET", "POST"])
def offender_create(request):
    if not can_add_offenders(request.user):
        raise Http404("You cannot add offenders")
    form = OffenderForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        offender = form.save()
        messages.success(request, f"{offender.full_name} was added to the caseload")
        return redirect(offender)
    return render(request, "referrals/offender_form.html", {"form": form, "offender": None})


@require_http_methods(["GET", "POST"])
def offender_edit(request, pk: int):
    offender = get_offender_for_user(request.user, pk)
    form = OffenderForm(request.POST if request.method == "POST" else None, instance=offender, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The offender's details were saved")
        return redirect(offender)
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
