from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Programme
from tests.factories import make_offender, make_ready_referral, make_referral


def young_dob():
    return timezone.localdate() - timedelta(days=365 * 19)


def test_waiting_list_groups_by_programme_and_band_oldest_first(login, alice, pat):
    older = make_referral(make_offender(alice, last_name="Waitedlongest"), alice)
    older.waiting_since = date(2025, 6, 1)
    older.save()
    make_referral(make_offender(alice, last_name="Waitedless"), alice)
    make_referral(
        make_offender(
            alice,
            last_name="Youngperson",
            date_of_birth=young_dob(),
            order_start=timezone.localdate(),
            order_end=timezone.localdate() + timedelta(days=800),
        ),
        alice,
        assessed_on=timezone.localdate(),
    )
    response = login(pat).get(reverse("referrals:waiting_list"))
    content = response.content.decode()
    assert content.index("Waitedlongest") < content.index("Waitedless")
    sections = {(s.programme.code, s.band): s for s in response.context["sections"]}
    adult = [e.referral.offender.last_name for e in sections[("isotp", "21_plus")].entries]
    young = [e.referral.offender.last_name for e in sections[("isotp", "17_21")].entries]
    assert adult == ["Waitedlongest", "Waitedless"]
    assert young == ["Youngperson"]
    days = sections[("isotp", "21_plus")].entries[0].days_waiting
    assert days == (timezone.localdate() - date(2025, 6, 1)).days


def test_the_young_band_shows_whether_a_group_can_be_formed(login, alice, pat):
    Programme.objects.filter(code="isotp").update(young_group_threshold=2)

    def add_young():
        make_referral(
            make_offender(
                alice,
                date_of_birth=young_dob(),
                order_start=timezone.localdate(),
                order_end=timezone.localdate() + timedelta(days=800),
            ),
            alice,
            assessed_on=timezone.localdate(),
        )

    add_young()
    content = login(pat).get(reverse("referrals:waiting_list")).content.decode()
    assert "1 waiting (0 ready for allocation) against the 2 needed" in content
    assert "not enough to form a group yet" in content
    add_young()
    content = login(pat).get(reverse("referrals:waiting_list")).content.decode()
    assert "2 waiting (0 ready for allocation) against the 2 needed" in content
    assert "a group can be formed" in content


def test_waiting_list_shows_the_checklist_state(login, alice, pat):
    make_ready_referral(make_offender(alice, last_name="Readyperson"), alice)
    make_referral(make_offender(alice, last_name="Notreadyperson"), alice)
    content = login(pat).get(reverse("referrals:waiting_list")).content.decode()
    assert "Complete" in content
    assert "7 items missing" in content


def test_waiting_list_filters_by_programme_and_band(login, alice, pat):
    make_referral(make_offender(alice, last_name="Isotpperson"), alice)
    make_referral(
        make_offender(alice, last_name="Nsogpperson"), alice, risk_of_serious_harm="very_high"
    )
    nsogp = Programme.objects.get(code="nsogp")
    client = login(pat)
    content = client.get(reverse("referrals:waiting_list"), {"programme": nsogp.pk}).content
    assert b"Nsogpperson" in content and b"Isotpperson" not in content
    response = client.get(reverse("referrals:waiting_list"), {"band": "17_21"})
    assert b"Isotpperson" not in response.content


def test_closed_referrals_are_not_on_the_waiting_list(login, alice, pat):
    from referrals.models import ClosingReason

    referral = make_referral(make_offender(alice, last_name="Withdrawnperson"), alice)
    referral.move_to(
        "withdrawn", by=alice, reason=ClosingReason.objects.filter(status="withdrawn").first()
    )
    assert b"Withdrawnperson" not in login(pat).get(reverse("referrals:waiting_list")).content


def test_offender_manager_sees_only_own_referrals_on_the_waiting_list(login, alice, otto):
    make_referral(make_offender(alice, last_name="Alicesman"), alice)
    make_referral(make_offender(otto, last_name="Ottosman"), otto)
    content = login(otto).get(reverse("referrals:waiting_list")).content
    assert b"Ottosman" in content and b"Alicesman" not in content


@pytest.mark.parametrize("size", [3, 30])
def test_waiting_list_runs_the_same_queries_whatever_its_length(
    login, alice, pat, size, django_assert_num_queries
):
    for _ in range(size):
        make_ready_referral(make_offender(alice), alice)
    client = login(pat)
    # session, user, the second-factor device, offices for the filter, programmes, waiting referrals (with offender,
    # office, manager, programme and checklist joined), programme choices in the filter
    # form, the session's renewal (three statements), the consultation log's row, and the
    # second-factor device
    with django_assert_num_queries(11):
        response = client.get(reverse("referrals:waiting_list"))
    assert sum(len(s.entries) for s in response.context["sections"]) == size


def test_waiting_list_needs_sign_in(client):
    assert client.get(reverse("referrals:waiting_list")).status_code == 302
