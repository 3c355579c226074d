"""The task queue's worker with its scheduler: `manage.py db_worker` (django-tasks-db), and
beside it a thread that starts the daily jobs (isotp/notifications/schedule.py). Takes db_worker's
options; with --batch, the scheduler looks once, then the queue is worked until empty."""

import logging
import os
import threading

from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from isotp.notifications.schedule import schedule_tick

logger = logging.getLogger("isotp.notifications.schedule")


def _scheduler(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        close_old_connections()
        try:
            schedule_tick()
        except Exception:
            # A database away for a moment: look again at the next tick.
            logger.exception("The scheduler's look failed")
        finally:
            connection.close()
        stop.wait(interval)


class Command(DbWorkerCommand):
    help = "Run the task queue's worker, with the scheduler of the daily jobs beside it."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--schedule-interval",
            type=float,
            default=30,
            help="Seconds between the scheduler's looks (default: %(default)r)",
        )

    def handle(self, *args, schedule_interval: float, batch: bool, reload: bool, **options):
        self.configure_logging(options["verbosity"])
        if not logger.handlers:
            logger.addHandler(logging.StreamHandler(self.stdout))
            logger.setLevel(logging.INFO if options["verbosity"] else logging.WARNING)
            logger.propagate = False
        if batch:
            schedule_tick()
            connection.close()
        elif not reload or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # Under the autoreloader only the child, which runs the worker, schedules.
            threading.Thread(
                target=_scheduler,
                args=(threading.Event(), schedule_interval),
                name="scheduler",
                daemon=True,
            ).start()
        return super().handle(*args, batch=batch, reload=reload, **options)
