from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from isotp.models import Role, Staff
from programme.models import CatchUp, Enforcement, GroupSession, add_working_days
from programme.services.scheduling import bank_holidays
from referrals.models import Offender, Referral, ReferralStatus


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_demo_data_creates_every_role_and_running_it_twice_changes_nothing(db):
    seed()
    staff, offenders = Staff.objects.count(), Offender.objects.count()
    assert set(Staff.objects.values_list("role", flat=True)) == set(Role.values)
    assert Staff.objects.filter(role=Role.OFFENDER_MANAGER, accredited_on=None).exists()
    assert 25 <= offenders <= 35
    seed()
    assert (Staff.objects.count(), Offender.objects.count()) == (staff, offenders)


def test_demo_seeded_today_has_a_register_due_today_and_none_overdue(db):
    seed()
    today = timezone.localdate()
    held = GroupSession.objects.filter(date__lte=today).order_by("-date")
    latest = held.first()
    assert latest.register_completed_at is None
    if today not in bank_holidays():  # on a bank holiday the group does not meet
        assert latest.date == today
    assert held.filter(group=latest.group).count() > 1
    overdue = held.exclude(pk=latest.pk).filter(register_completed_at=None)
    assert not overdue.exists(), "a fresh demo shows no overdue register"


def test_demo_seeded_today_has_one_enforcement_decision_due_in_the_next_ten_working_days(db):
    seed()
    today = timezone.localdate()
    pending = list(Enforcement.objects.pending())
    assert len(pending) == 1
    assert today < pending[0].due_by <= add_working_days(today, 10, bank_holidays())


def test_demo_seeded_today_has_a_catch_up_to_run_and_a_report_to_write(db):
    seed()
    assert CatchUp.objects.filter(
        completed=False, cancelled=False, placement__ended_on=None
    ).exists()
    finished = Referral.objects.get(status=ReferralStatus.POST_PROGRAMME)
    assert not finished.end_reports.exists()
    last_session = finished.placement.sessions().last()
    assert last_session.date < timezone.localdate() - timedelta(days=7)
    assert Referral.objects.waiting().exists()
