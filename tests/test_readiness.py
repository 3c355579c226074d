"""Readiness follows the pre-programme checklist: saving the last item makes the referral
ready for allocation by itself, undoing one takes it back, each as a recorded automatic move."""

from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone

from programme.services.one_to_ones import one_to_one_record, one_to_one_schedule
from referrals.models import ReferralError, ReferralStatus, StatusTransition
from referrals.services import (
    CHECKLIST_LOCKED_MESSAGE,
    NOT_READY_NOTE,
    READY_NOTE,
    checklist_save,
)
from tests.factories import (
    complete_checklist,
    make_group,
    make_offender,
    make_ready_referral,
    make_referral,
)


@pytest.fixture
def offender(alice):
    return make_offender(alice)


def checklist_data(**overrides) -> dict:
    """Every item of the checklist done, as the form posts it."""
    data = {"additional_reports_not_available": "on", "interview_attended": "yes"}
    for field in (
        "psr_provided_on",
        "cps_pack_provided_on",
        "previous_convictions_provided_on",
        "liaison_on",
        "understands_requirements_on",
        "interview_on",
    ):
        data.update({f"{field}_0": "10", f"{field}_1": "1", f"{field}_2": "2026"})
    data.update(interview_outcome="suitable", liaison_notes="", information_format="")
    data.update(overrides)
    return data


def checklist_url(referral) -> str:
    return reverse("referrals:referral_checklist", args=[referral.pk])


def test_saving_the_last_checklist_item_makes_the_referral_ready_for_allocation(
    login, alice, fern, offender
):
    referral = make_referral(offender, alice)
    client = login(alice)
    client.post(checklist_url(referral), checklist_data(liaison_on_0=""))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_ASSESSMENT
    # The interview comes from his pre-group one-to-one, recorded by the facilitator.
    held_on = date(2026, 1, 10)
    one_to_one = one_to_one_schedule(
        referral=referral,
        kind="pre_group",
        on=held_on,
        start_time=time(10, 0),
        place="Riverside",
        facilitators=[fern],
        by=alice,
        today=held_on,
    )
    one_to_one_record(one_to_one=one_to_one, attended=True, outcome="suitable", notes="", by=fern)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_ASSESSMENT  # liaison still missing

    before = timezone.now()
    response = client.post(checklist_url(referral), checklist_data(), follow=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_ALLOCATION
    page = response.content.decode()
    assert "The pre-programme checklist was saved: the referral is now “Ready for allocation”" in (
        page
    )
    assert '<strong class="govuk-tag govuk-tag--blue">Ready for allocation</strong>' in page
    assert "Awaiting assessment interview → Ready for allocation" in page
    assert READY_NOTE in page
    move = referral.status_changes.last()
    assert (move.from_status, move.to_status, move.by, move.note) == (
        ReferralStatus.AWAITING_ASSESSMENT,
        ReferralStatus.AWAITING_ALLOCATION,
        alice,
        READY_NOTE,
    )
    assert move.at >= before


def test_undoing_an_item_takes_a_ready_referral_back_to_pre_programme_work(login, alice, offender):
    referral = make_ready_referral(offender, alice)
    client = login(alice)
    response = client.post(
        checklist_url(referral),
        checklist_data(liaison_on_0="", liaison_on_1="", liaison_on_2=""),
        follow=True,
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_ASSESSMENT
    page = response.content.decode()
    assert "the referral is now “Awaiting assessment interview”" in page
    move = referral.status_changes.last()
    assert (move.from_status, move.to_status, move.by) == (
        ReferralStatus.AWAITING_ALLOCATION,
        ReferralStatus.AWAITING_ASSESSMENT,
        alice,
    )
    assert move.note == NOT_READY_NOTE.format(
        missing="Liaison with facilitators about commencement"
    )


def test_saving_a_complete_checklist_again_moves_nothing(alice, offender):
    referral = make_ready_referral(offender, alice)
    moves = referral.status_changes.count()
    assert checklist_save(checklist=referral.checklist, by=alice) is None
    assert referral.status_changes.count() == moves


def test_ready_for_allocation_is_no_longer_offered_by_hand_from_pre_programme_work(
    login, alice, offender
):
    referral = make_referral(offender, alice)
    complete_checklist(referral)  # saved directly, as before readiness followed it
    assert "awaiting_allocation" not in [m.to_status for m in referral.allowed_moves()]
    with pytest.raises(ReferralError, match="cannot be moved to “ready for allocation”"):
        referral.move_to("awaiting_allocation", by=alice)
    page = login(alice).get(reverse("programme:referral_move", args=[referral.pk]))
    assert 'value="awaiting_allocation"' not in page.content.decode()


@pytest.mark.django_db
def test_the_readiness_moves_are_automatic_rows_of_the_allowed_moves():
    ready = StatusTransition.objects.get(
        from_status="awaiting_assessment", to_status="awaiting_allocation"
    )
    back = StatusTransition.objects.get(
        from_status="awaiting_allocation", to_status="awaiting_assessment"
    )
    assert ready.automatic and back.automatic


def test_a_parked_referral_stays_parked_when_the_checklist_completes(login, alice, offender):
    referral = make_referral(offender, alice)
    referral.move_to("suitable_not_ready", by=alice, note="Needs to settle his housing first")
    client = login(alice)
    assert "saving the checklist does not change that" in (
        client.get(checklist_url(referral)).content.decode()
    )
    response = client.post(checklist_url(referral), checklist_data(), follow=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUITABLE_NOT_READY
    assert "He is parked as “suitable but not ready”" in response.content.decode()


def test_back_to_pre_programme_work_with_a_complete_checklist_goes_on_to_ready(
    login, alice, offender
):
    referral = make_referral(offender, alice)
    referral.move_to("suitable_not_ready", by=alice)
    complete_checklist(referral, by=alice)
    login(alice).post(
        reverse("programme:referral_move", args=[referral.pk]),
        {"to_status": "awaiting_assessment", "note": "Housing settled"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_ALLOCATION
    assert list(referral.status_changes.values_list("to_status", flat=True))[-2:] == [
        "awaiting_assessment",
        "awaiting_allocation",
    ]


def test_the_checklist_is_locked_once_he_has_a_place(login, alice, pat, fern, offender):
    from programme.services.scheduling import placement_allocate

    referral = make_ready_referral(offender, alice)
    group = make_group(pat, [fern], start_date=date(2026, 2, 2))
    placement_allocate(group=group, referral=referral, by=pat, on=group.start_date)
    referral.refresh_from_db()
    message = CHECKLIST_LOCKED_MESSAGE.format(status="scheduled")
    client = login(alice)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert checklist_url(referral) not in page
    response = client.post(
        checklist_url(referral),
        checklist_data(liaison_on_0="", liaison_on_1="", liaison_on_2=""),
        follow=True,
    )
    assert message in response.content.decode()
    assert message in client.get(checklist_url(referral), follow=True).content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCHEDULED
    assert referral.checklist.liaison_on is not None
    with pytest.raises(ReferralError, match="can no longer be changed"):
        checklist_save(checklist=referral.checklist, by=alice)


def test_a_parked_referral_is_offered_ready_only_once_the_checklist_is_complete(
    login, alice, offender
):
    referral = make_referral(offender, alice)
    referral.move_to("suitable_not_ready", by=alice)
    offered = [m.to_status for m in referral.allowed_moves()]
    assert "awaiting_allocation" not in offered
    page = login(alice).get(reverse("programme:referral_move", args=[referral.pk]))
    assert 'value="awaiting_allocation"' not in page.content.decode()
    complete_checklist(referral, by=alice)
    referral.refresh_from_db()
    assert "awaiting_allocation" in [m.to_status for m in referral.allowed_moves()]
