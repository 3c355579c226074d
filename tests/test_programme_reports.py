"""The programme's PDF reports: a man's attendance record, the group register and the formal
warning letter."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from isotp.models import AccessLog
from programme.models import CatchUp, Enforcement
from programme.services.enforcement import enforcement_decide
from programme.services.register import catch_up_record
from referrals.eligibility import add_months
from tests.factories import make_group, make_offender, make_placement, record
from tests.pdf_text import assert_accessible_pdf, pdf_reader, pdf_text
from tests.test_pdf_layout import effective_font_sizes


def text_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # A line broken after a hyphen ("(i-" / "SOTP)") depends on the fonts installed: joined.
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(pdf_text(response.content).split()))


def session(group, number: int):
    return group.sessions.get(number=number)


def named(group, number: int) -> str:
    """The session as the prints name it: "Session 2 — Module 1: …", from the group's version."""
    return session(group, number).name


def long_date(day: date) -> str:
    return f"{day:%-d %B %Y}"


def short_date(day: date) -> str:
    return f"{day:%-d %B %Y}"


def complete_catch_up(placement, number: int, by):
    catch_up = CatchUp.objects.get(placement=placement, session__number=number)
    return catch_up_record(
        catch_up=catch_up,
        held_on=catch_up.session.date + timedelta(days=2),
        facilitator=by,
        completed=True,
        note="",
        by=by,
    )


def give_warning(placement, number: int, *, fern, alice) -> Enforcement:
    """He misses a session without an acceptable reason and Alice gives a formal warning."""
    record(session(placement.group, number), placement, "unacceptable_absence", by=fern)
    enforcement = Enforcement.objects.get(attendance__placement=placement)
    return enforcement_decide(
        enforcement=enforcement, decision="warning_given", reason="", by=alice
    )


@pytest.fixture
def warning(placement, fern, alice):
    return give_warning(placement, 1, fern=fern, alice=alice)


def attendance_url(placement) -> str:
    return reverse("programme:attendance_record_pdf", args=[placement.pk])


def register_url(group) -> str:
    return reverse("programme:group_register_pdf", args=[group.pk])


def letter_url(enforcement) -> str:
    return reverse("programme:warning_letter_pdf", args=[enforcement.pk])


# --- The attendance record ----------------------------------------------------------------


def test_the_attendance_record_lists_every_session_catch_ups_decisions_and_the_counts(
    login, alice, fern, group, placement
):
    record(session(group, 1), placement, "attended", by=fern, minutes_late=5, homework_done=True)
    record(
        session(group, 2),
        placement,
        "acceptable_absence",
        by=fern,
        absence_reason="medical",
    )
    complete_catch_up(placement, 2, by=fern)
    record(session(group, 3), placement, "failed_to_comply", by=fern, homework_done=False)
    record(session(group, 4), placement, "unacceptable_absence", by=fern)
    failure = Enforcement.objects.get(attendance__session__number=4)
    enforcement_decide(enforcement=failure, decision="warning_given", reason="", by=alice)

    response = login(alice).get(attendance_url(placement))

    text = text_of(response)
    today = timezone.localdate()
    lead = "Fern Testington"  # who led each session, as a court would ask
    for expected in [
        "Attendance record: i-SOTP",
        "Adam Placedperson",
        placement.offender.crn,
        "Date of birth 15 June 1985",
        "Community order, 5 January 2026 to 4 January 2029",
        "Offender manager Alice Testington, Riverside PDU",
        "Internet Sexual Offending Treatment Programme (i-SOTP), 21+ group",
        "Venue Riverside probation office, room 2",
        "Mondays at 6pm, from 2 February 2026",
        "Facilitators Fern Testington",
        # Every session, recorded or not.
        f"{named(group, 1)} {short_date(session(group, 1).date)} {lead} Attended and complied 5 Yes",
        f"{named(group, 2)} {short_date(session(group, 2).date)} {lead} Acceptable absence: Medical — —",
        f"{named(group, 3)} {short_date(session(group, 3).date)} {lead} Attended, failed to comply 0 No",
        f"{named(group, 4)} {short_date(session(group, 4).date)} {lead} Unacceptable absence — —",
        f"{named(group, 5)} {short_date(session(group, 5).date)} {lead} Not recorded — —",
        f"{named(group, 35)} {short_date(session(group, 35).date)} {lead} Not recorded — —",
        # Catch-ups.
        f"{named(group, 2)} {short_date(session(group, 2).date + timedelta(days=2))} "
        "Fern Testington Completed",
        f"{named(group, 4)} — — Outstanding",
        # The enforcement decision.
        f"{short_date(session(group, 3).date)}: Attended, failed to comply ({named(group, 3)})",
        "Awaiting decision",
        f"{short_date(session(group, 4).date)}: Unacceptable absence ({named(group, 4)})",
        "Formal warning given",
        f"Alice Testington, {short_date(today)}",
        f"{short_date(failure.due_by)}",
        # The summary.
        "Sessions attended: 2 of 35; catch-ups: 2 of 4 used; unacceptable absences: 1",
    ]:
        assert expected in text, expected
    assert_accessible_pdf(response.content, "Attendance record")
    assert response["Content-Disposition"].endswith(
        f'filename="attendance-record-{placement.offender.crn}.pdf"'
    )


def test_sessions_still_to_come_are_not_yet_held(login, alice, pat, fern):
    future_group = make_group(pat, [fern], start_date=timezone.localdate() + timedelta(days=30))
    place = make_placement(future_group, make_offender(alice), alice, by=pat)

    text = text_of(login(alice).get(attendance_url(place)))

    first = session(future_group, 1).date
    assert f"{named(future_group, 1)} {short_date(first)} Fern Testington Not yet held — —" in text
    assert "Not recorded" not in text
    assert "No catch-up sessions needed" in text
    assert "No failures needing an enforcement decision" in text
    assert "Sessions attended: 0 of 35; catch-ups: 0 of 4 used; unacceptable absences: 0" in text


def test_a_facilitator_gets_her_members_record_without_the_enforcement_decisions(
    login, fern, warning, placement
):
    text = text_of(login(fern).get(attendance_url(placement)))

    assert "Adam Placedperson" in text
    assert (
        f"{named(placement.group, 1)} {short_date(session(placement.group, 1).date)} "
        "Fern Testington Unacceptable absence" in text
    )
    assert "Formal warning given" not in text
    assert "Not shown: enforcement decisions are for the offender manager" in text


def test_the_attendance_record_takes_as_many_queries_for_a_full_record_as_an_empty_one(
    login, alice, pat, fern, group, placement
):
    empty = make_placement(group, make_offender(alice), alice, by=pat)
    for number in (1, 2, 3):
        record(session(group, number), placement, "unacceptable_absence", by=fern)
    complete_catch_up(placement, 1, by=fern)
    client = login(alice)

    def queries(place) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(attendance_url(place)).status_code == 200
        return len(captured)

    client.get(reverse("programme:caseload"))  # the session's renewal, not again in a minute
    assert queries(placement) == queries(empty)


# --- The group register --------------------------------------------------------------------


def test_the_group_register_is_a_grid_of_members_and_codes_in_blocks_of_sessions(
    login, pat, alice, fern, group, placement
):
    ben = make_placement(
        group, make_offender(alice, first_name="Ben", last_name="Secondman"), alice, by=pat
    )
    record(session(group, 1), placement, "attended", by=fern)
    record(session(group, 1), ben, "acceptable_absence", by=fern, absence_reason="religious")
    record(session(group, 2), placement, "unacceptable_absence", by=fern)
    complete_catch_up(placement, 2, by=fern)
    record(session(group, 2), ben, "unacceptable_absence", by=fern)
    record(session(group, 3), placement, "failed_to_comply", by=fern)
    record(session(group, 4), placement, "sent_home", by=fern)

    response = login(pat).get(register_url(group))

    text = text_of(response)
    for expected in [
        "Group register: i-SOTP 21+ group",
        "Internet Sexual Offending Treatment Programme (i-SOTP)",
        "Venue Riverside probation office, room 2, Riverside PDU",
        "Facilitators Fern Testington",
        "Start date 2 February 2026",
        "Mondays at 6pm: 35 sessions",
        "Members 2",
        # The legend.
        "A: Attended and complied",
        "F: Attended, failed to comply",
        "S: Sent home (behaviour)",
        "AA: Acceptable absence",
        "U: Unacceptable absence",
        "/C: Made up by a completed catch-up session, for example U/C",
        "Blank: Not recorded",
        # One table per block of sessions.
        "Sessions 1 to 9",
        "Sessions 10 to 18",
        "Sessions 28 to 35",
        "Session 35",
        # The rows: members in surname order, then their codes.
        f"Adam Placedperson {placement.offender.crn} A U/C F S "
        f"Ben Secondman {ben.offender.crn} AA U Sessions 10 to 18",
    ]:
        assert expected in text, expected
    assert_accessible_pdf(response.content, "Group register")
    # The grid is printed across landscape pages.
    for page in pdf_reader(response.content).pages:
        assert page.mediabox.width > page.mediabox.height


def test_the_group_register_names_the_group_where_a_crn_would_be(login, fern, group):
    text = text_of(login(fern).get(register_url(group)))

    header = f"i-SOTP 21+ group, Riverside probation office, room 2, Group {group.pk}"
    assert header in text
    assert "No members have been given a place in this group" in text


def test_after_his_place_ends_the_register_shows_a_dash_and_his_record_says_so(
    login, pat, alice, fern, group, placement
):
    # A fifth missed session is one more than catch-ups can make up: he must restart.
    for number in range(1, 6):
        record(session(group, number), placement, "unacceptable_absence", by=fern)
    placement.refresh_from_db()
    assert placement.ended_on == session(group, 5).date

    register = text_of(login(pat).get(register_url(group)))
    attendance = text_of(login(alice).get(attendance_url(placement)))

    assert (
        f"Adam Placedperson {placement.offender.crn} Place ended {short_date(placement.ended_on)}"
        " U U U U U – – – –"
    ) in register
    # His record lists only the sessions of his membership: it ends at session 5.
    assert (
        f"{named(group, 5)} {short_date(session(group, 5).date)} Fern Testington Unacceptable absence"
        in attendance
    )
    assert f"{named(group, 6)} {short_date(session(group, 6).date)}" not in attendance
    assert "catch-ups: 5 of 4 used; unacceptable absences: 5" in attendance


def test_the_group_register_takes_as_many_queries_for_three_members_as_for_one(
    login, pat, alice, fern, group, placement
):
    client = login(pat)
    record(session(group, 1), placement, "attended", by=fern)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(register_url(group)).status_code == 200
        return len(captured)

    client.get(reverse("programme:caseload"))  # the session's renewal, not again in a minute
    one = queries()
    for _ in range(2):
        other = make_placement(group, make_offender(alice), alice, by=pat)
        record(session(group, 1), other, "unacceptable_absence", by=fern)
    assert queries() == one


# --- The warning letter --------------------------------------------------------------------


def test_the_warning_letter_says_what_happened_what_it_means_and_what_to_do_next(
    login, alice, pat, fern
):
    today = timezone.localdate()
    current = make_group(pat, [fern], start_date=today - timedelta(days=20))
    place = make_placement(
        current, make_offender(alice, first_name="Wes", last_name="Warned"), alice, by=pat
    )
    record(session(current, 1), place, "attended", by=fern)
    enforcement = give_warning(place, 2, fern=fern, alice=alice)
    failure_on = session(current, 2).date
    next_session = current.sessions.filter(date__gte=today).in_order().first()

    response = login(alice).get(letter_url(enforcement))

    text = text_of(response)
    for expected in [
        f"Wes Warned CRN {place.offender.crn} {long_date(today)} Formal warning",
        "Dear Wes Warned,",
        "This letter is a formal warning under your community order.",
        f"On {failure_on:%A} {long_date(failure_on)} you did not attend session 2 of the "
        "Internet Sexual Offending Treatment Programme. You did not give an acceptable reason.",
        f"This is a formal warning. It lasts for 12 months, from {long_date(today)} to "
        f"{long_date(add_months(today, 12) - timedelta(days=1))}.",
        "If you fail again without a reasonable excuse in that time, you will be taken back "
        "to court. This is called breach.",
        f"It is session {next_session.number}, on {next_session.date:%A} "
        f"{long_date(next_session.date)} at 6pm, at Riverside probation office, room 2.",
        "you must do a catch-up session for it",
        "No more than 4 missed sessions can be made up with catch-up sessions.",
        "Yours sincerely, Alice Testington Offender manager Riverside PDU",
    ]:
        assert expected in text, expected
    assert len(pdf_reader(response.content).pages) == 1
    for expected in []:
        assert expected in text, expected
    assert_accessible_pdf(response.content, "Formal warning letter")


def test_a_warning_under_a_suspended_sentence_says_so_and_when_no_session_is_left(
    login, alice, pat, fern, group
):
    offender = make_offender(alice, order_type="suspended_sentence_order")
    place = make_placement(group, offender, alice, by=pat)
    enforcement = give_warning(place, 3, fern=fern, alice=alice)

    text = text_of(login(pat).get(letter_url(enforcement)))

    assert "formal warning under your suspended sentence order" in text
    assert "The court can send you to prison to serve your suspended sentence." in text
    # The group's sessions are all in the past.
    assert "I will tell you where and when you must go next." in text


def test_the_large_print_warning_letter_has_every_character_at_18pt_or_more(
    login, alice, pat, fern, group
):
    regular = give_warning(
        make_placement(group, make_offender(alice), alice, by=pat), 1, fern=fern, alice=alice
    )
    large = give_warning(
        make_placement(group, make_offender(alice, needs_large_print=True), alice, by=pat),
        1,
        fern=fern,
        alice=alice,
    )
    client = login(alice)

    def sizes(enforcement) -> list[float]:
        response = client.get(letter_url(enforcement))
        assert response.status_code == 200
        return [
            s for page in pdf_reader(response.content).pages for s in effective_font_sizes(page)
        ]

    assert pytest.approx(11, abs=0.01) in sizes(regular)
    large_sizes = sizes(large)
    assert large_sizes and min(large_sizes) >= 18 - 0.01


@pytest.mark.parametrize("decision", ["", "found_acceptable"])
def test_there_is_no_warning_letter_unless_a_warning_was_given(
    login, alice, fern, group, placement, decision
):
    record(session(group, 1), placement, "unacceptable_absence", by=fern)
    enforcement = Enforcement.objects.get(attendance__placement=placement)
    if decision:
        enforcement_decide(
            enforcement=enforcement, decision=decision, reason="He was in hospital", by=alice
        )

    assert login(alice).get(letter_url(enforcement)).status_code == 404


def test_there_is_no_warning_letter_once_the_failure_is_corrected_to_attended(
    login, alice, fern, warning, placement
):
    record(
        session(placement.group, 1),
        placement,
        "attended",
        by=fern,
        change_reason="He was there: the register was marked against the wrong man",
    )

    assert login(alice).get(letter_url(warning)).status_code == 404


# --- Access ----------------------------------------------------------------------------------


@pytest.fixture
def urls(group, placement, warning):
    return {
        "attendance record": attendance_url(placement),
        "group register": register_url(group),
        "warning letter": letter_url(warning),
    }


@pytest.mark.parametrize("who", ["otto", "hilary"])
def test_other_offender_managers_and_other_offices_get_404_on_every_report(
    request, login, urls, who
):
    client = login(request.getfixturevalue(who))
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name


def test_the_facilitator_gets_the_register_and_record_but_not_the_warning_letter(login, fern, urls):
    client = login(fern)
    assert client.get(urls["group register"]).status_code == 200
    assert client.get(urls["attendance record"]).status_code == 200
    assert client.get(urls["warning letter"]).status_code == 404


def test_the_offender_manager_gets_the_record_and_letter_but_not_the_register(login, alice, urls):
    client = login(alice)
    assert client.get(urls["attendance record"]).status_code == 200
    assert client.get(urls["warning letter"]).status_code == 200
    assert client.get(urls["group register"]).status_code == 404


def test_the_programme_manager_gets_every_report_and_each_print_is_logged(login, pat, urls):
    client = login(pat)
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name
    assert AccessLog.objects.filter(staff=pat, action="print").count() == 3
    assert set(AccessLog.objects.filter(staff=pat).values_list("record_type", flat=True)) == {
        "programme.Placement",
        "programme.Group",
        "programme.Enforcement",
    }


def test_signed_out_visitors_are_sent_to_sign_in(client, urls):
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith("/login/"), name


def test_the_reports_only_answer_get(login, pat, urls):
    client = login(pat)
    for name, url in urls.items():
        assert client.post(url).status_code == 405, name
