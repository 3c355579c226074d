"""The worker's side of notifications, and the daily jobs the scheduler starts
(isotp/notifications/schedule.py). Each task is idempotent: the outbox rows say what is left to do,
so a task run twice, or run for an email already sent, does nothing more."""

import io

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from isotp.notifications.services import digests_write, email_claim, email_send, emails_send_due


@task()
def send_email(email_pk: int) -> bool:
    """Send this email, if it is still waiting to be."""
    email = email_claim(pk=email_pk)
    if email is None:
        return False
    return email_send(email)


@task()
def send_due_emails() -> int:
    """Send every email that is due: those whose task was lost, retries, interrupted sends."""
    return emails_send_due()


@task()
def send_digests() -> int:
    """The daily email: written for everyone with notifications waiting, then sent."""
    written = digests_write(on=timezone.localdate())
    emails_send_due()
    return len(written)


@task()
def prune_task_results() -> None:
    """Finished tasks' results older than 14 days (nothing reads them after minutes)."""
    call_command("prune_db_task_results", "--min-age-days", "14", stdout=io.StringIO())
