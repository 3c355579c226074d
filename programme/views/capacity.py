"""An office's capacity: the groups needed in the next two quarters to clear its waiting list,
against the facilitators it has (issue 13; the method is in docs/forecasting.md)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from programme.access import get_office_for_capacity
from programme.services.forecast import (
    CAPACITY_MONTHS,
    FACILITATORS_PER_GROUP,
    GROUPS_PER_FACILITATOR,
    LOOK_BACK_MONTHS,
    facilitator_loads,
    office_capacity,
)
from referrals.models import Programme

FACILITATOR_PAGE_SIZE = 25


@require_safe
def office_capacity_page(request, pk: int):
    office = get_office_for_capacity(request.user, pk)
    today = timezone.localdate()
    capacity = office_capacity(office=office, programmes=list(Programme.objects.all()), today=today)
    facilitators = Paginator(facilitator_loads(office, today=today), FACILITATOR_PAGE_SIZE)
    facilitators.count = capacity.facilitators  # counted already: no second COUNT(*)
    return render(
        request,
        "programme/office_capacity.html",
        {
            "office": office,
            "capacity": capacity,
            "queues": [q for q in capacity.queues if q.waiting or q.places_offered],
            "facilitators": facilitators.get_page(request.GET.get("page")),
            "look_back_months": LOOK_BACK_MONTHS,
            "capacity_months": CAPACITY_MONTHS,
            "facilitators_per_group": FACILITATORS_PER_GROUP,
            "groups_per_facilitator": GROUPS_PER_FACILITATOR,
        },
    )
