from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from referrals.models import (
    ClosingReason,
    Referral,
    ReferralError,
    ReferralStatus,
    StatusTransition,
)
from referrals.services import INCOMPLETE_CANNOT_REFER_MESSAGE, referral_create
from tests.factories import (
    complete_checklist,
    make_assessment,
    make_offender,
    make_ready_referral,
    make_referral,
)


@pytest.fixture
def offender(alice):
    return make_offender(alice)


def test_an_eligible_offender_is_referred_to_the_isotp_waiting_list(login, alice, offender):
    assessment = make_assessment(offender, alice)
    response = login(alice).post(reverse("referrals:referral_create", args=[assessment.pk]))
    referral = Referral.objects.get()
    assert response.url == referral.get_absolute_url()
    assert referral.programme.code == "isotp"
    assert referral.status == ReferralStatus.AWAITING_ASSESSMENT
    change = referral.status_changes.get()
    assert (change.by, change.to_status) == (alice, "awaiting_assessment")


def test_an_nsogp_outcome_refers_to_nsogp(alice, offender):
    referral = make_referral(offender, alice, risk_of_serious_harm="very_high")
    assert referral.programme.code == "nsogp"


def test_a_not_eligible_outcome_cannot_be_referred(login, alice, offender):
    assessment = make_assessment(offender, alice, internet_offence_confirmed=False)
    response = login(alice).post(
        reverse("referrals:referral_create", args=[assessment.pk]), follow=True
    )
    assert "cannot be referred to the waiting list" in response.content.decode()
    assert not Referral.objects.exists()


def test_an_incomplete_assessment_cannot_be_referred_and_is_not_offered(login, alice, offender):
    assessment = make_assessment(offender, alice, rm2000_completed_on=None, rm2000_category="")
    client = login(alice)
    assert "waiting list" not in client.get(assessment.get_absolute_url()).content.decode()
    response = client.post(reverse("referrals:referral_create", args=[assessment.pk]), follow=True)
    assert INCOMPLETE_CANNOT_REFER_MESSAGE.format(missing="RM2000") in response.content.decode()
    assert not Referral.objects.exists()
    with pytest.raises(ReferralError, match="incomplete"):
        referral_create(assessment=assessment, by=alice, referred_on=date(2026, 1, 5))


def test_only_the_current_assessment_can_be_used(alice, offender):
    old = make_assessment(offender, alice, assessed_on=date(2026, 1, 1))
    make_assessment(offender, alice, assessed_on=date(2026, 1, 3), internet_offence_confirmed=False)
    with pytest.raises(ReferralError, match="most recent assessment"):
        referral_create(assessment=old, by=alice, referred_on=date(2026, 1, 5))


def test_an_offender_has_at_most_one_open_referral(alice, offender):
    referral = make_referral(offender, alice)
    with pytest.raises(ReferralError, match="already has an open referral"):
        referral_create(assessment=referral.assessment, by=alice, referred_on=date(2026, 1, 6))


def test_the_database_refuses_a_second_open_referral(alice, offender):
    referral = make_referral(offender, alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            offender=offender,
            programme=referral.programme,
            assessment=referral.assessment,
            referred_on=date(2026, 2, 1),
            waiting_since=date(2026, 2, 1),
            referred_by=alice,
        )


def test_a_closed_referral_allows_a_new_one(alice, offender):
    referral = make_referral(offender, alice)
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    referral.move_to("withdrawn", by=alice, reason=reason)
    assert referral_create(assessment=referral.assessment, by=alice, referred_on=date(2026, 3, 1))


def test_a_parked_referral_cannot_be_made_ready_by_hand_while_items_are_missing(alice, offender):
    referral = make_referral(offender, alice)
    referral.move_to("suitable_not_ready", by=alice)
    with pytest.raises(ReferralError) as refusal:
        referral.move_to("awaiting_allocation", by=alice)
    message = str(refusal.value)
    assert "Pre-sentence report (PSR)" in message
    assert "CPS pack" in message
    assert "Liaison with facilitators about commencement" in message
    assert "Assessment interview with facilitators" in message
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUITABLE_NOT_READY


def test_a_document_marked_not_available_counts_as_done(alice, offender):
    referral = make_referral(offender, alice)
    checklist = complete_checklist(referral)
    checklist.psr_provided_on = None
    checklist.psr_not_available = True
    checklist.save()
    assert checklist.missing_items() == []


def test_an_interview_he_missed_keeps_the_checklist_incomplete(alice, offender):
    referral = make_referral(offender, alice)
    checklist = complete_checklist(referral)
    checklist.interview_attended = False
    checklist.interview_outcome = ""
    checklist.save()
    assert checklist.missing_items() == [
        "Assessment interview with facilitators: he did not attend"
    ]


def test_a_complete_checklist_makes_the_referral_ready_for_allocation(alice, offender):
    referral = make_ready_referral(offender, alice)
    assert referral.status == ReferralStatus.AWAITING_ALLOCATION
    assert referral.get_status_display() == "Ready for allocation"
    moves = list(referral.status_changes.values_list("to_status", flat=True))
    assert moves == ["awaiting_assessment", "awaiting_allocation"]


def test_a_move_that_is_not_in_the_allowed_list_is_refused(alice, offender):
    referral = make_referral(offender, alice)
    with pytest.raises(ReferralError, match="cannot be moved to “programme complete”"):
        referral.move_to("programme_complete", by=alice)


def test_allowed_moves_are_data(alice, offender):
    referral = make_referral(offender, alice)
    StatusTransition.objects.filter(
        from_status="awaiting_assessment", to_status="suitable_not_ready"
    ).delete()
    with pytest.raises(ReferralError):
        referral.move_to("suitable_not_ready", by=alice)


def test_automatic_moves_are_not_offered_or_allowed_by_hand(alice, offender):
    referral = make_ready_referral(offender, alice)
    assert "scheduled" not in [m.to_status for m in referral.allowed_moves()]
    with pytest.raises(ReferralError):
        referral.move_to("scheduled", by=alice)


def test_closing_moves_need_a_reason_from_the_list(login, alice, offender):
    referral = make_referral(offender, alice)
    client = login(alice)
    url = reverse("programme:referral_move", args=[referral.pk])
    response = client.post(url, {"to_status": "withdrawn", "reason": "", "note": ""})
    assert "Choose a reason for moving the referral to “withdrawn”" in response.content.decode()
    reason = ClosingReason.objects.get(status="withdrawn", text="Moved out of the area")
    response = client.post(url, {"to_status": "withdrawn", "reason": reason.pk, "note": "To Wales"})
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    change = referral.status_changes.last()
    assert (change.reason, change.note, change.by) == (reason, "To Wales", alice)


def test_a_reason_for_another_status_is_refused(alice, offender):
    referral = make_referral(offender, alice)
    wrong = ClosingReason.objects.filter(status="deselected").first()
    with pytest.raises(ReferralError, match="Choose a reason"):
        referral.move_to("withdrawn", by=alice, reason=wrong)


def test_the_checklist_form_saves_and_the_referral_page_shows_what_is_missing(
    login, alice, offender
):
    referral = make_referral(offender, alice)
    client = login(alice)
    data = {
        "psr_provided_on_0": "10",
        "psr_provided_on_1": "1",
        "psr_provided_on_2": "2026",
        "cps_pack_not_available": "on",
        "liaison_notes": "",
        "information_format": "",
        "interview_outcome": "",
    }
    response = client.post(reverse("referrals:referral_checklist", args=[referral.pk]), data)
    assert response.status_code == 302
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Given on 10 January 2026" in page
    assert "Previous convictions: record the date given to the facilitators" in page
    assert "PSR): record" not in page


def test_the_checklist_refuses_a_date_and_not_available_together(login, alice, offender):
    referral = make_referral(offender, alice)
    data = {
        "psr_provided_on_0": "10",
        "psr_provided_on_1": "1",
        "psr_provided_on_2": "2026",
        "psr_not_available": "on",
    }
    content = (
        login(alice)
        .post(reverse("referrals:referral_checklist", args=[referral.pk]), data)
        .content.decode()
    )
    assert "either give the date it was provided or tick not available, not both" in content


def test_the_ready_move_is_not_offered_and_the_form_lists_missing_items(login, alice, offender):
    referral = make_referral(offender, alice)
    referral.move_to("suitable_not_ready", by=alice)
    client = login(alice)
    url = reverse("programme:referral_move", args=[referral.pk])
    page = client.get(url).content.decode()
    assert "Ready for allocation is offered once the pre-programme checklist is complete" in page
    assert "Missing: Pre-sentence report (PSR)" in page
    # Posted anyway, it is refused with a message and nothing moves.
    content = client.post(url, {"to_status": "awaiting_allocation"}).content.decode()
    assert "The referral cannot be moved there now" in content
    referral.refresh_from_db()
    assert referral.status == "suitable_not_ready"


@pytest.mark.parametrize("character", ["otto", "fern", "hilary", "ada"])
def test_others_cannot_open_a_referral_or_its_pages(request, login, alice, offender, character):
    referral = make_referral(offender, alice)
    client = login(request.getfixturevalue(character))
    for name in ["referral", "referral_checklist", "referral_pack_pdf"]:
        assert client.get(reverse(f"referrals:{name}", args=[referral.pk])).status_code == 404
    assert client.get(reverse("programme:referral_move", args=[referral.pk])).status_code == 404


def test_referral_pages_refuse_the_wrong_method(login, alice, offender):
    referral = make_referral(offender, alice)
    client = login(alice)
    assert client.post(referral.get_absolute_url()).status_code == 405
    assessment = referral.assessment
    assert client.get(reverse("referrals:referral_create", args=[assessment.pk])).status_code == 405
