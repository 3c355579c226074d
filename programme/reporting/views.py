"""Management information (figures for a programme manager's office or a senior manager's
probation area, never a case record) and an office's capacity: the groups needed in the next
two quarters to clear its waiting list, against the facilitators it has (docs/forecasting.md)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.consultation import consulted
from isotp.csv_export import csv_response
from isotp.db_router import reads_from_replica
from programme.access import ensure_can_see_management_information, get_office_for_capacity
from programme.reporting.charts import line_chart
from programme.reporting.forecast import (
    CAPACITY_MONTHS,
    FACILITATORS_PER_GROUP,
    GROUPS_PER_FACILITATOR,
    LOOK_BACK_MONTHS,
    facilitator_loads,
    office_capacity,
)
from programme.reporting.forms import ManagementInformationFilterForm
from programme.reporting.management_information import (
    TABLE_KEYS,
    Scope,
    management_information,
    offices_in_scope,
)
from referrals.models import AgeBand, Programme


@require_safe
@reads_from_replica
def management_information_page(request):
    ensure_can_see_management_information(request.user)
    today = timezone.localdate()
    offices = offices_in_scope(request.user)
    filters = ManagementInformationFilterForm(request.GET, offices=offices, today=today)
    chosen = filters.chosen
    office = chosen.get("office")
    first_day, last_day = filters.period
    scope = Scope(
        office_ids=(office.pk,) if office else tuple(offices.values_list("pk", flat=True)),
        first_day=first_day,
        last_day=last_day,
        today=today,
        programme_id=chosen["programme"].pk if chosen.get("programme") else None,
        band=chosen.get("band") or None,
    )
    download = request.GET.get("download")
    if download:
        if download not in TABLE_KEYS:
            raise Http404("No such table")
        table = management_information(scope, only=download).table(download)
        if table is None:
            raise Http404("No such table")  # the 17–21 table, with the 21+ band chosen
        # Aggregates only: the log keeps who downloaded which figures, for which filters.
        consulted(action="statistics_download", query=request.GET.urlencode())
        return csv_response(
            f"management-information-{table.key}-{first_day:%Y-%m}-to-{last_day:%Y-%m}.csv",
            table.header,
            table.rows,
        )
    figures = management_information(scope)
    consulted(action="statistics", query=request.GET.urlencode())
    charts = [
        (
            table,
            line_chart(
                chart_id=f"chart-{table.key}",
                title=table.title,
                description=table.description,
                labels=[row[0] for row in table.rows],
                series=[(table.header[i], table.column(i)) for i in table.chart_columns],
                unit=table.unit,
            ),
        )
        for table in figures.trends
    ]
    params = request.GET.copy()
    params.pop("download", None)
    return render(
        request,
        "programme/reporting/management_information.html",
        {
            "filters": filters,
            "figures": figures,
            "charts": charts,
            "offices": offices,
            "office": office,
            "querystring": params.urlencode(),
            "band_label": AgeBand(scope.band).label if scope.band else "",
        },
    )


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
        "programme/reporting/office_capacity.html",
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
