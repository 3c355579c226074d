"""Subject access requests: an auditor downloads everything the app holds about one man, as a
PDF and a JSON file in one ZIP; withheld values are listed, never shown; the request is logged;
for everyone else the page does not exist."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.auditing.subject_access import FIELDS, NOT_ABOUT_HIM, Withhold
from programme.models import Appointment, Enforcement, TreatmentTarget
from programme.services.enforcement import enforcement_decide, risk_review_record
from programme.services.post_programme import (
    recommendation_update,
    report_save,
    report_start,
    report_submit,
)
from programme.services.register import catch_up_record
from referrals.models import Referral
from tests.factories import (
    make_handover,
    make_offence,
    make_offender,
    make_placement,
    make_reassessment,
    record,
)
from tests.pdf_text import assert_accessible_pdf, pdf_text

RISK_NOTE = "Said he still visits the forum where he met the victim"
RISK_NOTE_REWORDED = "Still visits the forum where he met the victim, he said"
RECEIVED = {"received_on_0": "20", "received_on_1": "11", "received_on_2": "2026"}


def url(offender) -> str:
    return reverse("programme:subject_access", args=[offender.pk])


@pytest.fixture
def adam(placement, alice, fern, login):
    """Adam, on Alice's caseload, with a place in Fern's group: an unacceptable absence (a
    formal warning given, made up by a catch-up), a risk-relevant note, an amended outcome, a
    changed record, and Alice having looked at his page."""
    offender = placement.referral.offender
    make_offence(offender, description="Making indecent images of children (online)")
    sessions = list(placement.group.sessions.order_by("number"))
    record(sessions[0], placement, "unacceptable_absence", fern)
    catch_up_record(
        catch_up=placement.catch_ups.get(session=sessions[0]),
        held_on=sessions[0].date + timedelta(days=2),
        facilitator=fern,
        completed=True,
        note="Covered the session's work",
        by=fern,
    )
    record(sessions[1], placement, "attended", fern, note=RISK_NOTE, risk_relevant=True)
    # The note is reworded later: neither wording may appear.
    record(
        sessions[1],
        placement,
        "attended",
        fern,
        note=RISK_NOTE_REWORDED,
        risk_relevant=True,
        change_reason="Reworded",
    )
    record(sessions[2], placement, "acceptable_absence", fern, absence_reason="medical")
    record(
        sessions[2], placement, "attended", fern, change_reason="He came in late: register fixed"
    )
    enforcement_decide(
        enforcement=Enforcement.objects.get(attendance__placement=placement),
        decision="warning_given",
        reason="",
        by=alice,
    )
    offender.interpreter_language = "Polish"
    offender.save()
    login(alice).get(reverse("programme:offender", args=[offender.pk]))
    return offender


def download(client, offender, **data):
    response = client.post(url(offender), {"reference": "SAR-2026-0142", **RECEIVED, **data})
    assert response.status_code == 200, response.content[:500]
    return response


def unzip(response) -> tuple[str, dict, list[str]]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    crn = names[0].removeprefix("subject-access-")[:7]
    pdf = archive.read(f"subject-access-{crn}.pdf")
    data = json.loads(archive.read(f"subject-access-{crn}.json"))
    return pdf, data, names


def test_an_auditor_downloads_one_zip_with_a_pdf_and_a_json_file(adam, audrey, login):
    response = download(login(audrey), adam)

    assert response["Content-Type"] == "application/zip"
    today = timezone.localdate().isoformat()
    assert (
        f'attachment; filename="subject-access-{adam.crn}-{today}.zip"'
        == response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]
    pdf, data, names = unzip(response)
    assert sorted(names) == [f"subject-access-{adam.crn}.json", f"subject-access-{adam.crn}.pdf"]
    assert_accessible_pdf(pdf, "Subject access response")
    assert data["subject"] == {"id": adam.pk, "crn": adam.crn, "name": "Adam Placedperson"}
    assert data["request"]["reference"] == "SAR-2026-0142"
    assert data["request"]["received_on"] == "2026-11-20"


def test_the_pdf_and_the_json_hold_his_records_history_letters_and_who_looked(adam, audrey, login):
    pdf, data, _ = unzip(download(login(audrey), adam))
    text = " ".join(pdf_text(pdf).split())
    reason = adam.assessments.get().reasons[0]

    # His record and an assessment's reasons.
    assert "Adam Placedperson" in text and adam.crn in text
    assert data["offender"][0]["crn"] == adam.crn
    assert " ".join(reason.split()) in text
    assert data["assessments"][0]["reasons"][0] == reason
    assert data["assessments"][0]["outcome"] == "eligible"
    assert data["assessments"][0]["outcome_display"] == "Eligible for i-SOTP"

    # An attendance outcome and its amendment.
    attendances = data["placements"][0]["attendances"]
    assert attendances[0]["outcome"] == "unacceptable_absence"
    assert attendances[0]["outcome_display"] == "Unacceptable absence"
    assert "Unacceptable absence" in text
    amendment = attendances[2]["amendments"][0]
    assert amendment["old_outcome"] == "acceptable_absence"
    assert amendment["new_outcome"] == "attended"
    assert amendment["reason"] == "He came in late: register fixed"
    assert "He came in late: register fixed" in text

    # The enforcement decision, and the warning letter worded as its PDF words it.
    assert data["enforcement"][0]["decision"] == "warning_given"
    assert "Formal warning given" in text
    warning = next(letter for letter in data["letters"] if "warning" in letter["title"])
    assert "This is a formal warning." in " ".join(warning["text"])
    assert "This letter is a formal warning under your community order." in text
    information = data["letters"][0]
    assert "Dear Adam Placedperson," in information["text"]

    # A change in the history: his interpreter language was set.
    change = next(
        c
        for entry in data["change_history"]
        for c in entry["changes"]
        if c["field"] == "interpreter_language"
    )
    assert (change["old"], change["new"]) == ("", "Polish")
    assert "Interpreter language: — → Polish" in text

    # Alice looked at his page earlier: the consultation log says so.
    looked = [e for e in data["consultation_log"] if e["staff"] == "Alice Testington"]
    assert looked and (looked[0]["action"], looked[0]["action_display"]) == ("view", "Viewed")
    assert looked[0]["role"] == "Offender manager"
    assert "Alice Testington (offender manager)" in text


def test_a_risk_relevant_note_is_withheld_and_listed_with_its_exemption(adam, audrey, login):
    pdf, data, _ = unzip(download(login(audrey), adam))
    text = " ".join(pdf_text(pdf).split())
    raw = json.dumps(data)

    for note in (RISK_NOTE, RISK_NOTE_REWORDED):
        assert note not in text
        assert note not in raw
    note = data["placements"][0]["attendances"][1]
    assert note["note"] is None and note["withheld_fields"] == ["note"]
    withheld = {(w["record_type"], w["field"]): w for w in data["withheld"]}
    assert withheld[("programme.Attendance", "note")]["exemption"] == (
        "Data Protection Act 2018, s.45(4)(b) and (e)"
    )
    assert withheld[("programme.Notice", "message")]["field_label"] == "Message"
    # Its rewording, in the change history, is listed as withheld too, without the words.
    reworded = [
        c
        for entry in data["change_history"]
        for c in entry["changes"]
        if entry["record_type"] == "programme.Attendance" and c["field"] == "note"
    ]
    assert reworded == [{"field": "note", "label": "Note", "withheld": True}]
    assert "Withheld" in text
    assert "s.45(4)(b)and(e)" in "".join(text.split())


@pytest.mark.parametrize("character", ["alice", "pat", "fern", "ada", "otto"])
def test_nobody_but_an_auditor_may_make_a_subject_access_request(adam, character, request, login):
    client = login(request.getfixturevalue(character))
    before = AccessLog.objects.count()

    assert client.get(url(adam)).status_code == 404
    assert client.post(url(adam), {"reference": "SAR-1", **RECEIVED}).status_code == 404
    assert AccessLog.objects.count() == before


def test_signed_out_users_are_sent_to_sign_in(adam, client):
    client.logout()
    response = client.get(url(adam))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_offender_who_does_not_exist_is_a_404_for_an_auditor_too(audrey, login):
    assert login(audrey).get("/subject-access/999999/").status_code == 404


def test_the_page_names_him_says_what_is_included_and_is_logged(adam, audrey, login):
    response = login(audrey).get(url(adam))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Adam Placedperson" in page and adam.crn in page
    assert "What is included" in page and "What is withheld" in page
    assert "s.45(4)(b) and (e)" in page
    row = AccessLog.objects.filter(staff=audrey).get()
    assert (row.action, row.record_type, row.record_id) == (
        "view",
        "referrals.Offender",
        str(adam.pk),
    )


def test_the_request_is_logged_with_its_reference(adam, audrey, login):
    download(login(audrey), adam, reference="SAR/2026/77")

    row = AccessLog.objects.get(action="subject_access")
    assert row.staff == audrey
    assert (row.record_type, row.record_id) == ("referrals.Offender", str(adam.pk))
    assert row.offender_ids == [adam.pk]
    assert (row.view, row.reason) == ("programme:subject_access", "SAR/2026/77")
    # The next response lists this request among the consultations, with its reference.
    _, data, _ = unzip(download(login(audrey), adam, reference="SAR/2026/78"))
    earlier = [e for e in data["consultation_log"] if e["action"] == "subject_access"]
    assert [e["reason"] for e in earlier] == ["SAR/2026/77"]


def test_a_missing_reference_is_a_gov_uk_error_and_the_typed_date_is_kept(adam, audrey, login):
    response = login(audrey).post(url(adam), {"reference": "", **RECEIVED})

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter the request reference" in page
    assert 'value="20"' in page and 'value="2026"' in page
    assert not AccessLog.objects.filter(action="subject_access").exists()


def test_a_reference_too_long_or_a_date_in_the_future_is_refused(adam, audrey, login):
    client = login(audrey)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        url(adam),
        {
            "reference": "X" * 101,
            "received_on_0": tomorrow.day,
            "received_on_1": tomorrow.month,
            "received_on_2": tomorrow.year,
        },
    )

    page = response.content.decode()
    assert "The request reference must be 100 characters or fewer" in page
    assert "The date the request was received cannot be in the future" in page


@pytest.fixture
def finished(group, alice, pat, fern):
    """Fred, who attended every session: his report submitted, a recommendation done, the
    handover held, re-assessed, a risk review and an appointment recorded."""
    offender = make_offender(alice, first_name="Fred", last_name="Finisher")
    place = make_placement(group, offender, alice, by=pat)
    for session in group.sessions.order_by("number"):
        record(session, place, "attended", fern, note="Took part", homework_done=True)
    referral = Referral.objects.get(pk=place.referral_id)
    report = report_start(referral=referral, by=fern)
    report_save(
        report=report,
        overall_progress="Engaged throughout",
        risk_factors="Isolation at weekends",
        relapse_prevention_plan="Filtering software; weekly contact with his brother",
        progress={
            t.pk: "Good progress" for t in TreatmentTarget.objects.filter(programme=group.programme)
        },
        recommendations=["Attend a Circles of Support group"],
        by=fern,
    )
    report_submit(report=report, by=fern)
    make_handover(referral, alice, held_on=timezone.localdate(), notes="All three present")
    make_reassessment(
        referral, alice, oasys_on=timezone.localdate(), rm2000_on=timezone.localdate()
    )
    recommendation_update(
        recommendation=referral.recommendations.get(),
        status="done",
        owner=alice,
        due_on=None,
        not_pursued_reason="",
        note="Joined the Circles group",
        by=alice,
    )
    risk_review_record(
        offender=offender,
        oasys_on=timezone.localdate(),
        risk_of_serious_harm="low",
        what_changed="Completed the programme",
        by=alice,
    )
    Appointment.objects.create(
        offender=offender, on=timezone.localdate(), purpose="Review", recorded_by=alice
    )
    return offender


def test_a_finished_programme_is_all_there(finished, audrey, login):
    pdf, data, _ = unzip(download(login(audrey), finished))
    text = " ".join(pdf_text(pdf).split())

    assert len(data["placements"][0]["attendances"]) == 35
    report = data["end_of_programme_reports"][0]
    assert report["status_display"] == "Submitted"
    assert report["relapse_prevention_plan"].startswith("Filtering software")
    assert report["progress"][0]["progress"] == "Good progress"
    assert data["recommendations"][0]["notes"][0]["text"] == "Joined the Circles group"
    assert data["handover_meetings"][0]["notes"] == "All three present"
    assert data["reassessments"][0]["what_changed"] == "Completed the programme"
    assert data["risk_reviews"][0]["risk_of_serious_harm_display"] == "Low"
    assert data["appointments"][0]["purpose"] == "Review"
    assert data["withheld"] == []
    assert "Filtering software; weekly contact with his brother" in text
    assert "Nothing is withheld." in text


def test_the_download_runs_a_fixed_number_of_queries_however_long_his_record(
    adam, finished, audrey, login, django_assert_max_num_queries
):
    client = login(audrey)
    with django_assert_max_num_queries(QUERIES):
        download(client, adam)
    with django_assert_max_num_queries(QUERIES):
        download(client, finished)


# The same bound for a man with three sessions and for one with all 35 and everything after:
# one query per kind of record (22), one per kind of change history (at most 19), the staff
# who made the changes, the consultation log, the information letter's few, and the request's
# own (session, user, the log row).
QUERIES = 55


def test_every_field_of_his_records_is_shown_or_withheld_by_the_table():
    """A field added to a model of referrals or programme must be placed in FIELDS (shown, or
    withheld with its exemption), or its model declared not about him in NOT_ABOUT_HIM."""
    missing = []
    for app in ("referrals", "programme"):
        for model in apps.get_app_config(app).get_models():
            if hasattr(model, "pgh_tracked_model"):
                continue  # the change-history tables: read through their records
            if model in NOT_ABOUT_HIM:
                continue
            if model not in FIELDS:
                missing.append(f"{model._meta.label} (the whole model)")
                continue
            names = {f.name for f in model._meta.get_fields() if f.concrete}
            missing += [f"{model._meta.label}.{n}" for n in sorted(names - set(FIELDS[model]))]
            extra = set(FIELDS[model]) - names
            assert not extra, f"{model._meta.label}: no such fields {extra}"
    assert not missing, "Say whether the subject access response shows these: " + ", ".join(missing)


def test_every_withheld_field_names_its_exemption():
    rules = [rule for fields in FIELDS.values() for rule in fields.values()]
    withheld = [rule for rule in rules if isinstance(rule, Withhold)]
    assert withheld
    assert all(r.exemption.startswith("Data Protection Act 2018, s.45(4)") for r in withheld)


def test_a_received_date_before_the_act_is_refused(adam, audrey, login):
    response = login(audrey).post(
        url(adam),
        {"reference": "SAR-1", "received_on_0": "1", "received_on_1": "1", "received_on_2": "2018"},
    )
    assert "on or after 25 May 2018" in response.content.decode()


def test_the_auditor_answers_for_a_restricted_case_but_not_one_he_is_excluded_from(
    adam, audrey, login, events
):
    from referrals.models import CaseAccess

    offender = adam
    offender.restricted = True
    offender.save()
    keeper = offender.offender_manager
    CaseAccess.objects.create(offender=offender, staff=keeper, kind="allowed", note="His OM")
    url = reverse("programme:subject_access", args=[offender.pk])
    client = login(audrey)
    page = client.get(url)
    assert page.status_code == 200
    assert "This is a restricted case" in page.content.decode()
    assert [e["offender_id"] for e in events() if e["event"].startswith("restricted_case")] == [
        offender.pk
    ]

    CaseAccess.objects.create(offender=offender, staff=audrey, kind="excluded", note="Neighbour")
    assert client.get(url).status_code == 404


def test_a_download_too_slow_to_produce_says_so_and_keeps_what_was_typed(
    adam, audrey, login, settings
):
    settings.PDF_RENDER_TIMEOUT_SECONDS = 0.001  # no PDF renders that fast
    response = login(audrey).post(url(adam), {"reference": "SAR-2026-117", **RECEIVED})

    page = response.content.decode()
    assert response.status_code == 503
    assert "govuk-error-summary" in page
    assert "took too long to produce and was stopped, so nothing was sent" in page
    assert 'value="SAR-2026-117"' in page and 'value="2026"' in page
    # Nothing was sent, so no subject access is on the log.
    assert not AccessLog.objects.filter(action="subject_access").exists()


def test_a_non_association_is_listed_without_the_other_man_or_the_reason(
    adam, alice, audrey, login
):
    from programme.services.non_associations import non_association_record
    from tests.factories import make_offender

    other = make_offender(alice, first_name="Keptapart", last_name="Otherman")
    non_association_record(
        offender=adam, other=other, kind="victim_relative", reason="Threats at court", by=alice
    )
    pdf, data, _ = unzip(download(login(audrey), adam))
    text = " ".join(pdf_text(pdf).split())
    raw = json.dumps(data)
    assert "Relative of a victim" in text
    for secret in ("Threats at court", other.crn, "Otherman"):
        assert secret not in text and secret not in raw
    listed = data["non_associations"][0]
    assert set(listed["withheld_fields"]) == {"other", "reason"}
    withheld = {(w["record_type"], w["field"]) for w in data["withheld"]}
    assert ("programme.NonAssociation", "reason") in withheld
