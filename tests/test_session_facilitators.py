"""Facilitators per session (issue 14, part 3): a lead and cover facilitators for each group
session, defaulting from the group; a programme manager changes them for a run of sessions,
with a reason for a recorded one and history kept; a cover facilitator keeps that session's
register and nothing else of the group; calendars, pages and prints say who runs what; and
each group's facilitator continuity is reported."""

import html
from datetime import date, timedelta

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from isotp.models import AccessLog
from programme.models import (
    GroupSession,
    ProgrammeError,
    SessionFacilitator,
    SessionStaffingChange,
)
from programme.services.calendar import calendar_events
from programme.services.staffing import (
    LEAD_ALSO_COVER,
    LEAD_NOT_IN_TEAM,
    NOTHING_CHANGED,
    RUN_OUT_OF_ORDER,
    group_continuity,
    groups_continuity,
    session_staffing_change,
    staffing_by_session,
)
from tests.factories import (
    Role,
    make_group,
    make_offender,
    make_placement,
    make_staff,
    record,
)
from tests.pdf_text import pdf_text


@pytest.fixture
def frank(office):
    """A facilitator of Riverside who runs none of Fern's groups."""
    return make_staff("frank.cover", Role.FACILITATOR, office, last_name="Coverley")


@pytest.fixture
def gina(office):
    """A second facilitator of Fern's group (Fern Testington comes first by name)."""
    return make_staff("gina.cofacilitator", Role.FACILITATOR, office, last_name="Youngman")


@pytest.fixture
def hal(other_office):
    """A facilitator of another office."""
    return make_staff("hal.elsewhere", Role.FACILITATOR, other_office)


@pytest.fixture
def team_group(pat, fern, gina):
    """Fern and Gina's group: 35 Mondays from 2 February 2026."""
    return make_group(pat, [gina, fern])


def session(group, number) -> GroupSession:
    return group.sessions.get(number=number)


def staffing(group, number):
    found = staffing_by_session([session(group, number).pk])
    return next(iter(found.values()))


def change(group, first, last, lead, cover=(), reason="", by=None):
    return session_staffing_change(
        group=group,
        first_number=first,
        last_number=last,
        lead=lead,
        cover=list(cover),
        reason=reason,
        by=by,
    )


# --- Defaults -----------------------------------------------------------------------------------


def test_a_new_groups_sessions_are_led_by_its_first_facilitator_and_covered_by_the_others(
    team_group, fern, gina
):
    assert team_group.lead_facilitator == fern  # Testington before Youngman
    for number in (1, 35):
        assert staffing(team_group, number).lead == fern
        assert staffing(team_group, number).cover == [gina]
    assert SessionFacilitator.objects.filter(session__group=team_group).count() == 70


def test_the_lead_chosen_when_forming_leads_every_session(pat, fern, gina):
    group = make_group(pat, [fern, gina], lead=gina)
    assert group.lead_facilitator == gina
    assert staffing(group, 1).lead == gina
    assert staffing(group, 1).cover == [fern]


def test_the_lead_must_be_one_of_the_groups_facilitators(pat, fern, frank):
    with pytest.raises(ProgrammeError, match=LEAD_NOT_IN_TEAM):
        make_group(pat, [fern], lead=frank)


def test_forming_a_group_with_a_lead_outside_those_chosen_is_refused_on_the_form(
    login, pat, fern, gina
):
    today = timezone.localdate()
    response = login(pat).post(
        reverse("programme:group_create"),
        {
            "programme": 1,
            "age_band": "21_plus",
            "venue": "Room 1",
            "facilitators": [fern.pk],
            "lead_facilitator": gina.pk,
            "start_date_0": today.day,
            "start_date_1": today.month,
            "start_date_2": today.year + 1,
            "weekday": 0,
            "start_time": "18:00",
        },
    )
    assert response.status_code == 200
    assert "The lead facilitator must be one of the facilitators chosen" in response.text


# --- Changing who runs sessions -----------------------------------------------------------------


def test_a_programme_manager_changes_the_lead_for_a_run_of_sessions(
    login, pat, team_group, fern, gina, frank
):
    client = login(pat)
    url = reverse("programme:session_staffing", args=[team_group.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "first_number": 12,
            "last_number": 18,
            "lead": gina.pk,
            "cover": [frank.pk],
            "reason": "Fern on annual leave",
        },
    )
    assert response.status_code == 302
    for number in range(12, 19):
        assert staffing(team_group, number).lead == gina
        assert staffing(team_group, number).cover == [frank]
    for number in (11, 19):
        assert staffing(team_group, number).lead == fern
        assert staffing(team_group, number).cover == [gina]
    page = client.get(url).text
    assert "Facilitators changed for sessions 12 to 18" in page
    assert "Reason: Fern on annual leave" in page
    assert (
        "Session 12: was lead Fern Testington; cover Gina Youngman; now lead Gina Youngman; cover Frank Coverley"
        in page
    )


def test_the_rows_replaced_are_kept_ended_never_deleted(pat, team_group, fern, gina):
    made = change(team_group, 3, 3, gina, [fern], by=pat)
    ended = SessionFacilitator.objects.filter(ended_by_change=made)
    assert {(row.staff, row.role) for row in ended} == {(fern, "lead"), (gina, "cover")}
    added = SessionFacilitator.objects.filter(added_by_change=made)
    assert {(row.staff, row.role) for row in added} == {(gina, "lead"), (fern, "cover")}
    assert made.by == pat


@pytest.mark.parametrize(
    "who, message",
    [
        ("alice", "Alice Testington is not a facilitator: only facilitators run group sessions"),
        ("hal", "Hal Testington is not a facilitator of Riverside PDU, the group's office"),
    ],
)
def test_only_a_facilitator_of_the_groups_office_can_run_its_sessions(
    request, login, pat, team_group, who, message
):
    outsider = request.getfixturevalue(who)
    with pytest.raises(ProgrammeError, match=message):
        change(team_group, 5, 5, outsider, by=pat)
    # The page offers only the office's facilitators; someone else sent is refused, saying why.
    response = login(pat).post(
        reverse("programme:session_staffing", args=[team_group.pk]),
        {"first_number": 5, "last_number": 5, "lead": outsider.pk},
    )
    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert not SessionStaffingChange.objects.exists()


def test_an_inactive_facilitator_is_refused(pat, team_group, frank):
    frank.is_active = False
    frank.save()
    with pytest.raises(ProgrammeError, match="no longer has an active account"):
        change(team_group, 5, 5, frank, by=pat)


def test_nobody_is_both_lead_and_cover(pat, team_group, fern):
    with pytest.raises(ProgrammeError, match=LEAD_ALSO_COVER.format(name="Fern Testington")):
        change(team_group, 5, 5, fern, [fern], by=pat)


def test_a_run_must_be_in_order_and_inside_the_group(pat, team_group, gina):
    with pytest.raises(ProgrammeError, match=RUN_OUT_OF_ORDER):
        change(team_group, 18, 12, gina, by=pat)
    with pytest.raises(ProgrammeError, match="Choose sessions between 1 and 35"):
        change(team_group, 30, 36, gina, by=pat)


def test_a_change_that_changes_nothing_is_refused(pat, team_group, fern, gina):
    message = NOTHING_CHANGED.format(sessions="Sessions 2 and 3", verb="are")
    with pytest.raises(ProgrammeError, match=message):
        change(team_group, 2, 3, fern, [gina], by=pat)


def test_a_recorded_session_changes_only_with_a_reason_kept_as_history(
    login, pat, team_group, fern, gina, alice
):
    placement = make_placement(team_group, make_offender(alice), alice, by=pat)
    record(session(team_group, 1), placement, "attended", fern)
    assert session(team_group, 1).register_completed_at
    client = login(pat)
    url = reverse("programme:session_staffing", args=[team_group.pk])
    response = client.post(url, {"first_number": 1, "last_number": 2, "lead": gina.pk})
    assert response.status_code == 200
    assert (
        "Session 1 is recorded: the register is evidence of who ran it, so give the reason "
        "for changing it"
    ) in response.text
    assert staffing(team_group, 1).lead == fern
    response = client.post(
        url,
        {
            "first_number": 1,
            "last_number": 2,
            "lead": gina.pk,
            "reason": "Gina ran it: Fern was ill",
        },
    )
    assert response.status_code == 302
    assert staffing(team_group, 1).lead == gina
    kept = SessionStaffingChange.objects.get()
    assert (kept.by, kept.reason) == (pat, "Gina ran it: Fern was ill")


def test_a_session_not_yet_recorded_needs_no_reason(pat, team_group, gina):
    change(team_group, 20, 20, gina, by=pat)
    assert staffing(team_group, 20).lead == gina


# --- The database keeps the rules too ---------------------------------------------------------


def test_the_database_allows_one_lead_a_session(team_group, gina):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFacilitator.objects.create(session=session(team_group, 1), staff=gina, role="lead")


def test_the_database_refuses_the_same_person_twice_on_a_session(team_group, fern):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFacilitator.objects.create(session=session(team_group, 1), staff=fern, role="cover")


def test_the_database_refuses_deleting_or_rewriting_who_ran_a_session(team_group, gina):
    row = SessionFacilitator.objects.filter(session__group=team_group, role="lead").first()
    with pytest.raises(InternalError), transaction.atomic():
        row.delete()
    with pytest.raises(InternalError), transaction.atomic():
        SessionFacilitator.objects.filter(pk=row.pk).update(staff=gina)


def test_the_database_refuses_changing_a_staffing_change(pat, team_group, gina):
    made = change(team_group, 20, 20, gina, by=pat)
    # The app's role may not even try (only SELECT and INSERT); the trigger refuses the owner.
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        SessionStaffingChange.objects.filter(pk=made.pk).update(reason="Rewritten")


# --- Who may change it ------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["fern", "alice", "hilary", "frank"])
def test_only_the_offices_programme_managers_change_who_runs_a_session(
    request, login, team_group, gina, character
):
    client = login(request.getfixturevalue(character))
    url = reverse("programme:session_staffing", args=[team_group.pk])
    assert client.get(url).status_code == 404
    data = {"first_number": 3, "last_number": 3, "lead": gina.pk}
    assert client.post(url, data).status_code == 404
    assert not SessionStaffingChange.objects.exists()


# --- A cover facilitator keeps that session's register, and nothing else ----------------------


@pytest.fixture
def covered(pat, team_group, frank, gina, alice):
    """Adam has a place; Frank covers session 4 (Gina leads it), Fern is replaced for it."""
    offender = make_offender(alice, first_name="Adam", last_name="Coveredman")
    placement = make_placement(team_group, offender, alice, by=pat)
    change(team_group, 4, 4, gina, [frank], by=pat)
    return placement


def test_a_cover_facilitator_opens_and_records_the_register_of_the_session_he_covers(
    login, frank, team_group, covered
):
    client = login(frank)
    url = reverse("programme:register", args=[session(team_group, 4).pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Adam Coveredman" in page.text
    assert "Back to my groups" in page.text
    response = client.post(url, {f"m{covered.pk}-outcome": "attended"})
    assert response.status_code == 302
    recorded = session(team_group, 4).attendances.get()
    assert (recorded.outcome, recorded.recorded_by) == ("attended", frank)


def test_a_cover_facilitators_reading_of_the_register_is_logged(login, frank, team_group, covered):
    login(frank).get(reverse("programme:register", args=[session(team_group, 4).pk]))
    logged = AccessLog.objects.by(frank).about(covered.referral.offender_id)
    assert logged.count() == 1
    assert logged.get().view == "programme:register"


def test_a_cover_facilitator_gets_nothing_else_of_the_group(login, frank, team_group, covered):
    client = login(frank)
    for url in [
        reverse("programme:register", args=[session(team_group, 5).pk]),
        reverse("programme:group", args=[team_group.pk]),
        reverse("programme:placement", args=[covered.pk]),
        reverse("programme:attendance_record_pdf", args=[covered.pk]),
        reverse("programme:group_register_pdf", args=[team_group.pk]),
        reverse("programme:offender", args=[covered.referral.offender_id]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("programme:placement_feedback", args=[covered.pk]), {"message": "Hello"}
        ).status_code
        == 404
    )


def test_a_cover_facilitator_replaced_in_turn_loses_the_register(
    login, pat, frank, fern, gina, team_group, covered
):
    change(team_group, 4, 4, fern, [gina], by=pat)
    url = reverse("programme:register", args=[session(team_group, 4).pk])
    assert login(frank).get(url).status_code == 404


def test_a_replaced_group_facilitator_still_keeps_his_groups_registers(
    login, fern, team_group, covered
):
    assert (
        login(fern).get(reverse("programme:register", args=[session(team_group, 4).pk])).status_code
        == 200
    )


def test_the_register_names_the_lead_and_cover(login, fern, team_group, covered):
    page = login(fern).get(reverse("programme:register", args=[session(team_group, 4).pk])).text
    assert 'Lead facilitator</dt><dd class="govuk-summary-list__value">Gina Youngman' in page
    assert 'Cover facilitators</dt><dd class="govuk-summary-list__value">Frank Coverley' in page


def test_my_groups_lists_the_sessions_he_covers_and_their_registers_due(
    login, pat, frank, gina, team_group, covered
):
    today = timezone.localdate()
    upcoming = make_group(
        pat, [gina], start_date=today + timedelta(days=7), weekday=today.weekday()
    )
    change(upcoming, 1, 1, gina, [frank], by=pat)
    page = login(frank).get(reverse("programme:facilitator_home")).text
    assert "Sessions you cover for other groups" in page
    assert reverse("programme:register", args=[session(upcoming, 1).pk]) in page
    # Named as in his own groups' list ("Session 1 — Module 1: …").
    assert escape(session(upcoming, 1).name) in page
    # Session 4 of the group he covers was held and is not recorded: its register is due.
    assert reverse("programme:register", args=[session(team_group, 4).pk]) in page


# --- Calendars ----------------------------------------------------------------------------------


def test_the_calendar_shows_a_cover_his_session_and_no_longer_the_replaced_facilitators(
    a_meeting_day, pat, fern, gina, frank
):
    today = timezone.localdate()
    group = make_group(pat, [fern, gina], start_date=today, weekday=today.weekday())
    change(group, 2, 3, gina, [frank], by=pat)
    sessions = {s.number: s.pk for s in group.sessions.all()}

    def mine(staff):
        return {e.uid: e.summary for e in calendar_events(staff=staff, today=today)}

    frank_events = mine(frank)
    assert set(frank_events) == {f"session-{sessions[2]}", f"session-{sessions[3]}"}
    assert frank_events[f"session-{sessions[2]}"].endswith("group session 2 (cover)")
    fern_events = mine(fern)
    assert f"session-{sessions[1]}" in fern_events
    assert f"session-{sessions[2]}" not in fern_events
    assert fern_events[f"session-{sessions[1]}"].endswith("(lead)")
    assert mine(gina)[f"session-{sessions[2]}"].endswith("(lead)")


# --- Pages and prints ---------------------------------------------------------------------------


def test_the_group_page_shows_who_runs_each_session(login, pat, team_group, covered):
    page = login(pat).get(reverse("programme:group", args=[team_group.pk])).text
    assert "Lead: Gina Youngman<br>Cover: Frank Coverley" in page
    assert "Lead: Fern Testington<br>Cover: Gina Youngman" in page
    assert "(usual lead Fern Testington)" in page
    assert reverse("programme:session_staffing", args=[team_group.pk]) in page


def test_the_group_page_offers_the_change_only_to_programme_managers(
    login, fern, team_group, covered
):
    page = login(fern).get(reverse("programme:group", args=[team_group.pk])).text
    assert reverse("programme:session_staffing", args=[team_group.pk]) not in page


def test_the_group_register_pdf_names_the_lead_and_cover_of_each_session(
    login, fern, team_group, covered
):
    response = login(fern).get(reverse("programme:group_register_pdf", args=[team_group.pk]))
    text = pdf_text(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert "Facilitators at each session" in text
    assert "Gina Youngman Frank Coverley" in " ".join(text.split())


# --- Existing groups (the data migration) -------------------------------------------------------


def test_groups_formed_before_get_their_staffing_from_their_facilitators(pat, fern, gina):
    import importlib

    migration = importlib.import_module("programme.migrations.0016_session_facilitators")
    group = make_group(pat, [gina, fern])
    # As before the migration: no usual lead and no staffing rows (the rows cannot be
    # deleted, so a group is made without them).
    from programme.models import Group

    old = Group.objects.create(
        programme=group.programme,
        age_band=group.age_band,
        office=group.office,
        venue="Old room",
        version=group.version,
        start_date=date(2026, 1, 5),
        weekdays=[0],
        start_time=group.start_time,
        created_by=pat,
    )
    old.facilitators.set([gina, fern])
    named = {session.number: session for session in group.version.sessions.all()}
    GroupSession.objects.bulk_create(
        GroupSession(
            group=old,
            number=n,
            date=date(2026, 1, 5) + timedelta(weeks=n - 1),
            programme_session=named[n],
        )
        for n in (1, 2)
    )
    migration.staff_existing_sessions(django_apps, None)
    old.refresh_from_db()
    assert old.lead_facilitator == fern
    assert staffing(old, 1).lead == fern
    assert staffing(old, 2).cover == [gina]
    # A group that had its staffing is left alone.
    assert SessionFacilitator.objects.filter(session__group=group).count() == 70


# --- Continuity ---------------------------------------------------------------------------------


def held(group, numbers, by):
    """Mark these sessions' registers complete (held), as the register does."""
    GroupSession.objects.filter(group=group, number__in=numbers).update(
        register_completed_at=timezone.now(), register_completed_by=by
    )


TODAY = date(2026, 12, 6)


def test_continuity_before_any_session_is_held(team_group, fern, gina):
    result = group_continuity(team_group, team=[fern, gina], today=TODAY)
    assert (result.held, result.share, result.leads, result.low) == (0, None, 0, False)
    assert [(p.staff, p.led, p.covered) for p in result.facilitators] == [
        (fern, 0, 0),
        (gina, 0, 0),
    ]


def test_continuity_counts_sessions_led_and_covered_by_each_facilitator(
    pat, team_group, fern, gina, frank
):
    held(team_group, range(1, 9), pat)
    change(team_group, 3, 4, gina, [frank], by=pat, reason="Leave")
    change(team_group, 30, 31, gina, [frank], by=pat)  # not held: not counted
    result = group_continuity(team_group, team=[fern, gina], today=TODAY)
    assert result.held == 8
    assert result.usual_lead == fern
    assert (result.led_by_usual_lead, result.share_percent, result.leads) == (6, 75, 2)
    assert not result.low  # 75% is the threshold: not below it
    assert [(p.staff, p.led, p.covered, p.in_team) for p in result.facilitators] == [
        (fern, 6, 0, True),
        (gina, 2, 6, True),
        (frank, 0, 2, False),
    ]


def test_a_group_whose_sessions_were_all_led_by_cover_is_flagged(
    pat, team_group, fern, gina, frank
):
    held(team_group, range(1, 5), pat)
    change(team_group, 1, 4, frank, [gina], by=pat, reason="Fern seconded")
    result = group_continuity(team_group, team=[fern, gina], today=TODAY)
    assert (result.held, result.led_by_usual_lead, result.share, result.leads) == (4, 0, 0, 1)
    assert result.low
    assert [(p.staff, p.led, p.covered) for p in result.facilitators] == [
        (fern, 0, 0),
        (gina, 0, 4),
        (frank, 4, 0),
    ]


def test_too_few_sessions_held_are_not_flagged(pat, team_group, fern, gina):
    held(team_group, [1, 2, 3], pat)
    change(team_group, 1, 3, gina, by=pat, reason="Leave")
    result = group_continuity(team_group, team=[fern, gina], today=TODAY)
    assert (result.held, result.share) == (3, 0)
    assert not result.low


def test_the_group_page_reports_continuity(login, pat, team_group, fern, gina, frank):
    held(team_group, range(1, 5), pat)
    change(team_group, 2, 4, frank, [gina], by=pat, reason="Leave")
    page = login(pat).get(reverse("programme:group", args=[team_group.pk])).text
    assert "Low continuity" in page
    assert "led 1 of the 4 sessions held (25%); 2 different people led them" in page
    assert "Frank Coverley (stood in)" in page


def test_the_office_continuity_page_flags_groups_and_is_for_programme_managers(
    login, pat, fern, hilary, team_group, gina, frank
):
    held(team_group, range(1, 5), pat)
    change(team_group, 1, 4, frank, [gina], by=pat, reason="Leave")
    make_group(pat, [fern], start_date=date(2026, 3, 2))
    page = login(pat).get(reverse("programme:office_continuity")).text
    assert "Low continuity" in page
    assert "No sessions held yet" in page
    assert login(fern).get(reverse("programme:office_continuity")).status_code == 404
    # Another office's manager sees only his own office's groups: none here.
    assert "Low continuity" not in login(hilary).get(reverse("programme:office_continuity")).text


def test_continuity_runs_one_query_however_many_groups(
    pat, fern, gina, frank, django_assert_num_queries
):
    groups = [make_group(pat, [fern, gina]) for _ in range(3)]
    for group in groups:
        held(group, range(1, 6), pat)
        change(group, 2, 3, frank, [gina], by=pat, reason="Leave")
    teams = {group.pk: [fern, gina] for group in groups}
    with django_assert_num_queries(1):
        result = groups_continuity(groups[:1], teams=teams, today=TODAY)
    with django_assert_num_queries(1):
        result = groups_continuity(groups, teams=teams, today=TODAY)
    assert [result[g.pk].led_by_usual_lead for g in groups] == [3, 3, 3]


def test_the_office_continuity_page_runs_the_same_queries_however_many_groups(
    login, pat, fern, gina, frank, django_assert_num_queries
):
    client = login(pat)
    url = reverse("programme:office_continuity")
    make_group(pat, [fern, gina])
    client.get(url)
    with django_assert_num_queries(QUERIES_OFFICE_CONTINUITY) as one:
        client.get(url)
    for _ in range(4):
        group = make_group(pat, [fern, gina])
        held(group, range(1, 5), pat)
        change(group, 1, 1, frank, by=pat, reason="Leave")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


QUERIES_OFFICE_CONTINUITY = 8


def test_the_weeks_registers_print_includes_the_sessions_he_covers(
    a_meeting_day, login, pat, fern, gina, frank, alice
):
    today = timezone.localdate()
    group = make_group(pat, [fern], start_date=today, weekday=today.weekday())
    make_placement(group, make_offender(alice, last_name="Weekman"), alice, by=pat)
    change(group, 1, 1, gina, [frank], by=pat)
    response = login(frank).get(reverse("programme:week_registers_pdf"))
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "Lead facilitator: Gina Youngman. Cover: Frank Coverley." in text
    assert "Weekman" in text


def test_today_shows_a_cover_the_register_due_and_the_week_session_he_covers(
    a_meeting_day, login, pat, fern, gina, frank, team_group, covered
):
    today = timezone.localdate()
    this_week = make_group(pat, [fern], start_date=today, weekday=today.weekday())
    change(this_week, 1, 1, gina, [frank], by=pat)
    response = login(frank).get(reverse("programme:today"))
    sections = {s.key: s for s in response.context["sections"]}
    assert [s.pk for s in sections["registers"].items] == [
        session(team_group, 4).pk,
        session(this_week, 1).pk,
    ]
    assert [s.pk for s in sections["sessions"].items] == [session(this_week, 1).pk]
    # Fern was replaced for this week's session: it is not in her week any more.
    fern_week = login(fern).get(reverse("programme:today")).context["sections"]
    assert session(this_week, 1).pk not in [
        s.pk for s in next(x for x in fern_week if x.key == "sessions").items
    ]


def test_the_group_page_runs_the_same_queries_however_its_sessions_are_staffed(
    login, pat, fern, gina, frank, team_group, django_assert_num_queries
):
    client = login(pat)
    url = reverse("programme:group", args=[team_group.pk])
    client.get(url)
    with django_assert_num_queries(QUERIES_GROUP_PAGE):
        client.get(url)
    held(team_group, range(1, 9), pat)
    change(team_group, 2, 5, frank, [gina], by=pat, reason="Leave")
    change(team_group, 20, 30, gina, [frank, fern], by=pat)
    with django_assert_num_queries(QUERIES_GROUP_PAGE):
        response = client.get(url)
    assert "Frank Coverley (stood in)" in response.text


# The group page's queries (13 before sessions had their own facilitators, with the header's
# count, now kept in the session), and two for this part: who runs each session, and the
# continuity of the sessions held (the group's facilitators are read once, as before).
QUERIES_GROUP_PAGE = 14
