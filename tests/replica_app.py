"""Run by tests/test_read_replica.py in a process of its own, the app's settings pointing at a
private primary (DATABASE_URL) and its streaming replica (DATABASE_REPLICA_URL); the test
database of the suite has no replica. Prints what it saw as JSON.

    python tests/replica_app.py STAFF_PK GROUP_PK OFFENDER_PK

REPLICA_ADMIN_URL is the replica as its superuser, to pause and resume its replay: while
replay is paused, a change made on the primary is not on the replica.
"""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isotp.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.clock import start_travelling  # noqa: E402

start_travelling()
django.setup()

import psycopg2  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from isotp.models import AccessLog, Staff  # noqa: E402
from referrals.models import Offender  # noqa: E402
from tests.factories import sign_in_verified  # noqa: E402
from tests.pdf_text import pdf_text  # noqa: E402


def replica_admin(sql: str):
    with psycopg2.connect(os.environ["REPLICA_ADMIN_URL"]) as db, db.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone() if cursor.description else None
    db.close()
    return row


def caught_up() -> None:
    """Waits until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("select pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    for _ in range(100):
        (done,) = replica_admin(f"select pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done:
            return
        time.sleep(0.1)
    raise RuntimeError("the replica did not catch up within 10 seconds")


def replica_log_count() -> int:
    with connections["replica"].cursor() as cursor:
        cursor.execute("select count(*) from isotp_accesslog")
        return cursor.fetchone()[0]


def statements(context) -> list[str]:
    return [query["sql"] for query in context.captured_queries]


def main(staff_pk: int, group_pk: int, offender_pk: int) -> dict:
    setup_test_environment()
    client = sign_in_verified(Client(), Staff.objects.get(pk=staff_pk))
    url = reverse("programme:group_register_pdf", args=[group_pk])
    caught_up()

    replica_admin("select pg_wal_replay_pause()")
    # Renamed on the primary only, while the replica stands still.
    Offender.objects.filter(pk=offender_pk).update(last_name="Renamedonprimary")
    logs_before = AccessLog.objects.count()
    replica_logs_before = replica_log_count()
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        paused = client.get(url)
    seen = {
        "status": paused.status_code,
        "text_while_paused": pdf_text(paused.content),
        "replica_in_recovery": replica_admin("select pg_is_in_recovery()")[0],
        "replica_statements": statements(on_replica),
        "primary_statements": statements(on_primary),
        "primary_logs_added": AccessLog.objects.count() - logs_before,
        "logged_path": AccessLog.objects.order_by("-pk").first().path,
        "replica_logs_added_while_paused": replica_log_count() - replica_logs_before,
    }

    replica_admin("select pg_wal_replay_resume()")
    caught_up()
    seen["text_after_resume"] = pdf_text(client.get(url).content)
    seen["url"] = url
    return seen


if __name__ == "__main__":
    print(json.dumps(main(*(int(arg) for arg in sys.argv[1:4]))))
