"""Issue 12, part 2: a caseload that answers questions. Filters that combine (what is due,
status, order or licence, programme, offender manager), search by name, CRN or PNC number,
and each row saying what is due for him."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.models import EndOfProgrammeReport, Enforcement, Recommendation
from programme.services.enforcement import enforcement_decide
from referrals.models import OrderType, Programme, Referral, ReferralStatus
from tests.factories import (
    make_group,
    make_men_absent_from_first_session,
    make_offender,
    make_placement,
    make_referral,
    make_staff,
    record,
)

CASELOAD = reverse("programme:caseload")


def listed(response) -> list[str]:
    return [o.last_name for o in response.context["page"].object_list if o.is_open]


def due_cell(response, last_name: str) -> str:
    """The text of the "Due" cell of his row."""
    content = response.content.decode()
    row = content[content.index(f">{last_name},") :]
    row = row[: row.index("</tr>")]
    cells = row.split('<td class="govuk-table__cell">')
    return " ".join(cells[3].split())  # name, CRN, status, due


@pytest.fixture
def absence(group, placement, fern):
    """Adam Placedperson missed session 1 (2 February 2026) without excuse: a decision long
    overdue, and a catch-up to hold."""
    record(group.sessions.get(number=1), placement, "unacceptable_absence", by=fern)
    return Enforcement.objects.get(attendance__placement=placement)


# --- What is due, on each row and as a filter -------------------------------------------------


def test_each_row_says_what_is_due_for_him_overdue_first(login, alice, absence):
    make_offender(alice, last_name="Quietman")
    response = login(alice).get(CASELOAD)
    due = due_cell(response, "Placedperson")
    decision_by = absence.due_by.strftime("%-d %B %Y")
    assert due.startswith('<ul class="govuk-list')
    assert f"Overdue</strong> Enforcement decision by {decision_by}" in due
    assert "1 catch-up outstanding" in due
    assert due.index("Enforcement decision") < due.index("catch-up")
    assert "Nothing due" in due_cell(response, "Quietman")


def test_the_due_filter_finds_the_men_with_a_decision_or_a_catch_up(
    login, alice, pat, fern, absence
):
    waiting = make_referral(make_offender(alice, last_name="Checklistman"), alice)
    Referral.objects.filter(pk=waiting.pk).update(status=ReferralStatus.SUITABLE_NOT_READY)
    make_offender(alice, last_name="Quietman")
    client = login(alice)
    decisions = client.get(CASELOAD, {"due": "decision"})
    assert listed(decisions) == ["Placedperson"]
    checklists = client.get(CASELOAD, {"due": "checklist"})
    assert listed(checklists) == ["Checklistman"]
    assert "Pre-programme checklist incomplete" in due_cell(checklists, "Checklistman")
    # Choices within "What is due" are alternatives.
    either = client.get(CASELOAD, {"due": ["decision", "checklist"]})
    assert listed(either) == ["Checklistman", "Placedperson"]
    # Once the decision is made and the catch-up held, he is no longer due anything.
    enforcement_decide(
        enforcement=absence, decision=absence.proposed_action, reason="Spoke to him", by=alice
    )
    assert listed(client.get(CASELOAD, {"due": "decision"})) == []
    assert listed(client.get(CASELOAD, {"due": "catch_up"})) == ["Placedperson"]


def test_report_due_lists_a_man_after_his_last_session_until_the_report_is_in(
    login, alice, pat, fern
):
    Programme.objects.filter(code="isotp").update(sessions=2)
    group = make_group(pat, [fern])
    done = make_placement(group, make_offender(alice, last_name="Finisher"), alice, by=pat)
    still = make_placement(group, make_offender(alice, last_name="Stillgoing"), alice, by=pat)
    client = login(alice)
    assert listed(client.get(CASELOAD, {"due": "report"})) == []
    for number in (1, 2):
        record(group.sessions.get(number=number), done, "attended", fern)
    record(group.sessions.get(number=1), still, "attended", fern)
    response = client.get(CASELOAD, {"due": "report"})
    assert listed(response) == ["Finisher"]
    assert "End-of-programme report due from the facilitators" in due_cell(response, "Finisher")
    # The report in, the handover and re-assessment are what is due next.
    EndOfProgrammeReport.objects.create(
        referral=done.referral,
        status="submitted",
        author=fern,
        submitted_at=timezone.now(),
        submitted_by=fern,
    )
    response = client.get(CASELOAD, {"due": ["report", "after_programme"]})
    assert listed(response) == ["Finisher"]
    due = due_cell(response, "Finisher")
    assert "Handover or re-assessment due" in due and "report due" not in due


def test_an_overdue_recommendation_is_tagged(login, alice, pat, fern):
    Programme.objects.filter(code="isotp").update(sessions=1)
    group = make_group(pat, [fern])
    done = make_placement(group, make_offender(alice, last_name="Finisher"), alice, by=pat)
    record(group.sessions.get(number=1), done, "attended", fern)
    yesterday = timezone.localdate() - timedelta(days=1)
    Recommendation.objects.create(
        referral=done.referral, number=1, text="Keep a diary", due_on=yesterday
    )
    response = login(alice).get(CASELOAD, {"due": "recommendation"})
    assert listed(response) == ["Finisher"]
    due = due_cell(response, "Finisher")
    assert (
        f"Overdue</strong> 1 recommendation outstanding, the first due by "
        f"{yesterday.strftime('%-d %B %Y')}" in due
    )


def test_a_restricted_case_never_matches_a_due_filter(login, alice, absence):
    type(absence.offender).objects.filter(pk=absence.offender_id).update(restricted=True)
    client = login(alice)
    response = client.get(CASELOAD, {"due": "decision"})
    assert response.context["page"].paginator.count == 0
    assert "Placedperson" not in response.content.decode()
    # On the whole caseload he is a "Restricted" row and nothing is said of what is due.
    whole = client.get(CASELOAD).content.decode()
    assert "Restricted" in whole and "Enforcement decision by" not in whole


# --- The other filters, combined ---------------------------------------------------------------


def test_order_or_licence_and_programme_filters_combine_with_status(login, alice):
    nsogp = Programme.objects.get(code="nsogp")
    on_licence = make_referral(
        make_offender(alice, last_name="Licenceman", order_type=OrderType.LICENCE), alice
    )
    make_referral(make_offender(alice, last_name="Orderman"), alice)
    sogp = make_referral(
        make_offender(alice, last_name="Groupman", order_type=OrderType.LICENCE), alice
    )
    Referral.objects.filter(pk=sogp.pk).update(programme=nsogp)
    make_offender(alice, last_name="Neverreferred", order_type=OrderType.LICENCE)
    client = login(alice)
    licences = client.get(CASELOAD, {"order_type": "licence"})
    assert listed(licences) == ["Groupman", "Licenceman", "Neverreferred"]
    isotp = str(on_licence.programme_id)
    both = client.get(CASELOAD, {"order_type": "licence", "programme": isotp})
    assert listed(both) == ["Licenceman"]
    assert listed(client.get(CASELOAD, {"programme": str(nsogp.pk)})) == ["Groupman"]
    three = client.get(
        CASELOAD, {"order_type": "licence", "stage": "not_referred", "sort": "-name"}
    )
    assert listed(three) == ["Neverreferred"]
    content = three.content.decode()
    assert "Selected filters" in content and "Order or licence" in content
    assert '<input type="hidden" name="sort" value="-name">' in content


def test_a_man_s_programme_is_that_of_his_open_referral(login, alice):
    """A man once referred to N-SOGP and now open on i-SOTP is an i-SOTP man."""
    offender = make_offender(alice, last_name="Movedon")
    old = make_referral(offender, alice)
    Referral.objects.filter(pk=old.pk).update(
        programme=Programme.objects.get(code="nsogp"), status=ReferralStatus.WITHDRAWN
    )
    current = make_referral(offender, alice)
    client = login(alice)
    nsogp = Programme.objects.get(code="nsogp")
    assert listed(client.get(CASELOAD, {"programme": str(nsogp.pk)})) == []
    assert listed(client.get(CASELOAD, {"programme": str(current.programme_id)})) == ["Movedon"]


def test_unknown_filter_values_are_ignored_with_a_message(login, alice):
    make_offender(alice, last_name="Stillhere")
    response = login(alice).get(
        CASELOAD, {"due": "nonsense", "programme": "99999", "order_type": "x"}
    )
    assert response.status_code == 200
    assert listed(response) == ["Stillhere"]
    content = response.content.decode()
    assert "not recognised, so it is not applied" in content
    for label in ("What is due", "Programme", "Order or licence"):
        assert label in content.split("not recognised")[1].split("</strong>")[0]


# --- Search by PNC number ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2012/0052494Q", "12/52494Q", "2012/52494q", " 12/0052494Q "])
def test_search_finds_a_man_by_his_pnc_number_however_it_is_written(login, alice, otto, typed):
    make_offender(alice, last_name="Pncman", pnc_number="2012/0052494Q")
    make_offender(alice, last_name="Otherman", pnc_number="2013/0052494B")
    make_offender(otto, last_name="Ottosman", pnc_number="2012/0052494Q")
    response = login(alice).get(CASELOAD, {"q": typed})
    assert listed(response) == ["Pncman"]


def test_a_pnc_number_stored_in_its_short_form_is_found_by_its_long_form(login, alice):
    make_offender(alice, last_name="Shortform", pnc_number="12/52494Q")
    assert listed(login(alice).get(CASELOAD, {"q": "2012/0052494Q"})) == ["Shortform"]


# --- The programme manager's office caseload ----------------------------------------------------


def test_programme_manager_filters_the_office_by_offender_manager_and_due(
    login, alice, otto, pat, hilary, absence
):
    make_offender(alice, last_name="Aliceother")
    make_offender(otto, last_name="Ottosman")
    client = login(pat)
    response = client.get(CASELOAD)
    assert 'name="manager"' in response.content.decode()
    assert "Enforcement decision by" in due_cell(response, "Placedperson")
    by_otto = client.get(CASELOAD, {"manager": str(otto.pk)})
    assert listed(by_otto) == ["Ottosman"]
    due_for_alice = client.get(CASELOAD, {"manager": str(alice.pk), "due": "decision"})
    assert listed(due_for_alice) == ["Placedperson"]
    # An offender manager of another office is no choice: ignored with a message.
    elsewhere = make_staff("olga.elsewhere", "offender_manager", hilary.office)
    response = client.get(CASELOAD, {"manager": str(elsewhere.pk)})
    assert "not recognised, so it is not applied: Offender manager" in response.content.decode()
    # An offender manager has no such filter: the caseload is hers.
    assert 'name="manager"' not in login(alice).get(CASELOAD).content.decode()


def test_the_consultation_log_keeps_what_was_looked_for(login, alice, absence):
    login(alice).get(CASELOAD, {"due": ["decision", "catch_up"], "q": "Placed"})
    entry = AccessLog.objects.filter(action="search").latest("pk")
    assert entry.query == "q=Placed&due=decision%2Ccatch_up"
    assert entry.result_count == 1


# --- Flat query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 12])
def test_the_due_column_and_filters_run_the_same_queries_whatever_the_size(
    login, alice, pat, fern, size, django_assert_num_queries
):
    make_men_absent_from_first_session(size, alice, pat, fern)
    client = login(alice)
    client.get(CASELOAD)
    # session, user, device, the programmes (filter choices), the paginator's count, the page
    # (its due column in subqueries), the consultation log's row (the header's count is kept
    # in the session from the first visit)
    with django_assert_num_queries(7):
        response = client.get(
            CASELOAD, {"due": ["decision", "notice"], "order_type": "community_order"}
        )
    assert response.context["page"].paginator.count == size
    assert all(
        "1 notice to acknowledge" in due_cell(response, o.last_name)
        for o in response.context["page"].object_list
    )
