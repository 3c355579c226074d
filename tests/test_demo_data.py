from django.core.management import call_command

from isotp.models import Role, Staff
from referrals.models import Offender


def test_demo_data_creates_every_role_and_running_it_twice_changes_nothing(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    staff, offenders = Staff.objects.count(), Offender.objects.count()
    assert set(Staff.objects.values_list("role", flat=True)) == set(Role.values)
    assert Staff.objects.filter(role=Role.OFFENDER_MANAGER, accredited_on=None).exists()
    assert 25 <= offenders <= 35
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Staff.objects.count(), Offender.objects.count()) == (staff, offenders)
