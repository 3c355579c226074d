"""Email notifications (docs/notifications.md), sent by the task queue's real worker
(`manage.py run_worker`, a separate process) through a real SMTP server on loopback: an
unacceptable absence reaches the offender manager's inbox once, the daily email gathers the
rest, a worker killed mid-send and restarted neither loses nor repeats a message, "off" sends
nothing, no email names the man, and a daily job runs once however many schedulers look."""

import os
import re
import signal
import subprocess
import threading
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from isotp.notifications.models import DailyRun, Delivery, Email, Kind, Notification, Preference
from isotp.notifications.schedule import schedule_tick
from isotp.notifications.services import digests_write, emails_send_due
from isotp.notifications.tasks import send_digests, send_email
from programme.models import Enforcement, HandoverMeeting
from programme.services.register import feedback_send
from programme.services.reminders import daily_reminders
from tests import clock
from tests.factories import make_offender, make_placement, record
from tests.smtp_inbox import SMTPServer

SITE = "https://isotp.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    """Emails are written by the process where the event happens, links and all."""
    settings.SITE_URL = SITE


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def addresses(alice, otto, fern, pat):
    for person in (alice, otto, fern, pat):
        person.email = f"{person.username}@example.invalid"
        person.save(update_fields=["email"])


@pytest.fixture
def no_daily_jobs(reference_data):
    """Today's and tomorrow's daily jobs taken as started, so that a worker's scheduler starts
    none of them whatever the time of day the tests run at."""
    today = timezone.localdate()
    DailyRun.objects.bulk_create(
        [
            DailyRun(job=job, day=day)
            for day in (today, today + timedelta(days=1))
            for job in settings.DAILY_JOBS
        ],
        ignore_conflicts=True,
    )


def worker_environment(smtp, **extra) -> dict:
    db = connection.settings_dict
    app_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": app_url.replace(db["USER"], settings.DATABASE_OWNER["USER"], 1),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "SITE_URL": SITE,
        **extra,
    }


def run_worker_once(smtp) -> str:
    """One cycle of the worker, as `make run` starts it but with --batch: the scheduler looks
    once, then the queue is worked until it is empty."""
    done = subprocess.run(
        clock.command("run_worker", "--batch", "--no-startup-delay", "-v", "2"),
        cwd=settings.BASE_DIR,
        env=worker_environment(smtp),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def start_worker(smtp, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        clock.command(
            "run_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--schedule-interval",
            "0.5",
        ),
        cwd=settings.BASE_DIR,
        env=worker_environment(smtp, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def session_of(group, number):
    return group.sessions.get(number=number)


def record_absence(client, group, placement, number=1):
    """The facilitator saves a register with him absent without a reason."""
    response = client.post(
        reverse("programme:register", args=[session_of(group, number).pk]),
        {f"m{placement.pk}-outcome": "unacceptable_absence"},
    )
    assert response.status_code == 302


def assert_no_name(message, *offenders):
    text = message["Subject"] + "\n" + message.get_content()
    for offender in offenders:
        assert offender.first_name not in text and offender.last_name not in text


@pytest.mark.django_db(transaction=True)
def test_an_absence_recorded_by_a_facilitator_reaches_the_offender_manager_once(
    no_daily_jobs, addresses, login, smtp, alice, fern, group, placement
):
    record_absence(login(fern), group, placement)
    enforcement = Enforcement.objects.get()
    outbox_row = Email.objects.get()
    assert outbox_row.state == "pending"

    run_worker_once(smtp)

    [message] = smtp.inbox.messages
    crn = placement.offender.crn
    assert message["To"] == "alice.accredited@example.invalid"
    assert message["Subject"] == f"Enforcement decision needed: {crn}"
    assert message["Message-ID"] == outbox_row.message_id
    body = message.get_content()
    assert f"An unacceptable absence was recorded for {crn}." in body
    assert f"{SITE}/enforcement/{enforcement.pk}/" in body
    assert f"{SITE}/account/notifications/" in body
    assert message.get_content_type() == "text/plain"
    assert_no_name(message, placement.offender)
    outbox_row.refresh_from_db()
    assert outbox_row.state == "sent" and outbox_row.attempts == 1

    # Another cycle, and the send task run again by hand: nothing more.
    send_email.enqueue(outbox_row.pk)
    run_worker_once(smtp)
    assert len(smtp.inbox.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_daily_email_gathers_the_rest(
    no_daily_jobs, addresses, login, smtp, alice, fern, pat, group, placement
):
    second = make_placement(group, make_offender(alice, last_name="Secondman"), alice, by=pat)
    feedback_send(placement=placement, message="Engaged well tonight.", by=fern)
    feedback_send(placement=second, message="Quiet; check in with him.", by=fern)
    record_absence(login(fern), group, placement)  # at once, by default
    assert Email.objects.count() == 1  # the feedback waits for the daily email

    send_digests.enqueue()
    run_worker_once(smtp)

    messages = {m["Subject"]: m for m in smtp.inbox.messages}
    assert len(messages) == 2
    digest = messages["i-SOTP: 2 updates for you"]
    body = digest.get_content()
    assert "Feedback from facilitators: 2" in body
    assert placement.offender.crn in body and second.offender.crn in body
    assert f"{SITE}/actions/" in body
    assert_no_name(digest, placement.offender, second.offender)
    assert not Notification.objects.filter(email__isnull=True).exists()

    # The day's digest is written once: run again, nothing new is sent.
    send_digests.enqueue()
    run_worker_once(smtp)
    assert len(smtp.inbox.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_and_restarted_loses_and_repeats_nothing(
    no_daily_jobs, addresses, login, smtp, alice, otto, fern, pat, group, placement
):
    ottos_man = make_placement(group, make_offender(otto, last_name="Ottosman"), otto, by=pat)
    lease = {"NOTIFICATION_SEND_LEASE_SECONDS": "2"}
    smtp.inbox.hold_next = True
    worker = start_worker(smtp, **lease)
    try:
        record_absence(login(fern), group, placement)
        # The worker has handed the message over and waits for the server's answer: kill it.
        assert smtp.inbox.holding.wait(60), "the worker never sent"
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        worker.kill()
    smtp.inbox.release.set()  # the server answers a connection nobody holds: not delivered
    alices = Email.objects.get()
    assert alices.state == "sending" and not smtp.inbox.messages

    # Meanwhile, with no worker running, another absence is recorded.
    record_absence(login(fern), group, ottos_man, number=2)

    worker = start_worker(smtp, **lease)
    try:
        messages = smtp.inbox.wait_for(2)
        # Long enough for the lease to end again and the scheduler to look several times.
        smtp.inbox.wait_for(3, timeout=5)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    assert len(smtp.inbox.messages) == 2
    assert sorted(m["To"] for m in messages) == [
        "alice.accredited@example.invalid",
        "otto.other@example.invalid",
    ]
    sent = {e.to: e for e in Email.objects.all()}
    assert all(e.state == "sent" for e in sent.values())
    # Alice's went out once, on its second try, with the Message-ID fixed when it was written.
    alices = sent["alice.accredited@example.invalid"]
    assert alices.attempts == 2
    assert [m["Message-ID"] for m in messages if m["To"] == alices.to] == [alices.message_id]


@pytest.mark.django_db(transaction=True)
def test_off_sends_nothing(no_daily_jobs, addresses, login, smtp, alice, fern, group, placement):
    Preference.objects.create(staff=alice, kind=Kind.ABSENCE, delivery=Delivery.OFF)
    record_absence(login(fern), group, placement)
    send_digests.enqueue()
    run_worker_once(smtp)
    assert not smtp.inbox.messages
    assert not Notification.objects.exists() and not Email.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_daily_job_runs_once_even_with_two_schedulers(reference_data):
    late_evening = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    late_evening += timedelta(hours=23)
    started: list[list[str]] = []
    barrier = threading.Barrier(2)

    def scheduler():
        try:
            barrier.wait()
            started.append(schedule_tick(late_evening))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = sorted(name for names in started for name in names)
    assert everything == sorted(settings.DAILY_JOBS)
    assert DailyRun.objects.count() == len(settings.DAILY_JOBS)
    for path, _at in settings.DAILY_JOBS.values():
        assert DBTaskResult.objects.filter(task_path=path).count() == 1
    # Later the same day: nothing more.
    assert schedule_tick(late_evening + timedelta(minutes=30)) == []


def test_a_worker_may_be_kept_from_starting_daily_jobs(db, settings):
    settings.SCHEDULE_DAILY_JOBS = False
    evening = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    assert schedule_tick(evening + timedelta(hours=23)) == []
    assert not DailyRun.objects.exists()


def test_a_daily_job_waits_for_its_time_of_day(db):
    early = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
    assert schedule_tick(early + timedelta(hours=1)) == []
    assert schedule_tick(early + timedelta(hours=6, minutes=45)) == [
        "prune-task-results",
        "purge-pdf-renderings",
        "reminders",
    ]


# --- In the app's own process (the locmem email backend) --------------------------------------


def test_an_event_rolled_back_tells_nobody(addresses, alice, fern, group, placement):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(session_of(group, 1), placement, "unacceptable_absence", fern)
        assert Notification.objects.count() == 1
        raise RuntimeError
    assert not Notification.objects.exists() and not Email.objects.exists()


def test_a_send_task_for_an_email_already_sent_does_nothing(
    addresses, alice, fern, group, placement
):
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    email = Email.objects.get()
    assert send_email.call(email.pk) is True
    assert send_email.call(email.pk) is False
    assert len(mail.outbox) == 1


def test_an_event_tells_each_person_once(addresses, alice, fern, group, placement):
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    from programme.services.reminders import absence_notify

    absence_notify(enforcement)
    assert Notification.objects.filter(kind=Kind.ABSENCE).count() == 1


def test_someone_without_an_email_address_is_not_written_to(alice, fern, group, placement):
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    assert not Notification.objects.exists()


def test_the_daily_checks(addresses, alice, otto, fern, pat, group, placement, settings):
    today = date.today()
    record(session_of(group, 1), placement, "unacceptable_absence", fern)
    enforcement = Enforcement.objects.get()
    # Due in 2 working days: his offender manager.
    Enforcement.objects.filter(pk=enforcement.pk).update(due_by=today + timedelta(days=1))
    daily_reminders(today=today)
    daily_reminders(today=today)
    assert Notification.objects.filter(kind=Kind.DECISION_DUE_SOON, recipient=alice).count() == 1
    # Overdue: the programme manager of his office, in the daily email.
    Enforcement.objects.filter(pk=enforcement.pk).update(due_by=today - timedelta(days=1))
    daily_reminders(today=today)
    [overdue] = Notification.objects.filter(kind=Kind.DECISION_OVERDUE)
    assert overdue.recipient == pat and overdue.delivery == Delivery.DIGEST


def test_an_overdue_handover_tells_the_offender_manager_and_the_facilitators(
    addresses, alice, fern, pat, group, placement
):
    from tests.factories import make_handover_overdue

    make_handover_overdue(placement.referral, fern)
    daily_reminders(today=date.today())
    told = set(
        Notification.objects.filter(kind=Kind.HANDOVER_OVERDUE).values_list("recipient", flat=True)
    )
    assert told == {alice.pk, fern.pk}
    assert not HandoverMeeting.objects.exists()


def test_a_digest_is_written_once_a_day(addresses, alice, fern, group, placement):
    feedback_send(placement=placement, message="Engaged well.", by=fern)
    today = date.today()
    assert len(digests_write(on=today)) == 1
    feedback_send(placement=placement, message="And again.", by=fern)
    assert digests_write(on=today) == []  # tomorrow's
    assert emails_send_due() == 1
    assert "Feedback from facilitators: 1" in mail.outbox[0].body


# --- The preferences page ---------------------------------------------------------------------


def checked(page: str) -> dict[str, str]:
    """The radios checked on a page: name -> value."""
    return dict(re.findall(r'name="(\w+)"[^>]*?value="(\w+)"\s*checked', page, re.S))


def test_the_page_offers_each_kind_of_the_persons_role_with_the_defaults(login, alice):
    page = login(alice).get(reverse("notifications:preferences")).content.decode()
    assert '<h1 class="govuk-heading-l">Email notifications</h1>' in page
    for kind in Kind:
        if kind == Kind.DECISION_OVERDUE:
            assert kind.label not in page
        else:
            assert kind.label in page
    assert checked(page) == {
        "absence": "at_once",
        "decision_due_soon": "at_once",
        "risk_note": "at_once",
        "feedback": "digest",
        "restart": "digest",
        "completion": "digest",
        "report": "digest",
        "handover_overdue": "digest",
    }


def test_choices_are_kept(login, alice):
    client = login(alice)
    data = {kind: "digest" for kind in Kind.values if kind != Kind.DECISION_OVERDUE}
    data[Kind.ABSENCE] = "off"
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert Preference.objects.get(staff=alice, kind=Kind.ABSENCE).delivery == "off"
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Your email notification settings are saved" in page
    assert checked(page)["absence"] == "off" and checked(page)["risk_note"] == "digest"


def test_a_choice_left_out_is_refused_clearly(login, alice):
    response = login(alice).post(reverse("notifications:preferences"), {"absence": "off"})
    assert response.status_code == 200
    assert "Choose how to hear: a facilitator sent feedback" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_facilitator_chooses_only_for_handovers_and_an_auditor_has_nothing(login, fern, audrey):
    page = login(fern).get(reverse("notifications:preferences")).content.decode()
    assert Kind.HANDOVER_OVERDUE.label in page and Kind.ABSENCE.label not in page
    page = login(audrey).get(reverse("notifications:preferences")).content.decode()
    assert "Nothing in your role is sent by email." in page


def test_the_page_takes_no_other_method(login, alice):
    assert login(alice).put(reverse("notifications:preferences")).status_code == 405
