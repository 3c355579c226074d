"""What the documents write: a group's bulk print (every member's attendance record at once,
printed in the background) and the purge of kept PDFs.

`bulk_print_request` (from the group page) records what was asked and puts a task on the
queue in the same transaction; the queue's worker (`manage.py db_worker`) runs
`programme.tasks.print_attendance_records`, which calls `bulk_print_run`.
"""

import io
import zipfile
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from isotp.db_router import reads_from_replica
from isotp.models import PdfRendering, Staff
from isotp.pdf import stored_pdf_bytes
from programme.access import all_members_open, groups_visible_to
from programme.documents.attendance import (
    ATTENDANCE_RECORD_TEMPLATE,
    attendance_record_context,
    attendance_record_filename,
)
from programme.models import BulkPrint, BulkPrintStatus, Group

NO_LONGER_OPEN = "You can no longer see every man in this group, so his records were not printed."


@transaction.atomic
def bulk_print_request(*, group: Group, by: Staff, members: int) -> BulkPrint:
    """Queue the print, or return the one this person already has waiting or running for the
    group (a second click does not print twice), unless that one is stuck."""
    from programme.tasks import print_attendance_records

    unfinished = (
        BulkPrint.objects.select_for_update()
        .filter(group=group, requested_by=by)
        .exclude(status__in=[BulkPrintStatus.DONE, BulkPrintStatus.FAILED])
        .filter(requested_at__gte=timezone.now() - BulkPrint.STUCK_AFTER)
        .defer("archive")
        .first()
    )
    if unfinished is not None:
        return unfinished
    bulk_print = BulkPrint.objects.create(group=group, requested_by=by, total=members)
    # In the same transaction: the worker sees the task only once the print is there too.
    print_attendance_records.enqueue(bulk_print.pk)
    return bulk_print


def bulk_print_run(*, bulk_print_id: int) -> int:
    """Print each member's record (through the store of renderings: a record printed before
    and unchanged is not rendered again) into one ZIP, counting progress as it goes (each
    count commits, so the progress page sees it). Returns the number of records."""
    bulk_print = BulkPrint.objects.select_related("group", "requested_by").get(pk=bulk_print_id)
    user = bulk_print.requested_by
    # Checked again here: access may have changed since the request was queued.
    visible = groups_visible_to(user).filter(pk=bulk_print.group_id).exists()
    placements = all_members_open(user, bulk_print.group) if visible else None
    if placements is None:
        BulkPrint.objects.filter(pk=bulk_print.pk).update(
            status=BulkPrintStatus.FAILED, error=NO_LONGER_OPEN, finished_at=timezone.now()
        )
        return 0
    BulkPrint.objects.filter(pk=bulk_print.pk).update(
        status=BulkPrintStatus.RUNNING, total=len(placements), done=0
    )
    buffer = io.BytesIO()
    try:
        # PDFs are compressed already: stored as they are.
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for placement in placements:
                pdf = _record_pdf(user, placement)
                archive.writestr(attendance_record_filename(placement), pdf)
                BulkPrint.objects.filter(pk=bulk_print.pk).update(done=F("done") + 1)
    except Exception as error:
        BulkPrint.objects.filter(pk=bulk_print.pk).update(
            status=BulkPrintStatus.FAILED,
            error=f"The records could not be printed: {error}"[:500],
            finished_at=timezone.now(),
        )
        raise
    BulkPrint.objects.filter(pk=bulk_print.pk).update(
        status=BulkPrintStatus.DONE, archive=buffer.getvalue(), finished_at=timezone.now()
    )
    return len(placements)


@reads_from_replica
def _record_pdf(user: Staff, placement) -> bytes:
    """One man's attendance record as the user sees it: its reads from the replica when there
    is one, as the record's own print link does (the access checks above read the primary)."""
    return stored_pdf_bytes(ATTENDANCE_RECORD_TEMPLATE, attendance_record_context(user, placement))


def pdfs_purge(*, older_than_days: int) -> tuple[int, int]:
    """Delete kept PDF renderings and finished bulk prints older than this many days; returns
    how many of each. A purged rendering is rendered again when next asked for."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    renderings, _ = PdfRendering.objects.older_than(cutoff).delete()
    bulk_prints, _ = BulkPrint.objects.filter(requested_at__lt=cutoff).delete()
    return renderings, bulk_prints
