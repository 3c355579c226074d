"""Tasks for the queue's worker (`manage.py db_worker`; django-tasks with its database
backend). Each is a thin entry point to a service."""

from django_tasks import task

from programme.services.bulk_print import bulk_print_run


@task()
def print_attendance_records(bulk_print_id: int) -> int:
    return bulk_print_run(bulk_print_id=bulk_print_id)
