"""Who looked at this man: the auditor's search of the consultation log (by person, staff
member and date, with a reason asked before one person's entries, and a CSV download safe in
a spreadsheet), and the offender manager's list of who looked at each of their men."""

import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from referrals.models import CaseAccess
from tests.factories import Role, make_offender, make_office, make_staff


def test_only_auditors_read_the_whole_log(alice, pat, fern, ada, login):
    for staff in (alice, pat, fern, ada):
        assert login(staff).get(reverse("audit:home")).status_code == 404


def test_an_auditor_gives_a_reason_before_seeing_one_persons_entries(alice, otto, audrey, login):
    offender = make_offender(alice, crn="A111111")
    other = make_offender(alice, crn="B222222")
    login(alice).get(reverse("programme:offender", args=[offender.pk]))
    login(otto).get(reverse("programme:caseload"))  # Otto's caseload: not this man
    login(alice).get(reverse("programme:offender", args=[other.pk]))
    client = login(audrey)
    url = reverse("audit:home") + "?person=a111111"

    asked = client.get(url).content.decode()
    assert "Why do you need to see this person" in asked
    assert "alice.accredited" not in asked
    refused = client.post(url, {"reason": ""}).content.decode()
    assert "Enter why you need to see this person" in refused
    response = client.post(url, {"reason": "Complaint ref IA-2026-041"})
    assert response.status_code == 302

    page = client.get(url).content.decode()
    assert "alice.accredited" in page and "A111111" in page
    assert "B222222" not in page and "otto.other" not in page
    logged = AccessLog.objects.filter(staff=audrey).get()
    assert logged.reason == "Complaint ref IA-2026-041"
    assert offender.pk in logged.offender_ids


def test_the_log_is_searched_by_staff_member_and_by_date(alice, otto, audrey, login):
    login(alice).get(reverse("programme:caseload"))
    login(otto).get(reverse("programme:caseload"))
    client = login(audrey)

    page = client.get(reverse("audit:home"), {"staff": "OTTO.OTHER"}).content.decode()
    assert "otto.other" in page and "alice.accredited" not in page
    tomorrow = timezone.localdate() + timedelta(days=1)
    later = client.get(
        reverse("audit:home"),
        {"first_day_0": tomorrow.day, "first_day_1": tomorrow.month, "first_day_2": tomorrow.year},
    ).content.decode()
    assert "No entries." in later
    unknown = client.get(reverse("audit:home"), {"staff": "nobody.here"}).content.decode()
    assert "No member of staff has the username nobody.here" in unknown


def test_the_auditor_audits_a_restricted_case_and_the_opening_is_a_security_event(
    alice, audrey, login, events
):
    offender = make_offender(alice, crn="C333333", restricted=True)
    CaseAccess.objects.create(offender=offender, staff=alice, kind="allowed", note="Test")
    login(alice).get(reverse("programme:offender", args=[offender.pk]))
    client = login(audrey)

    listed = client.get(reverse("audit:home"), {"staff": "alice.accredited"}).content.decode()
    assert "C333333" in listed
    asked = client.get(reverse("audit:home"), {"person": "C333333"})
    assert "Why do you need to see this person" in asked.content.decode()
    client.post(reverse("audit:home") + "?person=C333333", {"reason": "Complaint ref 2026/41"})
    page = client.get(reverse("audit:home"), {"person": "C333333"}).content.decode()
    assert "Entries about C333333" in page
    opened = [e for e in events() if e["event"] == "audit_person_opened"]
    assert opened[-1]["offender_id"] == offender.pk and opened[-1]["restricted_case"] is True


def test_a_case_the_auditor_is_excluded_from_is_withheld_from_the_log(alice, audrey, login):
    offender = make_offender(alice, crn="C444444", last_name="Keptquiet")
    CaseAccess.objects.create(offender=offender, staff=audrey, kind="excluded", note="Knows him")
    login(alice).get(reverse("programme:caseload"), {"q": "Keptquiet"})
    client = login(audrey)

    page = client.get(reverse("audit:home"), {"person": "C444444"}).content.decode()
    assert "No case you may see has the CRN C444444" in page
    for listed in (
        client.get(reverse("audit:home"), {"staff": "alice.accredited"}).content.decode(),
        b"".join(
            client.get(
                reverse("audit:home"), {"staff": "alice.accredited", "format": "csv"}
            ).streaming_content
        ).decode(),
    ):
        assert "C444444" not in listed and "Keptquiet" not in listed
        assert "Withheld" in listed


def test_the_download_is_the_search_and_safe_in_a_spreadsheet(alice, audrey, login, events):
    login(alice).get(reverse("programme:caseload"), {"q": "=HYPERLINK(1)"})
    response = login(audrey).get(
        reverse("audit:home"), {"staff": "alice.accredited", "format": "csv"}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["When", "Username"]
    assert len(rows) == 2 and rows[1][1] == "alice.accredited"
    assert rows[1][7].startswith("q=") or rows[1][7].startswith("'")
    export = AccessLog.objects.filter(staff=audrey).get()
    assert (export.action, export.result_count) == ("export", 1)
    (event,) = events("audit_export")
    assert (event["username"], event["rows"]) == ("audrey.auditor", 1)


def test_a_formula_in_a_cell_is_made_text():
    from isotp.csv_export import safe_cell

    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("@cmd") == "'@cmd"
    assert safe_cell("Plain") == "Plain"


def test_his_offender_manager_sees_who_looked_at_his_record(alice, pat, otto, login):
    offender = make_offender(alice, last_name="Lookedat")
    login(pat).get(reverse("programme:offender", args=[offender.pk]))
    url = reverse("referrals:offender_consultations", args=[offender.pk])

    page = login(alice).get(url).content.decode()
    assert "pat.manager" in page and "Programme manager" in page
    assert login(pat).get(url).status_code == 404
    assert login(otto).get(url).status_code == 404


# --- A case outside one's own work ---------------------------------------------------------------


def look_up(client, crn, reason="Covering for Alice while she is on leave"):
    return client.post(reverse("referrals:case_lookup"), {"crn": crn, "reason": reason})


def test_a_manager_of_another_office_reads_a_case_after_giving_a_reason(alice, hilary, login):
    offender = make_offender(alice, first_name="Tobias", last_name="Transferred", crn="T444444")
    outside = reverse("programme:case_outside", args=[offender.pk])
    client = login(hilary)
    assert client.get(outside).status_code == 404  # no reason yet
    assert client.get(reverse("programme:offender", args=[offender.pk])).status_code == 404

    response = look_up(client, "t444444")
    assert response["Location"] == outside
    page = client.get(outside).content.decode()
    assert "Tobias Transferred" in page and "Covering for Alice while she is on leave" in page
    assert "Edit details" not in page
    read = AccessLog.objects.get(view="programme:case_outside")
    assert (read.staff, read.reason) == (hilary, "Covering for Alice while she is on leave")
    seen_by = login(alice).get(reverse("referrals:offender_consultations", args=[offender.pk]))
    assert "hilary.elsewhere" in seen_by.content.decode()


def test_the_look_up_never_says_whether_a_case_it_will_not_show_exists(alice, hilary, login):
    restricted = make_offender(alice, crn="R555555", restricted=True)
    CaseAccess.objects.create(offender=restricted, staff=alice, kind="allowed", note="Test")
    far_office = make_office("Farland PDU", area="Southshire")
    faraway = make_staff("fay.faraway", Role.OFFENDER_MANAGER, far_office)
    make_offender(faraway, crn="F666666", office=far_office)
    client = login(hilary)

    messages = set()
    for crn in ("R555555", "F666666", "Z999999"):
        page = look_up(client, crn).content.decode()
        messages.add(page.count("No case you may see in your probation area has the CRN"))
    assert messages == {2}  # the error summary and the field, for every one of them
    no_reason = look_up(client, "R555555", reason="").content.decode()
    assert "Enter why you need to see this case" in no_reason
    assert "No case you may see" not in no_reason  # the CRN is not even looked up


def test_facilitators_and_auditors_do_not_look_up_cases(fern, audrey, login):
    for staff in (fern, audrey):
        assert login(staff).get(reverse("referrals:case_lookup")).status_code == 404


def test_the_search_sends_no_csrf_token_in_the_address(audrey, login):
    # A search is a GET: a token in its address would be kept in logs and browser history.
    page = login(audrey).get(reverse("audit:home")).content.decode()
    search = page.split('role="search"')[1].split("</form>")[0]
    assert 'name="person"' in search
    assert "csrfmiddlewaretoken" not in search


def test_a_nul_byte_typed_in_the_look_up_is_refused_with_a_message(alice, hilary, login):
    make_offender(alice, crn="T444444")
    client = login(hilary)
    for crn, reason in (
        ("T444\x00444", "Covering for Alice"),
        ("T444444", "Covering\x00 for Alice"),
    ):
        response = client.post(reverse("referrals:case_lookup"), {"crn": crn, "reason": reason})
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page and "Null characters are not allowed" in page
    logged = AccessLog.objects.filter(view="referrals:case_lookup").order_by("pk")
    assert [row.query for row in logged] == ["crn=T444444", "crn=T444444"]
    assert logged[1].reason == "Covering for Alice"
