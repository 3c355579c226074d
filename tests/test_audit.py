"""Who looked at this man: the auditor's search of the consultation log (by person, staff
member and date, with a reason asked before one person's entries, and a CSV download safe in
a spreadsheet), and the offender manager's list of who looked at each of their men."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from referrals.models import CaseAccess
from tests.factories import Role, make_offender, make_staff


@pytest.fixture
def audrey(office):
    return make_staff("audrey.auditor", Role.AUDITOR, office)


def test_only_auditors_read_the_whole_log(alice, pat, fern, ada, login):
    for staff in (alice, pat, fern, ada):
        assert login(staff).get(reverse("audit:home")).status_code == 404


def test_an_auditor_gives_a_reason_before_seeing_one_persons_entries(alice, otto, audrey, login):
    offender = make_offender(alice, crn="A111111")
    other = make_offender(alice, crn="B222222")
    login(alice).get(reverse("programme:offender", args=[offender.pk]))
    login(otto).get(reverse("referrals:caseload"))  # Otto's caseload: not this man
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
    login(alice).get(reverse("referrals:caseload"))
    login(otto).get(reverse("referrals:caseload"))
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


def test_a_restricted_case_closed_to_the_auditor_is_unknown_to_the_search(alice, audrey, login):
    offender = make_offender(alice, crn="C333333", restricted=True)
    CaseAccess.objects.create(offender=offender, staff=alice, kind="allowed", note="Test")
    login(alice).get(reverse("programme:offender", args=[offender.pk]))
    client = login(audrey)

    page = client.get(reverse("audit:home"), {"person": "C333333"}).content.decode()
    assert "No case you may see has the CRN C333333" in page
    listed = client.get(reverse("audit:home"), {"staff": "alice.accredited"}).content.decode()
    assert "C333333" not in listed and "Restricted" in listed


def test_the_download_is_the_search_and_safe_in_a_spreadsheet(alice, audrey, login):
    login(alice).get(reverse("referrals:caseload"), {"q": "=HYPERLINK(1)"})
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
