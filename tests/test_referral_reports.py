from datetime import date

from django.urls import reverse

from referrals.eligibility import PROPOSAL_WORDING
from tests.factories import (
    complete_checklist,
    make_assessment,
    make_offence,
    make_offender,
    make_referral,
)
from tests.pdf_text import assert_accessible_pdf, pdf_text


def test_the_assessment_pdf_has_the_facts_outcome_reasons_and_wording(login, alice):
    offender = make_offender(alice, first_name="Printed", last_name="Assessee", crn="P123456")
    make_offence(offender, description="Making indecent images (online)")
    assessment = make_assessment(offender, alice, risk_of_serious_harm="very_high")
    response = login(alice).get(reverse("referrals:assessment_pdf", args=[assessment.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in [
        "Printed Assessee",
        "P123456",
        "OFFICIAL-SENSITIVE",
        "Page 1 of",
        "Outcome: Refer to N-SOGP",
        "Very high risk of serious harm",
        PROPOSAL_WORDING,
        "Making indecent images (online)",
        "Pre-sentence",
    ]:
        assert expected in " ".join(text.split()), expected
    assert_accessible_pdf(response.content, "Eligibility assessment")


def test_the_assessment_pdf_of_a_not_eligible_outcome_has_no_proposal_wording(login, alice):
    offender = make_offender(alice)
    assessment = make_assessment(offender, alice, internet_offence_confirmed=False)
    response = login(alice).get(reverse("referrals:assessment_pdf", args=[assessment.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "Outcome: Not eligible" in text
    assert PROPOSAL_WORDING not in text
    assert "Proposal wording" not in text


def test_the_assessment_pdf_of_an_incomplete_assessment_has_no_outcome_and_no_wording(login, alice):
    offender = make_offender(alice)
    assessment = make_assessment(offender, alice, oasys_completed_on=None, risk_of_serious_harm="")
    response = login(alice).get(reverse("referrals:assessment_pdf", args=[assessment.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "No outcome: Incomplete: missing OASys" in text
    assert "Outcome:" not in text.replace("No outcome:", "")
    assert PROPOSAL_WORDING not in text
    assert_accessible_pdf(response.content, "Eligibility assessment")


def test_the_referral_pack_has_details_risk_documents_and_checklist(login, alice, pat):
    offender = make_offender(
        alice,
        first_name="Packed",
        last_name="Referee",
        crn="R654321",
        interpreter_language="Polish",
    )
    make_offence(offender, description="Possession of indecent images (online)")
    referral = make_referral(offender, alice)
    checklist = complete_checklist(referral, on=date(2026, 1, 12))
    checklist.cps_pack_provided_on = None
    checklist.save()
    response = login(pat).get(reverse("referrals:referral_pack_pdf", args=[referral.pk]))
    text = " ".join(pdf_text(response.content).split())
    for expected in [
        "Referral pack for facilitators: i-SOTP",
        "Packed Referee",
        "R654321",
        "Community order",
        "Possession of indecent images (online)",
        "OASys risk of serious harm Medium",
        "Interpreter: Polish",
        "Pre-sentence report (PSR) Given on 12 January 2026",
        "Additional reports Not available",
        "CPS pack Missing",
        "Checklist incomplete",
        "CPS pack: record the date",
    ]:
        assert expected in text, expected
    assert_accessible_pdf(response.content, "Referral pack")


def test_printing_a_report_is_logged(login, alice):
    from isotp.models import AccessLog

    assessment = make_assessment(make_offender(alice), alice)
    login(alice).get(reverse("referrals:assessment_pdf", args=[assessment.pk]))
    assert AccessLog.objects.filter(action="print", record_id=str(assessment.pk)).count() == 1
