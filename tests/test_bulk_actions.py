"""Doing the same thing many times in one step: allocating several men to a group,
acknowledging several notices with one note, printing the week's registers in one PDF."""

from datetime import date, timedelta

from django.urls import reverse

from programme.models import Placement
from referrals.models import ReferralStatus
from tests.factories import make_group, make_offender, make_ready_referral

# --- Allocating several men to a group ---------------------------------------------------------


def future_group(pat, fern):
    return make_group(pat, [fern], start_date=date.today() + timedelta(days=14))


def test_several_men_are_allocated_in_one_step(login, pat, alice, fern):
    group = future_group(pat, fern)
    first = make_ready_referral(make_offender(alice, last_name="Firstman"), alice)
    second = make_ready_referral(make_offender(alice, last_name="Secondman"), alice)
    client = login(pat)
    page = client.get(group.get_absolute_url()).content.decode()
    assert f'name="referral" type="checkbox" value="{first.pk}"' in page
    assert "Allocate the men ticked" in page
    response = client.post(
        reverse("programme:group_allocate", args=[group.pk]),
        {"referral": [first.pk, second.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "2 men have a place in the group" in page
    assert "Firstman" in page and "Secondman" in page
    assert set(group.placements.values_list("referral", flat=True)) == {first.pk, second.pk}
    first.refresh_from_db()
    assert first.status == ReferralStatus.SCHEDULED


def test_a_refused_man_is_listed_by_name_with_the_reason_while_the_others_are_allocated(
    login, pat, alice, fern
):
    group = future_group(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    young = make_ready_referral(
        make_offender(alice, last_name="Youngman", date_of_birth=date(2008, 6, 1)), alice
    )
    response = login(pat).post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": [ready.pk, young.pk]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Readyman has a place in the group" in page
    assert "There is a problem: 1 man was not allocated" in page
    assert "Youngman was not allocated" in page
    assert "17–21 age band" in page
    assert page.count("Youngman was not allocated") == 1
    assert "<title>Error: " in page
    assert list(group.placements.values_list("referral", flat=True)) == [ready.pk]


def test_capacity_is_kept_when_more_men_are_ticked_than_places_left(login, pat, alice, fern):
    group = future_group(pat, fern)
    programme = group.programme
    programme.max_group_size = 2
    programme.save(update_fields=["max_group_size"])
    referrals = [
        make_ready_referral(make_offender(alice, last_name=f"Man{letter}"), alice)
        for letter in "ABC"
    ]
    page = (
        login(pat)
        .post(
            reverse("programme:group_allocate", args=[group.pk]),
            {"referral": [r.pk for r in referrals]},
        )
        .content.decode()
    )
    assert Placement.objects.filter(group=group).count() == 2
    assert "2 men have a place in the group" in page
    assert "ManC was not allocated" in page
    assert "The group is full" in page


def test_the_ticks_are_kept_when_a_man_is_refused(login, pat, alice, fern, monkeypatch):
    """A man refused for a reason gone by the time the page shows (as if another manager's
    allocation held the group's lock a moment) stays ticked; a man not ticked stays unticked."""
    from programme.views import groups

    group = future_group(pat, fern)
    refused = make_ready_referral(make_offender(alice, last_name="Refusedman"), alice)
    other = make_ready_referral(make_offender(alice, last_name="Otherman"), alice)
    monkeypatch.setattr(
        groups,
        "placements_allocate",
        lambda *, group, referrals, by: ([], [(r, "Try again.") for r in referrals]),
    )
    page = (
        login(pat)
        .post(reverse("programme:group_allocate", args=[group.pk]), {"referral": [refused.pk]})
        .content.decode()
    )
    assert "Refusedman was not allocated. Try again." in page
    assert f'value="{refused.pk}" checked>' in page
    assert f'value="{other.pk}">' in page


def test_a_man_not_on_a_visible_caseload_is_not_allocated(login, pat, alice, fern, hilary):
    group = future_group(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    response = login(hilary).post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": [ready.pk]}
    )
    assert response.status_code == 404
    assert not group.placements.exists()


def test_one_nonsense_value_among_several_allocates_nobody(login, pat, alice, fern):
    group = future_group(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    response = login(pat).post(
        reverse("programme:group_allocate", args=[group.pk]),
        {"referral": [ready.pk, "x"]},
        follow=True,
    )
    assert "Choose someone from the waiting list to allocate" in response.content.decode()
    assert not group.placements.exists()
