"""A group's attendance records, printed in the background by the task queue's real worker
(`manage.py db_worker`, a separate process) into one ZIP: who may ask, the progress page,
the download, and the consultation log."""

import io
import os
import subprocess
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from isotp.models import AccessLog
from programme.documents.services import NO_LONGER_OPEN, bulk_print_run
from programme.models import BulkPrint, BulkPrintStatus
from referrals.models import CaseAccess
from tests import clock
from tests.factories import make_offender, make_placement
from tests.pdf_text import pdf_text


@pytest.fixture
def second_man(group, otto, pat):
    """Otto's man, Brian Secondman, in the same group."""
    offender = make_offender(otto, first_name="Brian", last_name="Secondman")
    return make_placement(group, offender, otto, by=pat)


def start_url(group) -> str:
    return reverse("programme:bulk_print_start", args=[group.pk])


def progress_url(bulk_print) -> str:
    return reverse("programme:bulk_print", args=[bulk_print.pk])


def download_url(bulk_print) -> str:
    return reverse("programme:bulk_print_download", args=[bulk_print.pk])


def run_the_worker() -> str:
    """The queue's worker, as `make run` starts it, against the test database and connecting
    as the app's role; --batch: it stops when the queue is empty."""
    db = connection.settings_dict
    app_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    environment = {
        **os.environ,
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": app_url.replace(db["USER"], settings.DATABASE_OWNER["USER"], 1),
    }
    done = subprocess.run(
        clock.command("db_worker", "--batch", "--no-startup-delay", "-v", "2"),
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def records_in(response) -> dict[str, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: pdf_text(archive.read(name)) for name in archive.namelist()}


@pytest.mark.django_db(transaction=True)
def test_the_worker_prints_every_members_record_into_one_download(
    reference_data, login, pat, group, placement, second_man
):
    client = login(pat)
    response = client.post(start_url(group))
    bulk_print = BulkPrint.objects.get()
    assert response.status_code == 302 and response["Location"] == progress_url(bulk_print)
    waiting = client.get(progress_url(bulk_print)).content.decode()
    assert "Waiting to start: 0 of 2 records printed (0%)" in waiting
    assert "Download" not in waiting
    group_page = client.get(reverse("programme:group", args=[group.pk])).content.decode()
    assert progress_url(bulk_print) in group_page and "waiting to start" in group_page

    log = run_the_worker()
    assert "print_attendance_records" in log

    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL", task.traceback
    page = client.get(progress_url(bulk_print)).content.decode()
    assert "Ready to download" in page and "2 attendance records" in page
    before = AccessLog.objects.count()
    records = records_in(client.get(download_url(bulk_print)))
    assert sorted(records) == sorted(
        f"attendance-record-{p.offender.crn}.pdf" for p in (placement, second_man)
    )
    assert "Placedperson" in records[f"attendance-record-{placement.offender.crn}.pdf"]
    assert "Secondman" in records[f"attendance-record-{second_man.offender.crn}.pdf"]
    # The download is a read of both men's records.
    logged = AccessLog.objects.order_by("pk")[before:]
    assert [(row.action, row.view) for row in logged] == [
        ("print", "programme:bulk_print_download")
    ]
    assert logged[0].offender_ids == sorted([placement.offender.pk, second_man.offender.pk])


def test_the_progress_page_counts_the_records_printed(login, pat, group, placement, second_man):
    client = login(pat)
    client.post(start_url(group))
    bulk_print = BulkPrint.objects.get()
    BulkPrint.objects.filter(pk=bulk_print.pk).update(status=BulkPrintStatus.RUNNING, done=1)
    page = client.get(progress_url(bulk_print)).content.decode()
    assert "1 of 2 records printed (50%)" in page
    assert '<progress id="bulk-print-progress"' in page and 'value="1"' in page
    assert 'data-finished="false"' in page and "Check progress now" in page
    # Nothing to download yet.
    assert client.get(download_url(bulk_print)).status_code == 404


def test_asking_twice_while_it_is_printed_queues_it_once(login, pat, group, placement):
    client = login(pat)
    client.post(start_url(group))
    client.post(start_url(group))
    assert BulkPrint.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_the_group_page_offers_it_to_those_who_may_see_every_man(
    login, pat, fern, group, placement
):
    button = "Print every member’s attendance record"
    assert button in login(pat).get(reverse("programme:group", args=[group.pk])).content.decode()
    assert button in login(fern).get(reverse("programme:group", args=[group.pk])).content.decode()


def test_nobody_prints_a_group_with_a_man_whose_case_is_closed_to_them(
    login, pat, group, placement, second_man, alice
):
    offender = second_man.offender
    offender.restricted = True
    offender.save()
    CaseAccess.objects.create(offender=offender, staff=alice, kind="allowed", note="Known")
    client = login(pat)
    page = client.get(reverse("programme:group", args=[group.pk])).content.decode()
    assert "Print every member’s attendance record" not in page
    assert client.post(start_url(group)).status_code == 404
    assert not BulkPrint.objects.exists()


def test_a_print_and_its_download_are_only_for_the_person_who_asked(
    login, pat, fern, hilary, group, placement
):
    login(pat).post(start_url(group))
    bulk_print = BulkPrint.objects.get()
    bulk_print_run(bulk_print_id=bulk_print.pk)
    for other in (fern, hilary):
        client = login(other)
        assert client.get(progress_url(bulk_print)).status_code == 404
        assert client.get(download_url(bulk_print)).status_code == 404
    assert login(hilary).post(start_url(group)).status_code == 404
    assert login(pat).get(start_url(group)).status_code == 405


def test_a_man_closed_to_the_requester_since_stops_the_print_and_the_download(
    login, pat, alice, group, placement
):
    client = login(pat)
    client.post(start_url(group))
    bulk_print = BulkPrint.objects.get()
    offender = placement.offender
    offender.restricted = True
    offender.save()
    CaseAccess.objects.create(offender=offender, staff=alice, kind="allowed", note="Known")
    assert bulk_print_run(bulk_print_id=bulk_print.pk) == 0
    bulk_print.refresh_from_db()
    assert bulk_print.status == BulkPrintStatus.FAILED and bulk_print.error == NO_LONGER_OPEN
    assert client.get(download_url(bulk_print)).status_code == 404


def test_a_print_whose_worker_stopped_may_be_asked_for_again(login, pat, group, placement):
    client = login(pat)
    client.post(start_url(group))
    stuck = BulkPrint.objects.get()
    BulkPrint.objects.filter(pk=stuck.pk).update(
        status=BulkPrintStatus.RUNNING,
        requested_at=stuck.requested_at - BulkPrint.STUCK_AFTER - timedelta(minutes=1),
    )
    page = client.get(progress_url(stuck)).content.decode()
    assert "The print did not finish in time." in page and "Try again" in page
    client.post(start_url(group))
    assert BulkPrint.objects.count() == 2
