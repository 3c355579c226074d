from datetime import date

import pytest
from django.urls import reverse

from referrals.eligibility import PROPOSAL_WORDING
from referrals.models import Assessment, ReferralError
from referrals.services import NOT_ACCREDITED_MESSAGE
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


def test_missing_oasys_gives_not_eligible_with_that_reason(login, alice, offender):
    data = assessment_form_data(
        oasys_completed_on_0="",
        oasys_completed_on_1="",
        oasys_completed_on_2="",
        risk_of_serious_harm="",
    )
    login(alice).post(reverse("referrals:assessment_create", args=[offender.pk]), data)
    assessment = Assessment.objects.get()
    assert assessment.outcome == "not_eligible"
    assert assessment.reasons == ["OASys has not been completed: it is required before an outcome"]


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
            assessment_form_data(assessed_on_2="2099"),
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


def test_programme_manager_of_the_office_can_read_an_assessment(login, alice, pat, offender):
    assessment = make_assessment(offender, alice)
    assert login(pat).get(assessment.get_absolute_url()).status_code == 200
