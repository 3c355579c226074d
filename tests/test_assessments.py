from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from referrals.eligibility import PROPOSAL_WORDING
from referrals.models import Assessment, ReferralError
from referrals.services import (
    ASSESSMENT_LOCKED_MESSAGE,
    ASSESSMENT_REPLACED_MESSAGE,
    NOT_ACCREDITED_MESSAGE,
    assessment_record,
)
from tests.factories import make_assessment, make_offence, make_offender


@pytest.fixture
def offender(alice):
    offender = make_offender(alice, order_start=date(2026, 1, 5), order_end=date(2029, 1, 4))
    make_offence(offender)
    return offender


def assessment_form_data(**overrides):
    data = {
        "stage": "pre_sentence",
        "assessed_on_0": "2",
        "assessed_on_1": "1",
        "assessed_on_2": "2026",
        "internet_offence_confirmed": "on",
        "oasys_completed_on_0": "20",
        "oasys_completed_on_1": "12",
        "oasys_completed_on_2": "2025",
        "risk_of_serious_harm": "medium",
        "rm2000_completed_on_0": "21",
        "rm2000_completed_on_1": "12",
        "rm2000_completed_on_2": "2025",
        "rm2000_category": "low",
        "deviance": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_accredited_manager_records_an_eligible_assessment_and_sees_why(login, alice, offender):
    client = login(alice)
    url = reverse("referrals:assessment_create", args=[offender.pk])
    response = client.post(url, assessment_form_data())
    assessment = Assessment.objects.get()
    assert response.url == assessment.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "Eligible for i-SOTP" in page
    assert "Convicted of a sexual offence related to the use of the internet" in page
    assert PROPOSAL_WORDING in page
    assert assessment.assessor == alice


def test_unaccredited_manager_is_refused_with_the_reason_on_get_and_post(login, uma):
    offender = make_offender(uma)
    client = login(uma)
    url = reverse("referrals:assessment_create", args=[offender.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert "three-day accredited training" in response.content.decode()
    response = client.post(url, assessment_form_data())
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_the_service_refuses_an_unaccredited_assessor_too(uma):
    offender = make_offender(uma)
    with pytest.raises(ReferralError, match="three-day accredited training"):
        make_assessment(offender, uma)
    assert NOT_ACCREDITED_MESSAGE.startswith("You cannot record an assessment")


def test_very_high_risk_is_stored_as_refer_to_nsogp_with_its_reason(login, alice, offender):
    login(alice).post(
        reverse("referrals:assessment_create", args=[offender.pk]),
        assessment_form_data(risk_of_serious_harm="very_high"),
    )
    assessment = Assessment.objects.get()
    assert assessment.outcome == "refer_nsogp"
    assert assessment.outcome_programme.code == "nsogp"
    assert "Very high risk of serious harm" in assessment.reasons[0]


WITHOUT_OASYS = {
    "oasys_completed_on_0": "",
    "oasys_completed_on_1": "",
    "oasys_completed_on_2": "",
    "risk_of_serious_harm": "",
}
WITHOUT_RM2000 = {
    "rm2000_completed_on_0": "",
    "rm2000_completed_on_1": "",
    "rm2000_completed_on_2": "",
    "rm2000_category": "",
}


def test_missing_oasys_saves_an_incomplete_assessment_that_says_what_is_missing(
    login, alice, offender
):
    client = login(alice)
    response = client.post(
        reverse("referrals:assessment_create", args=[offender.pk]),
        assessment_form_data(**WITHOUT_OASYS),
        follow=True,
    )
    assessment = Assessment.objects.get()
    assert (assessment.outcome, assessment.reasons, assessment.outcome_programme) == ("", [], None)
    page = response.content.decode()
    assert "Assessment saved as incomplete: OASys missing" in page
    assert "Incomplete: missing OASys" in page
    assert "OASys: record the date it was completed and the risk of serious harm" in page
    assert reverse("referrals:assessment_edit", args=[assessment.pk]) in page
    assert "Not eligible" not in page
    assert PROPOSAL_WORDING not in page
    assert "waiting list" not in page


def test_an_assessment_missing_both_names_both(alice, offender):
    assessment = make_assessment(
        offender,
        alice,
        oasys_completed_on=None,
        risk_of_serious_harm="",
        rm2000_completed_on=None,
        rm2000_category="",
    )
    assert assessment.outcome_label == "Incomplete: missing OASys and RM2000"


def test_completing_an_incomplete_assessment_gives_its_outcome(login, alice, offender):
    assessment = make_assessment(offender, alice, rm2000_completed_on=None, rm2000_category="")
    client = login(alice)
    url = reverse("referrals:assessment_edit", args=[assessment.pk])
    assert "Missing: RM2000" in client.get(url).content.decode()
    response = client.post(url, assessment_form_data(), follow=True)
    assessment.refresh_from_db()
    assert assessment.outcome == "eligible"
    assert assessment.outcome_programme.code == "isotp"
    page = response.content.decode()
    assert "Assessment recorded: Eligible for i-SOTP" in page
    assert PROPOSAL_WORDING in page
    assert Assessment.objects.count() == 1


def test_saving_an_incomplete_assessment_again_without_the_missing_parts_keeps_it_incomplete(
    login, alice, offender
):
    assessment = make_assessment(offender, alice, oasys_completed_on=None, risk_of_serious_harm="")
    login(alice).post(
        reverse("referrals:assessment_edit", args=[assessment.pk]),
        assessment_form_data(notes="Waiting for OASys", **WITHOUT_OASYS),
    )
    assessment.refresh_from_db()
    assert (assessment.outcome, assessment.notes) == ("", "Waiting for OASys")


def test_a_completed_assessment_cannot_be_edited(login, alice, offender):
    assessment = make_assessment(offender, alice, internet_offence_confirmed=False)
    client = login(alice)
    url = reverse("referrals:assessment_edit", args=[assessment.pk])
    response = client.post(url, assessment_form_data(), follow=True)
    assert ASSESSMENT_LOCKED_MESSAGE in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.outcome == "not_eligible"
    with pytest.raises(ReferralError, match="its outcome is kept as it was decided"):
        assessment_record(offender=offender, assessment=assessment, by=alice)


def test_an_incomplete_assessment_replaced_by_a_later_one_cannot_be_completed(
    login, alice, offender
):
    old = make_assessment(
        offender,
        alice,
        assessed_on=date(2026, 1, 1),
        oasys_completed_on=None,
        risk_of_serious_harm="",
    )
    make_assessment(offender, alice, assessed_on=date(2026, 1, 3))
    response = login(alice).post(
        reverse("referrals:assessment_edit", args=[old.pk]), assessment_form_data(), follow=True
    )
    assert ASSESSMENT_REPLACED_MESSAGE in response.content.decode()
    old.refresh_from_db()
    assert old.outcome == ""


def test_an_unaccredited_manager_cannot_complete_an_assessment(login, alice, uma, offender):
    assessment = make_assessment(offender, alice, oasys_completed_on=None, risk_of_serious_harm="")
    offender.offender_manager = uma
    offender.save()
    response = login(uma).post(
        reverse("referrals:assessment_edit", args=[assessment.pk]), assessment_form_data()
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.outcome == ""


def test_the_database_refuses_an_outcome_without_oasys_and_rm2000(alice, offender):
    assessment = make_assessment(offender, alice, oasys_completed_on=None, risk_of_serious_harm="")
    assessment.outcome = "not_eligible"
    with pytest.raises(IntegrityError), transaction.atomic():
        assessment.save()


def test_the_stored_outcome_does_not_change_when_the_record_changes_later(alice, offender):
    assessment = make_assessment(offender, alice)
    offender.gender = "female"
    offender.save()
    assessment.refresh_from_db()
    assert assessment.outcome == "eligible"


def test_deviance_is_refused_on_a_pre_sentence_assessment(login, alice, offender):
    response = login(alice).post(
        reverse("referrals:assessment_create", args=[offender.pk]),
        assessment_form_data(deviance="high"),
    )
    assert "Only record a deviance level for a post-sentence assessment" in (
        response.content.decode()
    )
    assert not Assessment.objects.exists()


def test_a_result_without_its_date_is_refused_keeping_the_answers(login, alice, offender):
    data = assessment_form_data(
        rm2000_completed_on_0="",
        rm2000_completed_on_1="",
        rm2000_completed_on_2="",
        notes="Kept note",
    )
    content = (
        login(alice)
        .post(reverse("referrals:assessment_create", args=[offender.pk]), data)
        .content.decode()
    )
    assert "Enter the date RM2000 was completed" in content
    assert "Kept note" in content


def test_a_future_assessment_date_is_refused(login, alice, offender):
    content = (
        login(alice)
        .post(
            reverse("referrals:assessment_create", args=[offender.pk]),
            # Next year: within the range of casework dates (isotp.limits), but in the future.
            assessment_form_data(assessed_on_2=str(date.today().year + 1)),
        )
        .content.decode()
    )
    assert "The date of assessment cannot be in the future" in content


@pytest.mark.parametrize("character", ["otto", "fern", "hilary"])
def test_others_cannot_see_or_record_assessments(request, login, alice, offender, character):
    assessment = make_assessment(offender, alice)
    client = login(request.getfixturevalue(character))
    assert client.get(assessment.get_absolute_url()).status_code == 404
    assert client.get(reverse("referrals:assessment_pdf", args=[assessment.pk])).status_code == 404
    url = reverse("referrals:assessment_create", args=[offender.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("referrals:assessment_edit", args=[assessment.pk])).status_code == 404


def test_programme_manager_of_the_office_can_read_an_assessment(login, alice, pat, offender):
    assessment = make_assessment(offender, alice)
    assert login(pat).get(assessment.get_absolute_url()).status_code == 200


def test_completing_an_assessment_refuses_the_wrong_method(login, alice, offender):
    assessment = make_assessment(offender, alice, oasys_completed_on=None, risk_of_serious_harm="")
    url = reverse("referrals:assessment_edit", args=[assessment.pk])
    assert login(alice).put(url).status_code == 405


def test_the_not_eligible_page_offers_no_proposal_wording(login, alice, offender):
    assessment = make_assessment(offender, alice, internet_offence_confirmed=False)
    page = login(alice).get(assessment.get_absolute_url()).content.decode()
    assert "Not eligible" in page
    assert PROPOSAL_WORDING not in page
