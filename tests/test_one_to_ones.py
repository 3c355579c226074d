"""The pre-group one-to-one and the post-programme review are scheduled sessions: his offender
manager or a programme manager schedules one, a facilitator named on it records it, a pre-group
one-to-one fills the checklist's interview (so readiness moves as it did), and both appear on
the group's and the man's schedule and in the facilitators' calendars."""

from datetime import date, time, timedelta

import pytest
from django.db import InternalError, transaction
from django.urls import reverse
from django.utils import timezone

from isotp.models import Role
from programme.models import OneToOneSession, ProgrammeError
from programme.services.calendar import calendar_events
from programme.services.one_to_ones import (
    ALREADY_RECORDED,
    NOT_YET_HELD,
    OUTCOME_NEEDED,
    one_to_one_cancel,
    one_to_one_record,
    one_to_one_schedule,
)
from programme.services.scheduling import (
    ONE_TO_ONE_NOT_BEFORE_SESSION_1,
    placement_allocate,
    session_move,
)
from referrals.models import ReferralStatus
from tests.factories import (
    complete_checklist,
    make_group,
    make_offender,
    make_placement,
    make_ready_referral,
    make_referral,
    make_staff,
    record,
)

TODAY = date.today()


@pytest.fixture
def frank(office):
    """A facilitator of the office who is not named on the one-to-one."""
    return make_staff("frank.other", Role.FACILITATOR, office)


@pytest.fixture
def waiting(alice):
    """Walter, waiting, his checklist done but for the assessment interview."""
    referral = make_referral(make_offender(alice, first_name="Walter", last_name="Waitson"), alice)
    checklist = complete_checklist(referral)
    checklist.interview_on = None
    checklist.interview_attended = None
    checklist.interview_outcome = ""
    checklist.save()
    return referral


def book(referral, by, facilitators, *, on, kind="pre_group", today=None):
    return one_to_one_schedule(
        referral=referral,
        kind=kind,
        on=on,
        start_time=time(14, 0),
        place="Riverside probation office, interview room 1",
        facilitators=facilitators,
        by=by,
        today=today or min(on, TODAY),
    )


def schedule_form(fern, on: date, kind="pre_group") -> dict:
    return {
        "kind": kind,
        "on_0": str(on.day),
        "on_1": str(on.month),
        "on_2": str(on.year),
        "start_time": "14:00",
        "place": "Riverside probation office, interview room 1",
        "facilitators": [fern.pk],
    }


# --- Scheduling ------------------------------------------------------------------------------


def test_his_offender_manager_schedules_the_pre_group_one_to_one_and_it_is_on_his_schedule(
    login, alice, fern, waiting
):
    client = login(alice)
    on = TODAY + timedelta(days=3)
    url = reverse("programme:one_to_one_new", args=[waiting.pk])
    response = client.post(url, schedule_form(fern, on), follow=True)
    page = response.content.decode()
    assert f"Pre-group one-to-one scheduled on {on:%-d %B %Y}" in page
    assert "His schedule" in page and "Pre-group one-to-one at 2pm" in page
    one_to_one = OneToOneSession.objects.get()
    assert (one_to_one.scheduled_by, list(one_to_one.facilitators.all())) == (alice, [fern])


def test_a_programme_manager_of_his_office_schedules_one_and_others_may_not(
    login, pat, otto, hilary, fern, waiting
):
    url = reverse("programme:one_to_one_new", args=[waiting.pk])
    form = schedule_form(fern, TODAY + timedelta(days=3))
    assert login(pat).post(url, form).status_code == 302
    for outsider in (otto, hilary, fern):
        assert login(outsider).post(url, form).status_code == 404
    assert OneToOneSession.objects.count() == 1


def test_a_one_to_one_cannot_be_scheduled_in_the_past(login, alice, fern, waiting):
    url = reverse("programme:one_to_one_new", args=[waiting.pk])
    response = login(alice).post(url, schedule_form(fern, TODAY - timedelta(days=1)))
    assert "A one-to-one cannot be scheduled in the past" in response.content.decode()
    assert not OneToOneSession.objects.exists()


def test_the_pre_group_one_to_one_must_be_before_session_1_of_his_group(
    login, alice, pat, fern, group
):
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    first = group.sessions.get(number=1).date  # 2 February 2026
    with pytest.raises(ProgrammeError, match="must be before session 1 of his group, on 2 Feb"):
        book(placement.referral, alice, [fern], on=first, today=first - timedelta(days=7))
    assert book(placement.referral, alice, [fern], on=first - timedelta(days=1))


def test_the_review_must_be_after_the_groups_last_session(alice, pat, fern, group):
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    last = group.sessions.order_by("-number").first().date
    with pytest.raises(ProgrammeError, match="after the group's last session, on"):
        book(placement.referral, alice, [fern], on=last, kind="review")
    review = book(placement.referral, alice, [fern], on=last + timedelta(days=7), kind="review")
    assert review.get_kind_display() == "Post-programme review"


def test_a_review_needs_a_place_in_a_group(alice, fern, waiting):
    with pytest.raises(ProgrammeError, match="no place in a group"):
        book(waiting, alice, [fern], on=TODAY + timedelta(days=3), kind="review")


# --- Recording: the checklist filled from it ---------------------------------------------------


def test_recording_the_pre_group_one_to_one_fills_the_checklist_and_makes_him_ready(
    login, alice, fern, waiting
):
    one_to_one = book(waiting, alice, [fern], on=TODAY)
    client = login(fern)
    response = client.post(
        reverse("programme:one_to_one_record", args=[one_to_one.pk]),
        {"attended": "yes", "outcome": "suitable", "notes": "Ready to start"},
        follow=True,
    )
    assert "Pre-group one-to-one recorded" in response.content.decode()
    waiting.refresh_from_db()
    checklist = waiting.checklist
    assert (checklist.interview_on, checklist.interview_attended, checklist.interview_outcome) == (
        TODAY,
        True,
        "suitable",
    )
    assert waiting.status == ReferralStatus.AWAITING_ALLOCATION
    move = waiting.status_changes.last()
    assert (move.to_status, move.by) == (ReferralStatus.AWAITING_ALLOCATION, fern)


def test_a_missed_pre_group_one_to_one_leaves_the_checklist_incomplete(alice, fern, waiting):
    one_to_one = book(waiting, alice, [fern], on=TODAY)
    one_to_one_record(one_to_one=one_to_one, attended=False, outcome="", notes="", by=fern)
    waiting.refresh_from_db()
    assert waiting.status == ReferralStatus.AWAITING_ASSESSMENT
    assert waiting.checklist.missing_items() == [
        "Assessment interview with facilitators: he did not attend"
    ]


def test_the_checklist_form_shows_the_interview_from_the_one_to_one_and_does_not_ask_it(
    login, alice, fern, waiting
):
    one_to_one = book(waiting, alice, [fern], on=TODAY)
    one_to_one_record(one_to_one=one_to_one, attended=True, outcome="suitable", notes="", by=fern)
    page = login(alice).get(reverse("referrals:referral_checklist", args=[waiting.pk]))
    html = page.content.decode()
    assert 'name="interview_on_0"' not in html and 'name="interview_outcome"' not in html
    assert f"{TODAY:%-d %B %Y}: attended, suitable." in html
    assert "This comes from his pre-group one-to-one" in html
    # Saving the checklist keeps the interview the one-to-one recorded.
    login(alice).post(
        reverse("referrals:referral_checklist", args=[waiting.pk]),
        {"interview_on_0": "1", "interview_on_1": "1", "interview_on_2": "2026"},
    )
    waiting.checklist.refresh_from_db()
    assert waiting.checklist.interview_on == TODAY


def test_a_one_to_one_is_recorded_once_held_with_an_outcome_once_and_by_a_named_facilitator(
    login, alice, fern, frank, waiting
):
    later = book(waiting, alice, [fern], on=TODAY + timedelta(days=2), today=TODAY)
    with pytest.raises(ProgrammeError, match=NOT_YET_HELD.format(date=later.date)):
        one_to_one_record(one_to_one=later, attended=True, outcome="suitable", notes="", by=fern)
    held = book(waiting, alice, [fern], on=TODAY)
    with pytest.raises(ProgrammeError, match=OUTCOME_NEEDED):
        one_to_one_record(one_to_one=held, attended=True, outcome="", notes="", by=fern)
    url = reverse("programme:one_to_one_record", args=[held.pk])
    assert login(frank).post(url, {"attended": "no"}).status_code == 404
    assert login(alice).post(url, {"attended": "no"}).status_code == 404
    one_to_one_record(one_to_one=held, attended=False, outcome="", notes="", by=fern)
    with pytest.raises(ProgrammeError, match=ALREADY_RECORDED):
        one_to_one_record(one_to_one=held, attended=True, outcome="suitable", notes="", by=fern)
    response = login(fern).post(url, {"attended": "yes", "outcome": "suitable"})
    assert response.status_code == 200
    assert ALREADY_RECORDED in response.content.decode()


def test_the_database_keeps_a_recorded_one_to_one_as_it_was(alice, fern, waiting):
    held = book(waiting, alice, [fern], on=TODAY)
    one_to_one_record(one_to_one=held, attended=False, outcome="", notes="", by=fern)
    with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
        OneToOneSession.objects.filter(pk=held.pk).update(notes="Changed afterwards")


def test_a_cancelled_one_to_one_needs_a_reason_and_leaves_the_calendar(login, alice, fern, waiting):
    one_to_one = book(waiting, alice, [fern], on=TODAY + timedelta(days=3), today=TODAY)
    assert [e.summary for e in calendar_events(staff=fern, today=TODAY)] == ["Pre-group one-to-one"]
    url = reverse("programme:one_to_one_cancel", args=[one_to_one.pk])
    response = login(alice).post(url, {"reason": ""})
    assert "Give the reason the one-to-one is cancelled" in response.content.decode()
    assert login(alice).post(url, {"reason": "He is in hospital"}).status_code == 302
    one_to_one.refresh_from_db()
    assert one_to_one.state == "Cancelled" and one_to_one.cancel_reason == "He is in hospital"
    assert calendar_events(staff=fern, today=TODAY) == []
    with pytest.raises(ProgrammeError, match="was cancelled"):
        one_to_one_cancel(one_to_one=one_to_one, reason="Again", by=alice)


def test_the_calendar_feed_names_no_one(alice, fern, waiting):
    one_to_one = book(waiting, alice, [fern], on=TODAY + timedelta(days=3), today=TODAY)
    [event] = calendar_events(staff=fern, today=TODAY)
    assert event.summary == "Pre-group one-to-one"
    assert "Waitson" not in event.summary and event.location == ""
    assert event.path == one_to_one.get_absolute_url()
    assert event.start == timezone.make_aware(
        timezone.datetime.combine(one_to_one.date, time(14, 0))
    )


# --- Allocation and moving session 1 around a one-to-one still to be held ---------------------


def test_allocation_is_refused_to_a_group_whose_session_1_is_not_after_his_one_to_one(
    alice, pat, fern
):
    start = TODAY + timedelta(days=14)
    group = make_group(pat, [fern], start_date=start, weekday=start.weekday())
    referral = make_ready_referral(make_offender(alice), alice)
    book(referral, alice, [fern], on=start, today=TODAY)
    with pytest.raises(ProgrammeError) as refused:
        placement_allocate(group=group, referral=referral, by=pat, on=TODAY)
    assert str(refused.value) == ONE_TO_ONE_NOT_BEFORE_SESSION_1.format(
        one_to_one=start, first=start
    )


def test_session_1_cannot_move_to_or_before_a_members_one_to_one(alice, pat, fern):
    start = TODAY + timedelta(days=14)
    group = make_group(pat, [fern], start_date=start, weekday=start.weekday())
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    book(placement.referral, alice, [fern], on=start - timedelta(days=2), today=TODAY)
    with pytest.raises(ProgrammeError, match="session 1 must be after it"):
        session_move(
            session=group.sessions.get(number=1),
            new_date=start - timedelta(days=2),
            move_later=False,
        )
    session_move(
        session=group.sessions.get(number=1), new_date=start - timedelta(days=1), move_later=False
    )


# --- The schedules ---------------------------------------------------------------------------


def test_the_group_page_shows_one_to_ones_before_session_1_and_reviews_after_the_last(
    login, alice, pat, fern, group
):
    placement = make_placement(
        group, make_offender(alice, first_name="Gary", last_name="Groupson"), alice, by=pat
    )
    referral = placement.referral
    last = group.sessions.order_by("-number").first().date
    book(referral, alice, [fern], on=last + timedelta(days=10), kind="review")
    book(referral, alice, [fern], on=date(2026, 1, 28))
    html = login(pat).get(group.get_absolute_url()).content.decode()
    schedule = html[html.index('id="whole-schedule"') :]
    one_to_one = schedule.index("Pre-group one-to-one")
    sessions = schedule.index("Group sessions 1 to 35")
    review = schedule.index("Post-programme review")
    assert one_to_one < sessions < review
    assert "Gary Groupson" in schedule[one_to_one:sessions]


def test_his_programme_page_shows_his_schedule_in_date_order(login, alice, pat, fern, group):
    placement = make_placement(group, make_offender(alice), alice, by=pat)
    last = group.sessions.order_by("-number").first().date
    book(placement.referral, alice, [fern], on=last + timedelta(days=10), kind="review")
    held = book(placement.referral, alice, [fern], on=date(2026, 1, 28))
    record(group.sessions.get(number=1), placement, "attended", by=fern)
    html = (
        login(alice)
        .get(reverse("programme:offender_programme", args=[placement.referral.offender_id]))
        .content.decode()
    )
    schedule = html[html.index('id="his-schedule"') :]
    assert (
        schedule.index("28 January 2026")
        < schedule.index("Group sessions 1 to 35")
        < schedule.index("Post-programme review")
    )
    assert "1 of 35 registers recorded" in schedule
    assert held.get_absolute_url() in schedule


def test_who_may_open_a_one_to_one(login, alice, otto, pat, hilary, fern, frank, waiting):
    one_to_one = book(waiting, alice, [fern], on=TODAY + timedelta(days=2), today=TODAY)
    url = one_to_one.get_absolute_url()
    for allowed in (alice, pat, fern):
        assert login(allowed).get(url).status_code == 200
    for refused in (otto, hilary, frank):
        assert login(refused).get(url).status_code == 404


def test_the_schedules_run_the_same_queries_however_many_one_to_ones(
    login, alice, pat, fern, group
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    placements = [make_placement(group, make_offender(alice), alice, by=pat) for _ in range(3)]
    client = login(pat)
    his_page = reverse("programme:offender_programme", args=[placements[0].referral.offender_id])

    def counts() -> tuple[int, int]:
        client.get(group.get_absolute_url())
        client.get(his_page)
        found = []
        for url in (group.get_absolute_url(), his_page):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return tuple(found)

    book(placements[0].referral, alice, [fern], on=date(2026, 1, 27))
    before = counts()
    for placement in placements:
        book(placement.referral, alice, [fern], on=date(2026, 1, 28))
        book(placement.referral, alice, [fern], on=date(2026, 12, 1), kind="review")
    assert counts() == before


def test_the_facilitators_today_page_lists_the_one_to_ones_to_hold_and_record(
    login, alice, fern, frank, waiting
):
    book(waiting, alice, [fern], on=TODAY)
    html = login(fern).get(reverse("programme:today")).content.decode()
    assert "One-to-ones this week and to record" in html
    assert "Record the one-to-one" in html and "Walter Waitson" in html
    assert "Walter Waitson" not in login(frank).get(reverse("programme:today")).content.decode()


def test_a_recorded_one_to_one_is_on_his_timeline(login, alice, fern, waiting):
    one_to_one = book(waiting, alice, [fern], on=TODAY)
    one_to_one_record(one_to_one=one_to_one, attended=True, outcome="suitable", notes="", by=fern)
    html = (
        login(alice)
        .get(reverse("programme:offender_timeline", args=[waiting.offender_id]))
        .content.decode()
    )
    assert "Pre-group one-to-one" in html and "He attended: suitable" in html
