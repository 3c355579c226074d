"""Doing the same thing many times in one step: allocating several men to a group,
acknowledging several notices with one note, printing the week's registers in one PDF."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from programme.models import Placement
from referrals.models import ReferralStatus
from tests.factories import (
    make_group,
    make_offender,
    make_ready_referral,
    meeting_weekdays_this_week,
)

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
    client = login(pat)
    response = client.post(
        reverse("programme:group_allocate", args=[group.pk]), {"referral": [ready.pk, young.pk]}
    )
    # Someone was placed: the browser is sent on to the group's page (a reload posts nothing).
    assert (response.status_code, response.url) == (302, group.get_absolute_url())
    page = client.get(response.url).content.decode()
    assert "Readyman has a place in the group" in page
    assert "There is a problem: 1 man was not allocated" in page
    assert "Youngman was not allocated" in page
    assert "17–21 age band" in page
    assert page.count("Youngman was not allocated") == 1
    assert "<title>Error: " in page
    assert list(group.placements.values_list("referral", flat=True)) == [ready.pk]
    # Shown once: the page reloaded says nothing more.
    assert "was not allocated" not in client.get(response.url).content.decode()


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
            follow=True,
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
        lambda *, group, referrals, by, **options: ([], [(r, "Try again.") for r in referrals]),
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


# --- Acknowledging several notices with one note -----------------------------------------------


def notices_for(placement, by, count):
    from programme.models import Notice

    return Notice.objects.bulk_create(
        Notice(
            offender=placement.offender,
            kind="risk_note",
            message=f"Note number {number:02d}",
            created_by=by,
        )
        for number in range(count)
    )


def test_several_notices_are_acknowledged_with_one_note(login, alice, placement, fern):
    first, second, third = notices_for(placement, fern, 3)
    client = login(alice)
    page = client.get(reverse("programme:actions")).content.decode()
    assert "Acknowledge several with one note" in page
    assert page.count('name="bulk-notice" type="checkbox"') == 3
    response = client.post(
        reverse("programme:notices_acknowledge"),
        {"bulk-notice": [first.pk, second.pk], "bulk-action_taken": "Rang him about both"},
        follow=True,
    )
    assert "2 notices acknowledged: Adam Placedperson, Adam Placedperson" in (
        response.content.decode()
    )
    for notice in (first, second):
        notice.refresh_from_db()
        assert notice.acknowledged_by == alice
        assert notice.action_taken == "Rang him about both"
        assert notice.acknowledged_at is not None
    third.refresh_from_db()
    assert third.acknowledged_at is None


def test_someone_elses_notice_is_refused_and_nothing_is_acknowledged(
    login, alice, otto, placement, pat, fern
):
    from tests.factories import make_placement

    own = notices_for(placement, fern, 1)[0]
    others = make_placement(placement.group, make_offender(otto, last_name="Othersman"), otto)
    theirs = notices_for(others, fern, 1)[0]
    response = login(alice).post(
        reverse("programme:notices_acknowledge"),
        {"bulk-notice": [own.pk, theirs.pk], "bulk-action_taken": "Rang them"},
    )
    assert response.status_code == 404
    for notice in (own, theirs):
        notice.refresh_from_db()
        assert notice.acknowledged_at is None


def test_a_note_is_needed_and_the_ticks_are_kept(login, alice, placement, fern):
    first, second = notices_for(placement, fern, 2)
    response = login(alice).post(
        reverse("programme:notices_acknowledge"),
        {"bulk-notice": [second.pk], "bulk-action_taken": "  "},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Say what you did about it" in page
    assert f'value="{second.pk}" checked>' in page
    assert f'value="{first.pk}">' in page
    second.refresh_from_db()
    assert second.acknowledged_at is None


def test_acknowledging_with_nothing_ticked_says_so(login, alice, placement, fern):
    notices_for(placement, fern, 2)
    response = login(alice).post(
        reverse("programme:notices_acknowledge"), {"bulk-action_taken": "Rang him"}
    )
    assert response.status_code == 200
    assert "Select the notices to acknowledge" in response.content.decode()


def test_a_notice_acknowledged_meanwhile_is_listed_and_the_others_acknowledged(
    login, alice, placement, fern
):
    from programme.services.enforcement import notice_acknowledge

    first, second = notices_for(placement, fern, 2)
    notice_acknowledge(notice=first, action_taken="Rang him", by=alice)
    response = login(alice).post(
        reverse("programme:notices_acknowledge"),
        {"bulk-notice": [first.pk, second.pk], "bulk-action_taken": "Wrote to him"},
        follow=True,
    )
    page = response.content.decode()
    assert "1 notice acknowledged: Adam Placedperson" in page
    assert "not acknowledged: This has already been acknowledged" in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.action_taken == "Rang him"
    assert second.action_taken == "Wrote to him"


@pytest.mark.parametrize("character", ["pat", "fern"])
def test_only_offender_managers_acknowledge_notices(request, login, placement, fern, character):
    notice = notices_for(placement, fern, 1)[0]
    response = login(request.getfixturevalue(character)).post(
        reverse("programme:notices_acknowledge"),
        {"bulk-notice": [notice.pk], "bulk-action_taken": "Rang him"},
    )
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


# --- Printing the week's registers in one PDF --------------------------------------------------


def this_monday():
    from django.utils import timezone

    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def group_meeting_this_week(pat, facilitators, weekday, members, alice):
    """A group whose third session is this week's `weekday` (a day that is no bank holiday),
    with men of these last names."""
    from tests.factories import make_placement, start_with_sessions_behind

    day = this_monday() + timedelta(days=weekday)
    start = start_with_sessions_behind([weekday], 2, on_or_after=day)
    group = make_group(pat, facilitators, start_date=start, weekday=weekday)
    for last_name in members:
        make_placement(group, make_offender(alice, last_name=last_name), alice, by=pat)
    return group


def test_the_weeks_registers_are_printed_in_one_pdf(login, pat, fern, alice):
    from isotp.models import AccessLog
    from programme.models import GroupSession
    from tests.factories import Role, make_staff
    from tests.pdf_text import pdf_text

    # Three days of this week without a bank holiday (every week has at least three).
    first_day, second_day, third_day = meeting_weekdays_this_week()[:3]
    monday = group_meeting_this_week(
        pat, [fern], first_day, ["Mondayman", "Secondmondayman"], alice
    )
    group_meeting_this_week(pat, [fern], third_day, ["Wednesdayman"], alice)
    other = make_staff("fred.facilitator", Role.FACILITATOR, fern.office)
    group_meeting_this_week(pat, [other], second_day, ["Hiddenman"], alice)

    client = login(fern)
    home = client.get(reverse("programme:facilitator_home")).content.decode()
    assert reverse("programme:week_registers_pdf") in home
    assert "Print this week’s registers" in home
    response = client.get(reverse("programme:week_registers_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    first = this_monday() + timedelta(days=first_day)
    wednesday = this_monday() + timedelta(days=third_day)
    # Each register named as the session is ("Session 3 — Module 1: …").
    name = GroupSession.objects.named().get(group=monday, number=3).name
    assert f"{name} (3 of 35), {first:%A} {first.day} {first:%B %Y}" in text
    assert f"{name} (3 of 35), {wednesday:%A} {wednesday.day} {wednesday:%B %Y}" in text
    for name in ("Mondayman", "Secondmondayman", "Wednesdayman"):
        assert name in text
    assert "Hiddenman" not in text
    log = AccessLog.objects.filter(staff=fern, view="programme:week_registers_pdf").get()
    assert log.action == "print"
    assert f"programme.Group:{monday.pk}" in log.records
    # The men shown are in the log (their offenders), the other facilitator's man is not.
    shown = set(log.offender_ids)
    assert len(shown) == 3


def test_a_week_with_no_session_has_nothing_to_print(login, fern):
    response = login(fern).get(reverse("programme:week_registers_pdf"), follow=True)
    assert "None of your groups has a session this week" in response.content.decode()


def test_only_facilitators_print_the_weeks_registers(login, pat, alice):
    for user in (pat, alice):
        assert login(user).get(reverse("programme:week_registers_pdf")).status_code == 404


def test_the_weeks_registers_take_the_same_queries_however_many_groups(
    login, pat, fern, alice, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    days = meeting_weekdays_this_week()
    group_meeting_this_week(pat, [fern], days[0], ["Oneman"], alice)
    client = login(fern)
    client.get(reverse("programme:facilitator_home"))  # the session renewed
    # Both prints rendered afresh (a print asked again is served from the store of PDFs).
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("programme:week_registers_pdf"))
    for weekday, names in ((days[1], ["Twoman", "Threeman"]), (days[2], ["Fourman", "Fiveman"])):
        group_meeting_this_week(pat, [fern], weekday, names, alice)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("programme:week_registers_pdf"))
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_managers_allocating_several_at_once_never_overfill_the_group(office, alice, pat, fern):
    import threading

    from django.db import connection

    from programme.services.scheduling import placements_allocate
    from referrals.models import ClosingReason, Programme, StatusTransition
    from referrals.reference_data import ensure_reference_data
    from tests.factories import allocation_day

    ensure_reference_data(Programme, StatusTransition, ClosingReason)
    Programme.objects.filter(code="isotp").update(max_group_size=3)
    group = make_group(pat, [fern])
    referrals = [make_ready_referral(make_offender(alice), alice) for _ in range(4)]
    barrier = threading.Barrier(2)
    refusals = []

    def allocate(batch):
        try:
            barrier.wait()
            _, refused = placements_allocate(
                group=group, referrals=batch, by=pat, on=allocation_day(group)
            )
            refusals.extend(reason for _, reason in refused)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=allocate, args=(batch,)) for batch in (referrals[:2], referrals[2:])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert group.placements.count() == 3
    assert refusals == ["The group is full: it has 3 of 3 places taken"]
