"""A group's attendance records printed in the background: ask, watch the progress, download."""

from django.db.models.functions import Length
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from isotp.consultation import consulted
from programme.access import get_bulk_print_for_user, get_group_for_bulk_print
from programme.documents.services import bulk_print_request
from programme.models import BulkPrint, BulkPrintStatus

# How often the progress page looks again while the records are printed (seconds).
REFRESH_SECONDS = 2


@require_POST
def bulk_print_start(request, pk: int):
    group, placements = get_group_for_bulk_print(request.user, pk)
    bulk_print = bulk_print_request(group=group, by=request.user, members=len(placements))
    return redirect("programme:bulk_print", bulk_print.pk)


@require_safe
def bulk_print_progress(request, pk: int):
    bulk_print, _ = get_bulk_print_for_user(request.user, pk)
    archive_size = None
    if bulk_print.status == BulkPrintStatus.DONE:
        archive_size = (
            BulkPrint.objects.filter(pk=bulk_print.pk)
            .values_list(Length("archive"), flat=True)
            .get()
        )
    return render(
        request,
        "programme/documents/bulk_print.html",
        {
            "bulk_print": bulk_print,
            "group": bulk_print.group,
            "archive_size": archive_size,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@require_safe
def bulk_print_download(request, pk: int):
    bulk_print, placements = get_bulk_print_for_user(request.user, pk)
    if bulk_print.status != BulkPrintStatus.DONE:
        raise Http404("Not printed yet")
    archive = BulkPrint.objects.values_list("archive", flat=True).get(pk=bulk_print.pk)
    # A download shows every man's record: one consultation of the group and each place.
    consulted(bulk_print.group, *placements, action="print")
    response = HttpResponse(bytes(archive), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, bulk_print.filename())
    response["Cache-Control"] = "no-store"
    return response
