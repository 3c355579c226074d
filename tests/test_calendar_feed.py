"""Each member of staff's private calendar feed: made and stopped on their calendar page, read
by any calendar app through its secret link, holding their sessions, catch-ups, handovers and
appointments and nothing about any offender."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from isotp.models import CalendarFeed, Role
from programme.models import Appointment, CatchUp
from programme.services.calendar import ALREADY_REVOKED
from tests.factories import (
    make_group,
    make_handover,
    make_offender,
    make_placement,
    make_staff,
    next_meeting_day,
    today,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def next_monday() -> date:
    return today() + timedelta(days=7 - today().weekday())


@pytest.fixture
def upcoming_group(pat, fern):
    """Fern's group, meeting on Mondays at 6pm from next Monday."""
    return make_group(pat, [fern], start_date=next_monday(), venue="Riverside office, room 2")


def make_link(client) -> str:
    """Make a calendar link on the calendar page and return it, as the page shows it once."""
    page = client.post(reverse("programme:calendar_settings"), {"action": "create"}, follow=True)
    assert page.status_code == 200
    return page.context["new_link"]


def fetch(client, link: str):
    client.logout()  # a calendar app has no session
    return client.get(link.removeprefix("http://testserver"))


def events_of(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_a_facilitator_subscribes_to_her_group_sessions(login, fern, alice, upcoming_group):
    offender = make_offender(alice, first_name="Quentin", last_name="Calendarman")
    make_placement(upcoming_group, offender, alice)
    client = login(fern)

    link = make_link(client)
    assert "/calendar/" in link and link.endswith(".ics")
    # Shown once: opening the page again shows that a link exists, not the link.
    again = client.get(reverse("programme:calendar_settings"))
    assert again.context["new_link"] is None
    assert link not in again.content.decode()
    assert "Stop the link working" in again.content.decode()

    response = fetch(client, link)
    events = events_of(response)
    assert len(events) == 35
    first = min(events, key=lambda event: event.decoded("dtstart"))
    assert str(first["summary"]) == "i-SOTP group session 1 (lead)"
    assert str(first["location"]) == "Riverside office, room 2"
    start = first.decoded("dtstart")
    # Its first Monday that is no bank holiday.
    first_day = next_meeting_day([0], on_or_after=next_monday())
    assert start == datetime.combine(first_day, time(18, 0), tzinfo=LONDON)
    session = upcoming_group.sessions.get(number=1)
    assert str(first["url"]).endswith(reverse("programme:register", args=[session.pk]))
    # Nothing about the men in it: not his name, not his CRN.
    body = response.content.decode()
    assert "Calendarman" not in body and "Quentin" not in body
    assert offender.crn not in body


def test_a_new_link_stops_the_old_one_and_stopping_leaves_none(login, fern, upcoming_group):
    client = login(fern)
    old = make_link(client)
    client = login(fern)
    new = make_link(client)
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200

    client = login(fern)
    page = client.post(reverse("programme:calendar_settings"), {"action": "revoke"}, follow=True)
    assert "no longer works" in page.content.decode()
    assert fetch(client, new).status_code == 404
    # Both links are kept, stopped, with when.
    assert CalendarFeed.objects.filter(staff=fern, revoked_at__isnull=False).count() == 2

    client = login(fern)
    page = client.post(reverse("programme:calendar_settings"), {"action": "revoke"}, follow=True)
    assert ALREADY_REVOKED in page.content.decode()


def test_a_deactivated_persons_link_stops_working(login, fern, upcoming_group):
    client = login(fern)
    link = make_link(client)
    fern.is_active = False
    fern.save()
    assert fetch(client, link).status_code == 404


def test_a_made_up_link_opens_nothing_and_is_logged(client, fern, events):
    response = client.get(reverse("programme:calendar_feed", args=["not-a-real-secret"]))
    assert response.status_code == 404
    [refused] = events("calendar_feed_refused")
    assert refused["outcome"] == "refused" and refused["client_address"]


def test_the_calendar_page_needs_sign_in(client):
    response = client.get(reverse("programme:calendar_settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_making_and_stopping_a_link_are_security_events(login, fern, events):
    client = login(fern)
    make_link(client)
    client.post(reverse("programme:calendar_settings"), {"action": "revoke"})
    assert [event["staff_id"] for event in events("calendar_link_created")] == [fern.pk]
    assert [event["staff_id"] for event in events("calendar_link_revoked")] == [fern.pk]


def test_each_person_sees_their_own_work_and_no_case_details(
    login, fern, alice, pat, office, upcoming_group
):
    offender = make_offender(alice, first_name="Rupert", last_name="Privateperson")
    placement = make_placement(upcoming_group, offender, alice)
    session = upcoming_group.sessions.get(number=1)
    day = next_monday() + timedelta(days=2)
    CatchUp.objects.create(placement=placement, session=session, held_on=day, facilitator=fern)
    Appointment.objects.create(
        offender=offender, on=day, purpose="Talk about Rupert's new job", recorded_by=alice
    )
    make_handover(placement.referral, alice, held_on=day, place="His home, 1 Secret Lane")
    stranger = make_staff("sam.stranger", Role.FACILITATOR, office)

    fern_events = events_of(fetch(login(fern), make_link(login(fern))))
    summaries = sorted(str(event["summary"]) for event in fern_events)
    assert summaries == sorted(
        [
            "Handover meeting after the programme",
            "i-SOTP catch-up of session 1",
            *(f"i-SOTP group session {n} (lead)" for n in range(1, 36)),
        ]
    )

    alice_response = fetch(login(alice), make_link(login(alice)))
    alice_summaries = sorted(str(event["summary"]) for event in events_of(alice_response))
    assert alice_summaries == [
        "Appointment (details in the case record)",
        "Handover meeting after the programme",
    ]
    body = alice_response.content.decode()
    assert "Secret Lane" not in body and "new job" not in body and "Rupert" not in body
    all_day = events_of(alice_response)[0].decoded("dtstart")
    assert all_day == day

    assert events_of(fetch(login(stranger), make_link(login(stranger)))) == []


def test_the_feed_runs_the_same_queries_however_busy(
    login, client, fern, pat, upcoming_group, django_assert_num_queries
):
    link = make_link(login(fern))
    client.logout()
    path = link.removeprefix("http://testserver")
    client.get(path)  # the first fetch also notes when it was used
    # The feed (1), then sessions, her role at each, catch-ups, handovers, appointments,
    # one-to-ones.
    with django_assert_num_queries(7):
        assert client.get(path).status_code == 200
    make_group(pat, [fern], start_date=next_monday() + timedelta(days=7), venue="Second room")
    with django_assert_num_queries(7):
        response = client.get(path)
    assert len(events_of(response)) == 70
