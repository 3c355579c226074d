"""Management information: figures for a programme manager's office or a senior manager's
probation area, never a case record (programme/services/management_information.py)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from isotp.charts import line_chart
from isotp.consultation import consulted
from isotp.csv_export import csv_response
from isotp.db_router import reads_from_replica
from programme.forms import ManagementInformationFilterForm
from programme.services.management_information import (
    TABLE_KEYS,
    Scope,
    can_see_management_information,
    management_information,
    offices_in_scope,
)
from referrals.models import AgeBand


@require_safe
@reads_from_replica
def management_information_page(request):
    if not can_see_management_information(request.user):
        raise Http404("This page is for programme managers and senior managers")
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
        "programme/management_information.html",
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
