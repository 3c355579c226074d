"""Allocating from the waiting list: a programme manager ticks the men ready in a section,
chooses a group forming in the office, and allocates them together through the allocation
service, every rule checked for each man."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.casework.views.waiting_list import CHOOSE_A_GROUP, CHOOSE_SOMEONE
from programme.models import Placement
from referrals.models import Programme, ReferralStatus
from tests.factories import (
    Role,
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    make_referral,
    make_staff,
    make_young_ready_referral,
)

WAITING_LIST = reverse("programme:waiting_list")
ALLOCATE = reverse("programme:waiting_list_allocate")


def forming(pat, fern, **fields):
    fields.setdefault("start_date", timezone.localdate() + timedelta(days=14))
    return make_group(pat, [fern], **fields)


def group_options(page: str) -> list[str]:
    """The values offered by the groups' select(s) of the page."""
    selects = re.findall(r'<select[^>]*name="group".*?</select>', page, re.S)
    return [v for select in selects for v in re.findall(r'<option value="(\d*)"', select)]


def section_of(referral) -> str:
    return f"{referral.programme_id}-21_plus"


def test_the_ready_men_can_be_ticked_and_a_forming_group_chosen(login, pat, alice, fern, hilary):
    group = forming(pat, fern, venue="Upper room")
    started = make_group(pat, [fern], venue="Started room")  # met in February 2026
    full = forming(pat, fern, venue="Full room")
    Programme.objects.filter(code="isotp").update(max_group_size=1)
    make_placement(full, make_offender(alice), alice, by=pat)
    forming(hilary, make_staff("felix.elsewhere", Role.FACILITATOR, hilary.office))
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    waiting = make_referral(make_offender(alice, last_name="Waitingman"), alice)
    page = login(pat).get(WAITING_LIST).content.decode()
    assert f'name="referral" type="checkbox" value="{ready.pk}"' in page
    # Not ready (his checklist is open): no box to tick.
    assert f'name="referral" type="checkbox" value="{waiting.pk}"' not in page
    # Not the group that has met, nor the full one, nor the other office's.
    assert group_options(page) == ["", str(group.pk)]
    assert "Upper room" in page and "(1 place left)" in page
    assert started.pk != full.pk
    assert "Allocate the men ticked" in page


def test_with_no_group_forming_the_manager_is_sent_to_form_one(login, pat, alice):
    make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    page = login(pat).get(WAITING_LIST).content.decode()
    assert "Allocate the men ticked" not in page
    assert "No i-SOTP group is forming in your office with places left" in page
    assert reverse("programme:group_create") in page


@pytest.mark.parametrize("who", ["alice", "fern"])
def test_offender_managers_and_facilitators_see_no_ticks(login, request, pat, alice, fern, who):
    forming(pat, fern)
    make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    page = login(request.getfixturevalue(who)).get(WAITING_LIST).content.decode()
    assert 'name="referral"' not in page and "Allocate the men ticked" not in page


def test_several_men_are_allocated_from_the_waiting_list(login, pat, alice, fern):
    group = forming(pat, fern, venue="Upper room")
    first = make_ready_referral(make_offender(alice, last_name="Firstman"), alice)
    second = make_ready_referral(make_offender(alice, last_name="Secondman"), alice)
    client = login(pat)
    response = client.post(
        ALLOCATE + f"?programme={group.programme_id}",
        {"referral": [first.pk, second.pk], "group": group.pk, "section": section_of(first)},
    )
    assert response.status_code == 302
    assert response.url == WAITING_LIST + f"?programme={group.programme_id}"
    page = client.get(response.url).content.decode()
    assert "2 men have a place in the i-SOTP 21+ group at Upper room" in page
    assert set(group.placements.values_list("referral", flat=True)) == {first.pk, second.pk}
    first.refresh_from_db()
    assert first.status == ReferralStatus.SCHEDULED
    assert f'type="checkbox" value="{first.pk}"' not in page  # no longer waiting


def test_a_refused_man_is_named_with_the_reason_and_stays_ticked(login, pat, alice, fern):
    group = forming(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    young = make_young_ready_referral(alice, last_name="Youngman")
    other = make_ready_referral(make_offender(alice, last_name="Otherman"), alice)
    response = login(pat).post(
        ALLOCATE,
        {"referral": [ready.pk, young.pk], "group": group.pk, "section": section_of(ready)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "Readyman has a place in the i-SOTP 21+ group" in page
    assert "Youngman was not allocated. He will be in the 17–21 age band" in page
    assert f'href="#allocate-{young.pk}"' in page
    assert f'value="{young.pk}" checked>' in page
    assert f'value="{other.pk}">' in page
    assert list(group.placements.values_list("referral", flat=True)) == [ready.pk]


def test_a_full_group_refuses_the_men_beyond_its_places(login, pat, alice, fern):
    Programme.objects.filter(code="isotp").update(max_group_size=2)
    group = forming(pat, fern)
    forming(pat, fern, venue="Another room")  # still a group to choose on the page shown
    men = [
        make_ready_referral(make_offender(alice, last_name=f"Man{letter}"), alice)
        for letter in "ABC"
    ]
    page = (
        login(pat)
        .post(
            ALLOCATE,
            {"referral": [m.pk for m in men], "group": group.pk, "section": section_of(men[0])},
        )
        .content.decode()
    )
    assert Placement.objects.filter(group=group).count() == 2
    assert "ManC was not allocated. The group is full: it has 2 of 2 places taken" in page
    assert f'value="{men[2].pk}" checked>' in page


def test_a_group_must_be_chosen_and_the_ticks_are_kept(login, pat, alice, fern):
    forming(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    section = section_of(ready)
    page = (
        login(pat)
        .post(ALLOCATE, {"referral": [ready.pk], "group": "", "section": section})
        .content.decode()
    )
    assert CHOOSE_A_GROUP in page
    assert f'href="#group-{section}"' in page
    assert "govuk-select--error" in page
    assert f'value="{ready.pk}" checked>' in page
    assert not Placement.objects.exists()


def test_someone_must_be_ticked_and_the_group_stays_chosen(login, pat, alice, fern):
    group = forming(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    page = (
        login(pat)
        .post(ALLOCATE, {"group": group.pk, "section": section_of(ready)})
        .content.decode()
    )
    assert CHOOSE_SOMEONE in page
    assert f'<option value="{group.pk}" selected>' in page
    assert not Placement.objects.exists()


@pytest.mark.parametrize("who", ["alice", "fern", "ada", "audrey"])
def test_only_programme_managers_allocate(login, request, pat, alice, fern, who):
    group = forming(pat, fern)
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    response = login(request.getfixturevalue(who)).post(
        ALLOCATE, {"referral": [ready.pk], "group": group.pk, "section": section_of(ready)}
    )
    assert response.status_code == 404
    assert not Placement.objects.exists()


def test_a_programme_manager_of_another_office_allocates_nobody(login, pat, alice, fern, hilary):
    group = forming(pat, fern)
    theirs = forming(hilary, make_staff("felix.elsewhere", Role.FACILITATOR, hilary.office))
    ready = make_ready_referral(make_offender(alice, last_name="Readyman"), alice)
    client = login(hilary)
    for chosen in (group, theirs):
        response = client.post(
            ALLOCATE, {"referral": [ready.pk], "group": chosen.pk, "section": section_of(ready)}
        )
        assert response.status_code == 404
    assert not Placement.objects.exists()
    assert "Readyman" not in client.get(WAITING_LIST).content.decode()


def test_allocating_needs_sign_in_and_a_post(client, login, pat):
    assert client.post(ALLOCATE).status_code == 302
    assert login(pat).get(ALLOCATE).status_code == 405


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_with_ticks_runs_the_same_queries_whatever_its_length(
    login, alice, pat, fern, size, django_assert_num_queries
):
    for _ in range(size):
        make_ready_referral(make_offender(alice), alice)
    for _ in range(size // 2):
        forming(pat, fern)
    forming(pat, fern, start_date=date(2026, 2, 2) + timedelta(days=7))
    client = login(pat)
    client.get(WAITING_LIST)  # the session's renewal, out of the way
    # session, user, the second-factor device, offices for the filter, programmes, the
    # longest waiting of each section with the counts, their checklists' state, the groups
    # forming with their places left, programme choices in the filter form, the consultation
    # log's row (the header's count of what is due today is kept in the session)
    # (+5: each row's expected start: queue places, programmes, groups, facilitators, bank
    # holidays; programme/services/forecast.py)
    with django_assert_num_queries(15):
        response = client.get(WAITING_LIST)
    page = response.content.decode()
    assert page.count('name="referral" type="checkbox"') == min(size, 10)
    assert len(group_options(page)) == 1 + size // 2
