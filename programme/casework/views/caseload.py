"""The caseload (an offender manager's) and the office caseload (a programme manager's).

It lives in the programme app because what is due for a man (decisions, catch-ups, reports)
is the programme's record, which the referrals app does not see.
"""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Value
from django.db.models.functions import Lower
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from programme.casework.caseload import due_for, with_any_due, with_due
from programme.casework.forms import CaseloadFilterForm
from referrals.access import (
    OpenCasesThenClosed,
    can_add_offenders,
    offenders_in_scope,
    offenders_visible_to,
)

CASELOAD_PAGE_SIZE = 25
CASELOAD_SORTS = {
    "name": (Lower("last_name"), Lower("first_name")),
    "crn": ("crn",),
    "dob": ("date_of_birth",),
    "order_end": ("order_end",),
}


def _ordering(sort: str) -> tuple[str, list]:
    descending = sort.startswith("-")
    if sort.lstrip("-") not in CASELOAD_SORTS:
        sort, descending = "name", False
    ordering = [
        (o.desc() if hasattr(o, "desc") else f"-{o}") if descending else o
        for o in CASELOAD_SORTS[sort.lstrip("-")]
    ]
    return sort, ordering


@require_safe
def caseload(request):
    filters = CaseloadFilterForm(request.GET, user=request.user)
    chosen = filters.chosen
    sort, ordering = _ordering(request.GET.get("sort", "name"))
    if chosen:
        # A search or filter finds only cases open to the user: a restricted case must not
        # match (its status is as much his record as his name).
        offenders = (
            offenders_visible_to(request.user)
            .search(chosen.get("q", ""))
            .with_referral_status()
            .in_stages(chosen.get("stage", []))
            .with_order_types(chosen.get("order_type", []))
            .in_programmes(chosen.get("programme", []))
        )
        if "manager" in chosen:
            offenders = offenders.filter(offender_manager_id=chosen["manager"])
        offenders = (
            with_due(with_any_due(offenders, chosen.get("due", [])))
            .annotate(is_open=Value(True))
            .select_related("office", "offender_manager")
            .order_by(*ordering, "pk")
        )
    else:
        # The whole caseload, restricted cases last and shown as "Restricted", nothing more.
        offenders = OpenCasesThenClosed(
            request.user,
            with_due(
                offenders_in_scope(request.user)
                .with_referral_status()
                .select_related("office", "offender_manager")
            ),
            ordering,
        )
    page = Paginator(offenders, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for offender in page.object_list:
        offender.due = due_for(offender, today) if offender.is_open else []
    consulted(
        *[offender for offender in page.object_list if offender.is_open],
        action="search" if chosen else "list",
        query=_filters_as_text(chosen, request.GET.get("page", "")),
        result_count=page.paginator.count,
    )
    return render(
        request,
        "programme/casework/caseload.html",
        {
            "page": page,
            "filters": filters,
            "filtered": bool(chosen),
            "sort": sort,
            "can_add": can_add_offenders(request.user),
        },
    )


def _filters_as_text(chosen: dict, page: str) -> str:
    """The filters and page as the consultation log keeps them (what was looked for)."""
    params = {
        name: ",".join(value) if isinstance(value, list) else value
        for name, value in chosen.items()
    }
    if page:
        params["page"] = page
    return urlencode(params)
