"""Tasks for the queue's worker (`manage.py run_worker`; django-tasks with its database
backend). Each is a thin entry point to a service."""

import io

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from programme.documents.services import bulk_print_run
from programme.services.reminders import daily_reminders as reminders_send


@task()
def print_attendance_records(bulk_print_id: int) -> int:
    return bulk_print_run(bulk_print_id=bulk_print_id)


@task()
def daily_reminders() -> dict[str, int]:
    """The daily checks (notifications): decisions due soon or overdue, handovers overdue."""
    return reminders_send(today=timezone.localdate())


@task()
def purge_pdf_renderings() -> None:
    """Kept PDF renderings and finished bulk prints older than 7 days."""
    call_command("purge_pdf_renderings", "--days", "7", stdout=io.StringIO())
