"""The daily jobs, started by the worker itself (`manage.py run_worker`): no cron is needed.

Every minute or so each worker's scheduler looks at settings.DAILY_JOBS; a job whose time of
day has passed is started by writing a `DailyRun` row for it and today, and enqueueing its
task in the same transaction. The row is unique per job and day, so however many workers run,
one writes it and enqueues the job; the others find it there. A worker that starts late in
the day starts the day's jobs then; a day the app did not run at all is not caught up.

It also wakes the worker for emails that are due but whose task went missing.
"""

import logging
from datetime import datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from isotp.notifications.models import DailyRun
from isotp.notifications.services import emails_waiting

logger = logging.getLogger(__name__)

SEND_DUE = "isotp.notifications.tasks.send_due_emails"


def jobs_due(now: datetime) -> list[str]:
    local = timezone.localtime(now)
    return [
        name
        for name, (_path, at) in settings.DAILY_JOBS.items()
        if local.time() >= time.fromisoformat(at)
    ]


def job_start(name: str, *, day) -> bool:
    """Start the job for the day unless it was started already. True if this call did."""
    path, _at = settings.DAILY_JOBS[name]
    try:
        with transaction.atomic():
            if DailyRun.objects.filter(job=name, day=day).exists():
                return False
            DailyRun.objects.create(job=name, day=day)
            import_string(path).enqueue()
    except IntegrityError:
        # Another scheduler wrote the row between our look and our write.
        return False
    logger.info("Started the daily job %s for %s", name, day)
    return True


def schedule_tick(now: datetime | None = None) -> list[str]:
    """One look: start the daily jobs now due, and wake the worker for waiting emails.
    Returns the names of the jobs this call started."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    due = jobs_due(now) if settings.SCHEDULE_DAILY_JOBS else []
    started = [name for name in due if job_start(name, day=day)]
    if (
        emails_waiting(now=now)
        and not DBTaskResult.objects.filter(task_path=SEND_DUE, status="READY").exists()
    ):
        import_string(SEND_DUE).enqueue()
    return started
